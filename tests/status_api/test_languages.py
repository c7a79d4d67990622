"""The status checker in the visitor's language, `status-api serve` started for real and called over HTTP: the
JSON API by Accept-Language (French by default), /en/suivi in the English site's shell, dates the language's
way, and a third language from data alone (the checker, « État du service », its feed and e-mails)."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kb_build import load
from kb_build.model import KnowledgeBase
from status_api.http.languages import negotiate
from tests.conftest import page_text, run_kb
from tests.status_api.helpers import AUTH, CALL_ID, DATA, ROOT, TOKEN, Server, served_on, ticket_body
from tests.status_api.mail_server import Inbox, html_of, text_of

FIXTURES = ROOT / "tests" / "kb_build"
UNKNOWN = "99999999999999999999"
# "Tuesday 24 November 2026 at 2:00 pm": British order, the 12-hour clock data/en writes ("9 am to 6 pm").
ENGLISH_DATETIME = re.compile(
    r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) [0-9]{1,2}\u00a0[A-Z][a-z]+ 2026 at "
    r"[0-9]{1,2}:[0-9]{2}\u00a0[ap]m"
)
FRENCH_DATETIME = re.compile(
    r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) .* à [0-9]{1,2}\u00a0h\u00a0[0-9]{2}"
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load(DATA)


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built_site: Path
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("languages")
    started = served_on("sqlite", request, folder, STATUS_API_TOKEN=TOKEN, STATUS_API_SITE_DIR=str(built_site))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def http(server: Server, kb: KnowledgeBase) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.url, timeout=10) as client:
        now = datetime.now(UTC).replace(microsecond=0)
        put = client.put(
            "/api/v1/tickets/RGV-1",
            json=ticket_body(kb, opened_at=(now - timedelta(hours=1)).isoformat()),
            headers=AUTH,
        )
        assert put.status_code in (200, 201), put.text
        yield client


def _lookup(http: httpx2.Client, call_id: str, language: str | None) -> httpx2.Response:
    headers = {"Accept-Language": language} if language is not None else {}
    return http.post("/api/v1/lookup", json={"call_id": call_id}, headers=headers)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "fr"),
        ("en", "en"),
        ("en-GB", "en"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE, en;q=0.5", "en"),
        ("en;q=0.2, fr;q=0.8", "fr"),
        ("fr-CA", "fr"),
        ("ja, zh;q=0.9", "fr"),
        ("*", "fr"),
        ("en;q=0", "fr"),
        ("en;q=bad", "fr"),
    ],
)
def test_accept_language_picks_the_lookups_language(
    http: httpx2.Client, kb: KnowledgeBase, header: str | None, expected: str
) -> None:
    answer = _lookup(http, CALL_ID, header)
    assert answer.status_code == 200
    assert answer.headers["content-language"] == expected
    assert "accept-language" in answer.headers["vary"].lower()
    body = answer.json()
    texts = kb.in_language(expected)
    assert body["step"]["title"] == texts.step(kb.process.steps[0].id).title
    assert re.fullmatch(ENGLISH_DATETIME if expected == "en" else FRENCH_DATETIME, body["opened"]["text"])


def test_the_english_lookup_speaks_english(http: httpx2.Client, kb: KnowledgeBase) -> None:
    english = kb.in_language("en")
    assert english.process.steps[0].title != kb.process.steps[0].title  # else this test proves nothing
    body = _lookup(http, CALL_ID, "en-GB").json()
    assert body["step"]["title"] == english.process.steps[0].title
    assert body["team"]["name"] == english.team(kb.process.steps[0].team).name
    # The help links lead to the English pages.
    missing = _lookup(http, UNKNOWN, "en").json()["error"]
    assert missing["help"]["howto"]["url"] == f"/en/articles/{kb.site.call_id.howto_article}/"
    assert missing["help"]["contact"]["url"] == "/en/communication/#contact"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_lookups_errors_are_in_the_clients_language(http: httpx2.Client, kb: KnowledgeBase, language: str) -> None:
    texts = kb.in_language(language).tracking.result
    missing = _lookup(http, UNKNOWN, language)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert missing.json()["error"]["message"] == texts.not_found
    assert missing.headers["content-language"] == language
    invalid = _lookup(http, "not a call id", language)
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (422, "invalid_call_id")
    assert invalid.json()["error"]["message"].startswith(texts.invalid_call_id.split("{")[0])
    assert invalid.headers["content-language"] == language
    assert "accept-language" in invalid.headers["vary"].lower()


def test_english_and_french_differ_where_they_should(kb: KnowledgeBase) -> None:
    """The texts the tests above compare are translated: else they could not tell the languages apart."""
    french, english = kb.tracking.result, kb.in_language("en").tracking.result
    assert french.not_found != english.not_found
    assert french.invalid_call_id != english.invalid_call_id
    assert french.rate_limited != english.rate_limited


def test_the_answer_cache_never_gives_one_languages_bytes_to_the_other(http: httpx2.Client, kb: KnowledgeBase) -> None:
    english_title = kb.in_language("en").process.steps[0].title
    french_title = kb.process.steps[0].title
    for language in ["fr", "en", "en", "fr", "en", "fr"]:  # each answer cached after its first time
        body = _lookup(http, CALL_ID, language).json()
        assert body["step"]["title"] == (english_title if language == "en" else french_title), language
    for language in ["en", "fr", "en"]:
        page = html.unescape(http.post(f"{'/en' if language == 'en' else ''}/suivi", data={"call_id": CALL_ID}).text)
        assert (english_title if language == "en" else french_title) in page
        assert (french_title if language == "en" else english_title) not in page


def test_the_english_tracker_page_is_the_english_sites(http: httpx2.Client, kb: KnowledgeBase) -> None:
    english = kb.in_language("en")
    page = http.get("/en/suivi")
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    assert '<form class="kb-status-form" method="post" action="/en/suivi#kb-status-result"' in page.text
    text = page_text(page.text)
    assert english.tracking.title in text
    assert english.site.labels.call_id_submit in text
    # The French one is unchanged, and French.
    french = http.get("/suivi")
    assert '<html lang="fr"' in french.text
    assert 'action="/suivi#kb-status-result"' in french.text


def test_the_english_tracker_answers_in_english_without_javascript(http: httpx2.Client, kb: KnowledgeBase) -> None:
    english = kb.in_language("en")
    found = http.post("/en/suivi", data={"call_id": CALL_ID})
    assert found.status_code == 200
    assert '<html lang="en"' in found.text
    text = html.unescape(found.text)
    assert english.process.steps[0].title in text
    assert english.team(kb.process.steps[0].team).name in text
    assert ENGLISH_DATETIME.search(text)
    assert not FRENCH_DATETIME.search(text)
    missing = http.post("/en/suivi", data={"call_id": UNKNOWN})
    assert missing.status_code == 404
    assert english.tracking.result.not_found in html.unescape(missing.text)
    assert f'href="/en/articles/{kb.site.call_id.howto_article}/"' in missing.text
    invalid = http.post("/en/suivi", data={"call_id": "my number"})
    assert invalid.status_code == 422
    assert english.site.call_id.description in html.unescape(invalid.text)
    assert 'value="my number"' in invalid.text


def test_unknown_call_ids_get_one_answer_in_each_language(http: httpx2.Client) -> None:
    """Nothing about which call IDs exist shows differently in English: every unknown ID, one answer."""
    other = "20261124120000000002"
    for door in ["/en/suivi", "/suivi"]:
        pages = {http.post(door, data={"call_id": call_id}).text for call_id in [UNKNOWN, other]}
        assert len(pages) == 2  # each keeps the typed ID in its field, and nothing else differs
        assert len({page.replace(UNKNOWN, "X").replace(other, "X") for page in pages}) == 1
    for language in ["en", "fr"]:
        answers = [_lookup(http, call_id, language) for call_id in [UNKNOWN, other]]
        assert {answer.status_code for answer in answers} == {404}
        assert len({answer.content for answer in answers}) == 1


def test_maintenances_and_current_incidents_follow_accept_language(http: httpx2.Client, kb: KnowledgeBase) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    planned = {
        "title": "Mise à jour du tableau de bord",
        "message": "Le tableau de bord peut être indisponible quelques minutes.",
        "services": ["tableau-de-bord"],
        "starts_at": (now + timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(hours=2, minutes=30)).isoformat(),
    }
    assert http.put("/api/v1/maintenances/MNT-1", json=planned, headers=AUTH).status_code in (200, 201)
    english = kb.in_language("en").incidents.maintenance
    for address in ["/api/v1/maintenances", "/api/v1/incidents/current"]:
        answer = http.get(address, headers={"Accept-Language": "en-GB"})
        assert answer.headers["content-language"] == "en"
        assert "accept-language" in answer.headers["vary"].lower()
        listed: dict[str, Any] = answer.json()
        maintenance = (listed["upcoming"] if "upcoming" in listed else listed["maintenances"])[0]
        assert maintenance["phase"]["title"] == english.phases.scheduled
        assert ENGLISH_DATETIME.fullmatch(maintenance["starts"]["text"])
        assert maintenance["window"].startswith(("On ", "From "))
        french = http.get(address).json()
        maintenance = (french["upcoming"] if "upcoming" in french else french["maintenances"])[0]
        assert maintenance["phase"]["title"] == kb.incidents.maintenance.phases.scheduled
        assert FRENCH_DATETIME.fullmatch(maintenance["starts"]["text"])


def test_negotiation_prefers_the_heaviest_then_the_first_listed() -> None:
    languages = ("fr", "en", "pt-BR")
    assert negotiate("en, fr", languages) == "en"
    assert negotiate("fr, en", languages) == "fr"
    assert negotiate("pt-BR", languages) == "pt-BR"
    assert negotiate("pt-br;q=0.9, en;q=0.8", languages) == "pt-BR"
    assert negotiate("pt", languages) == "fr"  # no language of ours is "pt" itself
    assert negotiate("", languages) == "fr"
    assert negotiate(",;;q=,", languages) == "fr"


# --- a third language, from data alone ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal data in French, English and German (tests/kb_build/languages), as the site's tests use it."""
    data = tmp_path_factory.mktemp("three") / "data"
    shutil.copytree(FIXTURES / "minimal", data)
    shutil.copytree(FIXTURES / "languages", data, dirs_exist_ok=True)
    return data


