"""French spacing: the right no-break space in prose, nothing in code, URLs or markup, and never twice."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_build.render import long_date
from kb_build.typography import NBSP, NNBSP, colon, french, french_html, spaced

N, F = NBSP, NNBSP

PROSE = [
    ("Vous avez un problème ?", f"Vous avez un problème{F}?"),
    ("Vous avez un problème?", f"Vous avez un problème{F}?"),
    ("Attention !", f"Attention{F}!"),
    ("Écrivez-nous ; nous répondrons.", f"Écrivez-nous{F}; nous répondrons."),
    ("Exemple : {example}.", f"Exemple{N}: {{example}}."),
    ("Exemple: 1234", f"Exemple{N}: 1234"),
    (f"Exemple{F}: 1234", f"Exemple{N}: 1234"),
    ("« Call ID »", f"«{N}Call ID{N}»"),
    ("«Call ID»", f"«{N}Call ID{N}»"),
    ("Vraiment ?!", f"Vraiment{F}?!"),
    ("**Équipe :** support", f"**Équipe{N}:** support"),
    ("**Équipe**: support", f"**Équipe**{N}: support"),
    ("de 9 h à 18 h", f"de 9{N}h à 18{N}h"),
    ("à 16 h 28", f"à 16{N}h{N}28"),
    ("environ 20 chiffres", f"environ 20{N}chiffres"),
    ("50 %", f"50{F}%"),
    ("+33 1 00 00 00 00", f"+33{F}1{F}00{F}00{F}00{F}00"),
]

UNTOUCHED = [
    "Il est 14:05.",
    "https://example.com/page?x=1&y=2:3",
    "Écrivez à support@example.com",
    "`code : ici ; là ?`",
    "```\nbloc : de code ?\n```",
    "[Lien](../page.md#ancre:x?)",
    '<span title="Aide : ici">x</span>',
    "<!-- status-result -->",
    "Un mot &amp; un autre",
    "![image](a.png)",
    '!!! tip "Titre"',
    ":material-clock-outline:{ .lg .middle }",
    "(?)",
]


@pytest.mark.parametrize(("typed", "printed"), PROSE)
def test_prose_gets_the_spaces_french_wants(typed: str, printed: str) -> None:
    assert french(typed) == printed


@pytest.mark.parametrize("text", UNTOUCHED)
def test_what_is_not_prose_is_left_alone(text: str) -> None:
    assert french(text) == text


def test_urls_keep_the_sign_that_follows_them_as_prose() -> None:
    assert french("voir https://example.com/a?b=1 ; puis") == f"voir https://example.com/a?b=1{F}; puis"


def test_html_text_and_read_attributes_get_the_spaces_markup_does_not() -> None:
    page = (
        '<p class="a:b">Voir <a href="/x?y=1:2" title="Aide : ici">le lien</a>: oui <code>a:b</code>: fin ?</p>'
        '<script>var a = "x : y";</script><input name="call_id" placeholder="Ex : 123">'
        "<p>« <strong>Call ID</strong> »</p><!-- status-result -->"
    )
    assert french_html(page) == (
        f'<p class="a:b">Voir <a href="/x?y=1:2" title="Aide{N}: ici">le lien</a>{N}: oui <code>a:b</code>{N}: '
        f'fin{F}?</p><script>var a = "x : y";</script><input name="call_id" placeholder="Ex{N}: 123">'
        f"<p>«{N}<strong>Call ID</strong>{N}»</p><!-- status-result -->"
    )


def test_a_plain_space_in_the_piece_before_a_tag_is_the_one_replaced() -> None:
    assert french_html("<p>Texte <span>: deux</span></p>") == f"<p>Texte{N}<span>: deux</span></p>"


def test_a_block_boundary_is_not_the_end_of_a_word() -> None:
    assert french_html("<li>Un</li><li>: deux</li>") == "<li>Un</li><li>: deux</li>"


def test_entities_are_read_as_the_characters_they_stand_for() -> None:
    # A text that changes is written back with the characters themselves, which browsers read alike.
    assert french_html("<p>L&#39;équipe&nbsp;: ok ; fin</p>") == f"<p>L'équipe{N}: ok{F}; fin</p>"
    assert french_html("<p>a &amp; b ?</p>") == f"<p>a &amp; b{F}?</p>"


_TEXT = st.text(alphabet=st.sampled_from(list("ab1 :;?!«»%\u00a0\u202f\n`*[]()<>/&#.h")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_spacing_twice_is_spacing_once(text: str) -> None:
    once = french(text)
    assert french(once) == once
    page = french_html(f"<p>{text}</p>")
    assert french_html(page) == page


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_only_spaces_change(text: str) -> None:
    spaces = " \u00a0\u202f"
    assert [c for c in french(text) if c not in spaces] == [c for c in text if c not in spaces]


def test_french_spacing_applies_to_french_only() -> None:
    assert spaced("Délai : 3 jours ?", "fr") == f"Délai{NBSP}: 3{NBSP}jours{NNBSP}?"
    assert spaced("Délai : 3 jours ?", "fr-CA") == spaced("Délai : 3 jours ?", "fr")
    assert spaced("Time: 3 days?", "en") == "Time: 3 days?"
    assert spaced("Zeit: 3 Tage?", "de") == "Zeit: 3 Tage?"
    assert (colon("fr"), colon("en")) == (" :", ":")


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    assert long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    # English the British way, as the status checker writes it; a region named in site.yml is honoured.
    assert long_date(date(2026, 12, 1), "en") == "1 December 2026"
    assert long_date(date(2026, 12, 1), "en-US") == "December 1, 2026"
    assert long_date(date(2026, 11, 30), "de") == "30. November 2026"
