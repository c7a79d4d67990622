"""The help center in every language of data/site.yml, built for real: French at /, English at /en/, and a third
language from data alone."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb_build import read
from kb_build.commitments import USUAL_TRACKING_TEXTS
from kb_build.csp import inline_script_hashes
from kb_build.languages import alternates
from tests.conftest import ROOT, page_text, run_kb
from tests.french import NBSP, NNBSP

KB = read(ROOT / "data").kb
FIXTURES = ROOT / "tests" / "kb_build"


class _Head(HTMLParser):
    """The <link rel="alternate" hreflang>, the language menu's links and <html lang> of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.alternates: dict[str, str] = {}
        self.menu: dict[str, str] = {}
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = attributes.get("lang", "")
        if tag == "link" and attributes.get("rel") == "alternate" and "hreflang" in attributes:
            self.alternates[attributes["hreflang"]] = attributes["href"]
        if tag == "a" and "md-select__link" in attributes.get("class", ""):
            self.menu[attributes.get("hreflang", "")] = attributes["href"]


def head(page: Path) -> _Head:
    parser = _Head()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def pages(site: Path, *, under: str = "") -> list[str]:
    """The page paths of one language ("delais/index.html"), without the other languages' folders."""
    root = site / under
    others = {code for code in ("en", "de")} - {under.strip("/")}
    found = []
    for page in sorted(root.rglob("index.html")):
        relative = page.relative_to(root).as_posix()
        if relative.split("/")[0] in others or relative.startswith(("assets/", "search/")):
            continue
        found.append(relative)
    return found


def url(page: str) -> str:
    return page.removesuffix("index.html")


def test_every_french_page_has_its_english_page_and_no_other(built_site: Path) -> None:
    french, english = pages(built_site), pages(built_site, under="en")
    assert len(french) > 10
    assert english == french
    assert (built_site / "en" / "404.html").is_file()


def test_every_page_names_itself_in_each_language(built_site: Path) -> None:
    for page in pages(built_site):
        expected = {"fr": f"/{url(page)}", "en": f"/en/{url(page)}", "x-default": f"/{url(page)}"}
        for language, path in (("fr", built_site / page), ("en", built_site / "en" / page)):
            parsed = head(path)
            assert parsed.lang == language, page
            assert parsed.alternates == expected, page
            # Material's language menu, server-rendered: the same page in the other language.
            assert parsed.menu == {"fr": expected["fr"], "en": expected["en"]}, page


def test_the_sitemaps_give_every_page_its_alternates(built_site: Path) -> None:
    for root, prefix in ((built_site, "/"), (built_site / "en", "/en/")):
        sitemap = (root / "sitemap.xml").read_text(encoding="utf-8")
        entries = re.findall(r"<url>(.*?)</url>", sitemap, re.DOTALL)
        assert len(entries) == len(pages(built_site)) + 0
        for entry in entries:
            loc = re.search(r"<loc>(.*?)</loc>", entry)
            assert loc is not None and loc.group(1).startswith(prefix)
            path = loc.group(1).removeprefix(prefix)
            links = dict(re.findall(r'<xhtml:link rel="alternate" hreflang="([^"]+)" href="([^"]+)"/>', entry))
            assert links == {"fr": f"/{path}", "en": f"/en/{path}", "x-default": f"/{path}"}


def test_english_pages_speak_english_with_english_typography(built_site: Path) -> None:
    english = KB.in_language("en")
    home = (built_site / "en" / "index.html").read_text(encoding="utf-8")
    assert english.site.home.title in page_text(home)
    # The day written the British way, as the status checker writes it: "Updated on 1 December 2026".
    assert re.search(r"Updated on [0-9]{1,2} [A-Z][a-z]+ [0-9]{4}", page_text(home))
    # Material's own words are English there (the search box), French at /.
    assert 'placeholder="Search"' in home
    assert 'placeholder="Rechercher"' in (built_site / "index.html").read_text(encoding="utf-8")
    for page in pages(built_site, under="en"):
        text = page_text((built_site / "en" / page).read_text(encoding="utf-8"))
        assert not re.search(rf"[{NBSP}{NNBSP}][:;?!]", text), f"French spacing on en/{page}"
    not_found = (built_site / "en" / "404.html").read_text(encoding="utf-8")
    assert english.site.not_found.title in not_found and 'lang="en"' in not_found


def test_english_pages_write_the_call_id_one_way(built_site: Path) -> None:
    # The French glossary lets a verbatim quote of the source article keep « ID d'appel »; an English page has
    # no source to quote, so « Call ID » is the one spelling there.
    for page in pages(built_site, under="en"):
        text = page_text((built_site / "en" / page).read_text(encoding="utf-8"))
        assert set(re.findall(r"(?<![\w/-])call ?id(?![\w-])", text, re.IGNORECASE)) <= {"Call ID"}, f"en/{page}"


def test_english_pages_lead_to_the_english_status_page_and_feed(built_site: Path) -> None:
    english = KB.in_language("en").incidents.texts
    for page in ("index.html", "processus/index.html", f"types-de-problemes/{KB.incidents.issue_type}/index.html"):
        html = (built_site / "en" / page).read_text(encoding="utf-8")
        header = html[html.index('<header class="md-header') : html.index("</header>")]
        assert 'href="/en/etat-du-service"' in header and english.header_link in header, page
        assert 'data-status-url="/en/etat-du-service"' in html, page
    status = (built_site / "en" / "etat-du-service" / "index.html").read_text(encoding="utf-8")
    # The English shell of the live page (status_api/views/html.py), its tools linking the English feed.
    assert "<!-- service-status -->" in status and 'href="/en/etat-du-service"' in status
    assert f'<a href="/en/etat-du-service/flux.atom">{english.feed_link}</a>' in status