def test_a_third_language_gets_the_checker_with_no_code(
    request: pytest.FixtureRequest, tmp_path: Path, three_languages: Path
) -> None:
    kb = load(three_languages)
    assert kb.languages == ("fr", "en", "de")
    site = tmp_path / "site"
    built = run_kb("build", "--site-dir", str(site), "--data-dir", str(three_languages))
    assert built.returncode == 0, built.stderr
    inbox = Inbox().start()
    server = served_on(
        "sqlite", request, tmp_path, KB_DATA_DIR=str(three_languages), STATUS_API_TOKEN=TOKEN,
        STATUS_API_SITE_DIR=str(site), STATUS_API_SMTP_URL=inbox.url, STATUS_API_PUBLIC_URL="https://etat.example.test",
    )  # fmt: skip
    try:
        with httpx2.Client(base_url=server.url, timeout=10) as http:
            now = datetime.now(UTC).replace(microsecond=0)
            body = ticket_body(kb, opened_at=(now - timedelta(hours=1)).isoformat(), call_ids=["123456"])
            put = http.put("/api/v1/tickets/RGV-1", json=body, headers=AUTH)
            assert put.status_code in (200, 201), put.text
            german = _lookup(http, "123456", "de-AT, en;q=0.5")
            assert german.headers["content-language"] == "de"
            assert german.json()["step"]["title"] == "Eröffnung"
            # The day and month names of German, from the locale's data.
            assert re.search(
                r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), ", german.json()["opened"]["text"]
            )
            page = http.get("/de/suivi")
            assert page.status_code == 200
            assert '<html lang="de"' in page.text
            assert 'action="/de/suivi#kb-status-result"' in page.text
            answer = http.post("/de/suivi", data={"call_id": "123456"})
            assert answer.status_code == 200
            assert "Eröffnung" in html.unescape(answer.text)
            _german_status_page(http, inbox)
    finally:
        server.stop()
        inbox.stop()


