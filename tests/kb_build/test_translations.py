"""Texts per language: data/<code>/*.yml over the French files, and every gap named at file:line:column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb_build import DataError, read
from kb_build.translations import source_hash
from kb_build.typography import NNBSP
from tests.conftest import run_kb

HERE = Path(__file__).parent
MINIMAL = HERE / "minimal"
# The minimal data in three languages (site.yml names them; en/ and de/ hold a few texts each).
LANGUAGES = HERE / "languages"


def data_in_languages(tmp_path: Path) -> Path:
    """A copy of the minimal data with the three-language fixture laid over it."""
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    shutil.copytree(LANGUAGES, data, dirs_exist_ok=True)
    return data


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_hash_of_a_text_ignores_how_its_lines_are_folded() -> None:
    assert source_hash("Le ticket\n  est ouvert.") == source_hash("Le ticket est ouvert.")
    assert source_hash("Le ticket est ouvert.") != source_hash("Le ticket est fermé.")
    assert len(source_hash("x")) == 8


def test_each_language_has_its_texts_and_french_where_a_translation_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data_in_languages(tmp_path)
    loaded = read("data")
    kb = loaded.kb
    assert kb.languages == ("fr", "en", "de")
    # The model itself stays French: whoever reads it without asking for a language reads French.
    assert kb.process.title == "Processus"
    assert kb.language == "fr"
    english, german = kb.in_language("en"), kb.in_language("de")
    assert (english.language, german.language) == ("en", "de")
    assert english.process.title == "How support works"
    assert german.process.title == "So funktioniert der Support"
    assert german.step("ouverture").title == "Eröffnung"
    # Untranslated: the French text, spaced the French way.
    assert german.step("cloture").title == "Clôture"
    assert german.process.closing is not None
    assert german.process.closing.text == kb.process.closing.text  # type: ignore[union-attr]
    # Ids, teams and sources come from the French file only.
    assert [s.id for s in german.process.steps] == [s.id for s in kb.process.steps]
    assert german.step("ouverture").team == kb.step("ouverture").team
    # Each language reaches the others; an unknown one gets French.
    assert german.in_language("en") is english
    assert english.in_language("fr") is kb
    assert kb.in_language("it") is kb
    # Every gap is listed, in the translation file, in English.
    gaps = [str(gap) for gap in loaded.gaps]
    assert "data/de/process.yml:6:3: missing translation of steps[developpement].title" in "\n".join(gaps)
    assert any(gap.startswith("data/de/timelines.yml:1:1: missing file: none of the 9 texts") for gap in gaps)


def test_french_spacing_only_in_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = data_in_languages(tmp_path)
    write(
        data / "en" / "process.yml",
        f"title:\n  text: 'Support: how it works?'\n  source_hash: {source_hash('Processus')}\n",
    )
    kb = read("data").kb
    # English as typed: no space before « : » or « ? ».
    assert kb.in_language("en").process.title == "Support: how it works?"
    # A French text standing in for a missing translation keeps its French spacing.
    assert kb.site.feedback.question.endswith(f"{NNBSP}?")
    assert kb.in_language("en").site.feedback.question == kb.site.feedback.question


def test_an_outdated_translation_is_named_where_its_hash_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = data_in_languages(tmp_path)
    # The writer changed the French title after it was translated.
    french = (data / "process.yml").read_text(encoding="utf-8")
    (data / "process.yml").write_text(french.replace("title: Processus", "title: Notre processus"), encoding="utf-8")
    gaps = [str(gap) for gap in read("data").gaps]
    outdated = [gap for gap in gaps if "outdated" in gap]
    expected = source_hash("Notre processus")
    assert outdated == [
        "data/de/process.yml:4:16: outdated translation: the French text changed after it was translated "
        f"(data/process.yml:1:8 now reads « Notre processus »); update the translation, then write "
        f"source_hash: {expected}",
        "data/en/process.yml:4:16: outdated translation: the French text changed after it was translated "
        f"(data/process.yml:1:8 now reads « Notre processus »); update the translation, then write "
        f"source_hash: {expected}",
    ]
    # Outdated is still translated: the pages show it, as Zendesk Guide shows an outdated translation.
    assert read("data").kb.in_language("de").process.title == "So funktioniert der Support"


def test_mistakes_in_a_translation_file_are_errors_at_their_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = data_in_languages(tmp_path)
    write(
        data / "en" / "process.yml",
        "title:\n"
        "  text: How support works\n"
        "  source_hash: c24442fb\n"
        "  note: hello\n"
        "steps:\n"
        "  - id: ouverture\n"
        "    titel:\n"
        "      text: Opening\n"
        "      source_hash: 3bf30214\n"
        "  - id: inconnue\n"
        "    title:\n"
        "      text: Unknown\n"
        "      source_hash: 3bf30214\n"
        "promise: We keep you informed.\n"
        "closing:\n"
        "  team: support\n",
    )
    write(
        data / "en" / "tracking.yml",
        "result:\n  ticket_title:\n    text: Ticket {ref}\n    source_hash: "
        + source_hash("Ticket {reference}")
        + "\n",
    )
    write(data / "en" / "notes.yml", "hello: world\n")
    with pytest.raises(DataError) as raised:
        read("data")
    errors = raised.value.errors
    assert "data/en/process.yml:4:3: unknown key « note »: a translated text has text and source_hash" in errors
    assert any(
        e.startswith("data/en/process.yml:7:5: « steps[ouverture].titel » is no text of data/process.yml")
        for e in errors
    )
    assert any(
        e.startswith("data/en/process.yml:10:5: « steps[inconnue] » is no text of data/process.yml") for e in errors
    )
    assert any(
        e.startswith("data/en/process.yml:14:10: expected « text: » and « source_hash: » under this key")
        for e in errors
    )
    assert any(e.startswith("data/en/process.yml:15:1: « closing » is no text of data/process.yml") for e in errors)
    assert "data/en/tracking.yml:3:11: {ref}: keep the French text's placeholders as they are ({reference})" in errors
    assert any(e.startswith("data/en/notes.yml:1:1: unexpected file") for e in errors)


def test_strict_translations_refuse_every_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = data_in_languages(tmp_path)
    site = (data / "site.yml").read_text(encoding="utf-8")
    (data / "site.yml").write_text(site + "translations: stricte\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read("data")
    assert (
        "data/de/process.yml:6:3: refused by « translations: stricte » (site.yml): missing translation of "
        "steps[developpement].title"
    ) in "\n".join(raised.value.errors)


def test_kb_check_lists_the_gaps_and_passes_unless_strict(tmp_path: Path) -> None:
    data = data_in_languages(tmp_path)
    result = run_kb("check", str(data))
    assert result.returncode == 0, result.stderr
    assert "de/process.yml:6:3: warning: missing translation of steps[developpement].title" in result.stderr
    assert "traductions manquantes ou périmées" in result.stdout
    (data / "site.yml").write_text(
        (data / "site.yml").read_text(encoding="utf-8") + "translations: stricte\n", encoding="utf-8"
    )
    strict = run_kb("check", str(data))
    assert strict.returncode == 1
    assert "refused by « translations: stricte » (site.yml): missing translation" in strict.stderr


def test_the_help_centers_own_data_has_no_gap() -> None:
    loaded = read(HERE.parent.parent / "data")
    assert loaded.kb.languages == ("fr", "en")
    assert [str(gap) for gap in loaded.gaps] == []


def test_a_strict_build_with_a_gap_fails_clearly_and_leaves_the_site(tmp_path: Path) -> None:
    data = data_in_languages(tmp_path)
    (data / "site.yml").write_text(
        (data / "site.yml").read_text(encoding="utf-8") + "translations: stricte\n", encoding="utf-8"
    )
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("previous", encoding="utf-8")
    result = run_kb("build", "--site-dir", str(site), "--data-dir", str(data))
    assert result.returncode == 1
    assert "refused by « translations: stricte » (site.yml): missing translation" in result.stderr
    assert "Construction annulée : le site existant n'a pas été modifié." in result.stderr
    assert (site / "index.html").read_text(encoding="utf-8") == "previous"


def test_a_broken_brace_in_a_translation_is_an_error_at_the_brace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = data_in_languages(tmp_path)

    def entry(key: str, text: str, french: str) -> str:
        return f"  {key}:\n    text: {text}\n    source_hash: {source_hash(french)}\n"

    write(
        data / "en" / "tracking.yml",
        "result:\n"
        + entry("ticket_title", "Ticket {reference", "Ticket {reference}")
        + entry("resolved_text", "Resolved on { date }.", "Votre ticket a été résolu le {date}.")
        + entry("resolved_title", "Resolved {", "Ticket résolu"),
    )
    with pytest.raises(DataError) as raised:
        read("data")
    assert raised.value.errors == [
        "data/en/tracking.yml:3:18: brace never closed: « {reference »; write {reference}",
        "data/en/tracking.yml:6:23: no spaces inside a placeholder's braces: write {date}",
        "data/en/tracking.yml:9:20: stray brace « { »: remove it (this text has no placeholder)",
    ]


def test_a_translation_not_in_utf8_is_named_at_the_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = data_in_languages(tmp_path)
    (data / "en" / "tracking.yml").write_bytes("title:\n  text: Étape ".encode() + b"caf\xe9\n")
    with pytest.raises(DataError) as raised:
        read("data")
    assert raised.value.errors == [
        "data/en/tracking.yml:2:18: byte 0xe9 is not valid UTF-8 (saved as Latin-1 or Windows-1252?): save as UTF-8"
    ]