def test_each_language_has_its_own_search_index(built_site: Path) -> None:
    french = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    english = json.loads((built_site / "en" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert french["config"]["lang"] == ["fr"]
    assert english["config"]["lang"] == ["en"]
    english_titles = {doc["title"] for doc in english["docs"]}
    french_titles = {doc["title"] for doc in french["docs"]}
    assert KB.in_language("en").timelines.title in english_titles
    assert KB.timelines.title in french_titles
    assert KB.timelines.title not in english_titles
    assert not english_titles & {KB.process.title, KB.escalation.title, KB.tracking.title}


def test_the_content_security_policy_covers_the_english_pages(built_site: Path) -> None:
    allowed = set(json.loads((built_site / "csp-hashes.json").read_text(encoding="utf-8"))["script-src"])
    for page in [*pages(built_site, under="en"), "404.html"]:
        assert inline_script_hashes((built_site / "en" / page).read_text(encoding="utf-8")) <= allowed, page


# --- a third language, from data alone ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_languages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The minimal data in French, English and German (tests/kb_build/languages), built by `kb build`."""
    folder = tmp_path_factory.mktemp("languages")
    data = folder / "data"
    shutil.copytree(FIXTURES / "minimal", data)
    shutil.copytree(FIXTURES / "languages", data, dirs_exist_ok=True)
    site = folder / "site"
    result = run_kb("build", "--site-dir", str(site), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    return site, result.stderr


def test_a_third_language_needs_only_data(three_languages: tuple[Path, str]) -> None:
    site, output = three_languages
    french = pages(site)
    assert pages(site, under="de") == french == pages(site, under="en")
    home = (site / "de" / "index.html").read_text(encoding="utf-8")
    parsed = head(site / "de" / "index.html")
    assert parsed.lang == "de"
    assert parsed.alternates == {"fr": "/", "en": "/en/", "de": "/de/", "x-default": "/"}
    assert parsed.menu == {"fr": "/", "en": "/en/", "de": "/de/"}
    # Its words where translated, dates the German way, Material's words and the search in German.
    assert "Acme-Hilfe" in page_text(home)
    assert "Aktualisiert am 30. November 2026" in page_text(home)
    assert 'placeholder="Suche"' in home
    index = json.loads((site / "de" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["de"]
    process = page_text((site / "de" / "processus" / "index.html").read_text(encoding="utf-8"))
    assert "So funktioniert der Support" in process and "Eröffnung" in process
    # Untranslated texts show in French, and the build said which.
    assert "Clôture" in process
    assert "warning: missing translation of steps[cloture].title" in output
    assert "Seite nicht gefunden" in (site / "de" / "404.html").read_text(encoding="utf-8")


def test_with_the_sites_address_every_alternate_is_a_full_address() -> None:
    found = alternates(KB, "delais/", "https://aide.example.com/")
    assert [(item["lang"], item["link"], item["root"]) for item in found] == [
        ("fr", "https://aide.example.com/delais/", "https://aide.example.com/"),
        ("en", "https://aide.example.com/en/delais/", "https://aide.example.com/en/"),
    ]
    assert [item["name"] for item in found] == ["Français", "English"]


# The French glossary's promise words (data/glossary.yml) are French: kb check cannot see them in a translation.
# This holds the English texts that word a commitment to the same rule while nothing is confirmed.
_ENGLISH_PROMISES = re.compile(
    r"\b(?:commit(?:s|ted|ment|ments)?|undertakes?|guarantee[sd]?|at the latest|at least|sorry|apologi[sz]e)\b",
    re.IGNORECASE,
)


def test_english_texts_promise_nothing_unconfirmed() -> None:
    english = KB.in_language("en")
    texts = {f"tracking.result.{key}": getattr(english.tracking.result, key) for key in USUAL_TRACKING_TEXTS}
    texts["communication.cadence_intro"] = english.communication.cadence_intro
    for i, cadence in enumerate(english.communication.cadence):
        if not cadence.confirmed:
            texts[f"communication.cadence[{i}].wording"] = cadence.wording
    for i, timeline in enumerate(english.timelines.timelines):
        if not timeline.confirmed:
            texts[f"timelines[{i}].label"] = timeline.label
    closing = english.process.closing
    if closing is not None and not closing.confirmed:
        texts["process.closing"] = closing.text
    for i, rule in enumerate(english.escalation.rules):
        for j, alternative in enumerate(rule.alternatives):
            if not alternative.confirmed:
                texts[f"escalation.rules[{i}].alternatives[{j}]"] = alternative.text
    if not english.site.call_id.confirmed:
        texts["site.call_id.description"] = english.site.call_id.description
    assert len(texts) > len(USUAL_TRACKING_TEXTS)
    found = {where: match.group(0) for where, text in texts.items() if (match := _ENGLISH_PROMISES.search(text))}
    assert found == {}
    # The words are the ones the confirmed versions use, so the check would see them.
    assert _ENGLISH_PROMISES.search(english.tracking.result.window_passed_confirmed)