def _german_status_page(http: httpx2.Client, inbox: Inbox) -> None:
    """« État du service » in German, with no code: its page in the German site, its feed, summary.json by
    Accept-Language, and a subscription made there, e-mailed with links to the German pages."""
    page = http.get("/de/etat-du-service")
    assert page.status_code == 200 and page.headers["content-language"] == "de"
    assert '<html lang="de"' in page.text
    assert 'href="/de/etat-du-service/flux.atom"' in page.text
    assert 'action="/de/etat-du-service/abonnement"' in page.text
    feed = http.get("/de/etat-du-service/flux.atom")
    assert feed.status_code == 200 and 'xml:lang="de"' in feed.text
    summary = http.get("/api/v2/summary.json", headers={"Accept-Language": "de"})
    assert summary.headers["content-language"] == "de"
    assert summary.json()["page"]["url"].endswith("/de/etat-du-service")
    sent = http.post("/de/etat-du-service/abonnement", data={"address": "kunde@example.com"})
    assert sent.status_code == 200 and '<html lang="de"' in sent.text
    (confirmation,) = inbox.wait(lambda: inbox.to("kunde@example.com"))
    assert '<html lang="de">' in html_of(confirmation)
    assert "https://etat.example.test/de/etat-du-service/abonnement/confirmer?jeton=" in text_of(confirmation)
