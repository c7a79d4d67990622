"""« État du service » in each language, `status-api serve` started for real on both backends and called over
HTTP, its e-mails through a real SMTP server (aiosmtpd): the English status page at /en/etat-du-service framed
in the English site, its feed, summary.json by Accept-Language, and a subscription made in English whose
e-mails, confirmation and unsubscribe pages are in English while a French subscriber's stay French."""

from __future__ import annotations

import email
import email.policy
import html
import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx2
import pytest

from kb_build import load
from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.mail.compose import Composer
from tests.conftest import page_text
from tests.status_api.helpers import AUTH, DATA, TOKEN, Server, opened, served_on
from tests.status_api.mail_server import Inbox, html_of, text_of

PUBLIC = "https://etat.example.test"
ENGLISH = SERVICE.in_language("en/")
ATOM = "{http://www.w3.org/2005/Atom}"
_LINK = re.compile(re.escape(PUBLIC) + r"\S+")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load(DATA)


@pytest.fixture(scope="module")
def en(kb: KnowledgeBase) -> KnowledgeBase:
    english = kb.in_language("en")
    # Else the tests below could not tell the languages apart.
    assert english.incidents.title != kb.incidents.title
    assert english.subscriptions.texts.sent_title != kb.subscriptions.texts.sent_title
    assert english.incidents.states[0].title != kb.incidents.states[0].title
    return english


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    running = Inbox().start()
    yield running
    running.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, inbox: Inbox, built_site: Path
) -> Iterator[Server]:
    env = {
        "STATUS_API_SMTP_URL": inbox.url,
        "STATUS_API_PUBLIC_URL": PUBLIC,
        "STATUS_API_TOKEN": TOKEN,
        "STATUS_API_SITE_DIR": str(built_site),
    }
    running = served_on(request.param, request, tmp_path_factory.mktemp("status-languages"), **env)
    yield running
    running.stop()


_references = iter(range(100, 10_000))


def incident(server: Server, *services: str) -> str:
    reference = f"INC-L{next(_references)}"
    body = {
        "title": "Appels sortants coupés",
        "services": list(services),
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }
    answer = httpx2.put(f"{server.url}/api/v1/incidents/{reference}", json=body, headers=AUTH, timeout=10)
    assert answer.is_success, answer.text
    return reference


def address() -> str:
    return f"client-{uuid.uuid4().hex[:10]}@example.com"


def links(text: str) -> list[str]:
    return _LINK.findall(text)


def local(server: Server, link: str) -> str:
    parts = urlsplit(link)
    return f"{server.url}{parts.path}?{parts.query}"


def subscribe(server: Server, door: str, to: str, *services: str) -> httpx2.Response:
    fields: dict[str, str | list[str]] = {"address": to, "service": list(services)}
    return httpx2.post(f"{server.url}{door}", data=fields, timeout=10)


def confirm(server: Server, message_text: str) -> httpx2.Response:
    link = links(message_text)[0]
    token = urlsplit(link).query.removeprefix("jeton=")
    return httpx2.post(local(server, link), data={"jeton": token}, timeout=10)


def languages(server: Server) -> dict[str, str | None]:
    store = opened(server.database)
    try:
        return {recipient.address: recipient.language for recipient in store.recipients()}
    finally:
        store.close()


# --- the page, its feed and the JSON -------------------------------------------------------------------------


def test_the_english_status_page_is_the_english_sites(server: Server, kb: KnowledgeBase, en: KnowledgeBase) -> None:
    for path in [ENGLISH.status_page, ENGLISH.status_page + "/"]:
        page = httpx2.get(server.url + path, timeout=10)
        assert page.status_code == 200
        assert page.headers["content-language"] == "en"
        assert '<html lang="en"' in page.text
        text = page_text(page.text)
        assert en.incidents.texts.services_title in text
        assert en.incidents.services[0].name in text
        assert kb.incidents.texts.services_title not in text
        # The English site's header leads here, its tools section to the English feed, and the form posts to the
        # English subscription address.
        assert f'href="{ENGLISH.status_page}"' in page.text
        assert f'href="{ENGLISH.feed}"' in page.text
        assert f'action="{ENGLISH.subscribe}"' in page.text
        assert en.subscriptions.texts.address_label in html.unescape(page.text)
        # English puts no space before a colon (its tools section: « Atom feed: … »).
        assert "\u00a0:" not in html.unescape(page.text) and f"{en.incidents.texts.feed_link}</a>: " in page.text
    # The French page is unchanged.
    french = httpx2.get(server.url + SERVICE.status_page, timeout=10)
    assert french.headers["content-language"] == "fr"
    assert '<html lang="fr"' in french.text
    assert f'action="{SERVICE.subscribe}"' in french.text and f'href="{SERVICE.feed}"' in french.text
    assert kb.incidents.texts.services_title in page_text(french.text)
    assert en.incidents.texts.services_title not in page_text(french.text)
    assert f"{kb.incidents.texts.feed_link}</a>\u00a0: " in french.text


def test_every_english_page_links_the_english_status_page(server: Server, en: KnowledgeBase) -> None:
    home = httpx2.get(f"{server.url}/en/", timeout=10).text
    assert f'href="{ENGLISH.status_page}"' in home
    # The banner's words and its link are English too (docs/assets/javascripts/incidents.js fills them).
    assert f'data-status-url="{ENGLISH.status_page}"' in home
    assert f'data-label="{html.escape(en.incidents.texts.banner_label)}"' in home


def test_the_english_feed(server: Server, kb: KnowledgeBase, en: KnowledgeBase) -> None:
    reference = incident(server, "appels-sortants")
    feed = httpx2.get(server.url + ENGLISH.feed, timeout=10)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.findtext(f"{ATOM}id") == f"tag:{kb.incidents.feed_id}:en/etat-du-service"
    assert root.findtext(f"{ATOM}title") == en.incidents.texts.feed_title.replace("{brand}", kb.site.brand)
    hrefs = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert hrefs == {"self": PUBLIC + ENGLISH.feed, "alternate": PUBLIC + ENGLISH.status_page}
    [entry] = [e for e in root.findall(f"{ATOM}entry") if reference in (e.findtext(f"{ATOM}id") or "")]
    assert en.incidents.states[0].title in (entry.findtext(f"{ATOM}title") or "")
    assert entry.find(f"{ATOM}link").get("href") == f"{PUBLIC}{ENGLISH.status_page}#incident-{reference}"  # type: ignore[union-attr]
    assert f"{en.incidents.texts.services}: {en.service('appels-sortants').name}" in (
        entry.findtext(f"{ATOM}content") or ""
    )
    # The French feed keeps its ids and its words.
    french = ElementTree.fromstring(httpx2.get(server.url + SERVICE.feed, timeout=10).content)
    assert french.findtext(f"{ATOM}id") == f"tag:{kb.incidents.feed_id}:etat-du-service"
    [entry] = [e for e in french.findall(f"{ATOM}entry") if reference in (e.findtext(f"{ATOM}id") or "")]
    assert (entry.findtext(f"{ATOM}id") or "").startswith(f"tag:{kb.incidents.feed_id}:etat-du-service/{reference}/")
    assert kb.incidents.states[0].title in (entry.findtext(f"{ATOM}title") or "")


def test_summary_json_follows_accept_language(server: Server, kb: KnowledgeBase, en: KnowledgeBase) -> None:
    reference = incident(server, "sms")
    english = httpx2.get(server.url + SERVICE.statuspage_summary, headers={"Accept-Language": "en-GB"}, timeout=10)
    assert english.headers["content-language"] == "en"
    assert "accept-language" in english.headers["vary"].lower()
    body = english.json()
    assert body["page"]["url"] == PUBLIC + ENGLISH.status_page
    assert body["page"]["name"] == f"{kb.site.brand}: {en.incidents.title}"
    assert [c["name"] for c in body["components"]] == [s.name for s in en.incidents.services]
    [shown] = [i for i in body["incidents"] if i["id"] == reference]
    assert shown["shortlink"] == f"{PUBLIC}{ENGLISH.status_page}#incident-{reference}"
    # Statuspage's own words stay Statuspage's.
    assert {c["id"]: c["status"] for c in body["components"]}["sms"] != ""
    french = httpx2.get(server.url + SERVICE.statuspage_summary, timeout=10)
    assert french.headers["content-language"] == "fr"
    assert french.json()["page"]["url"] == PUBLIC + SERVICE.status_page
    assert [c["name"] for c in french.json()["components"]] == [s.name for s in kb.incidents.services]


def test_the_banners_json_in_english_links_the_english_page(server: Server) -> None:
    reference = incident(server, "sms")
    body = httpx2.get(server.url + SERVICE.incidents_current, headers={"Accept-Language": "en"}, timeout=10).json()
    assert (body["status_page"], body["feed"]) == (ENGLISH.status_page, ENGLISH.feed)
    [shown] = [i for i in body["incidents"] if i["reference"] == reference]
    assert shown["url"] == f"{ENGLISH.status_page}#incident-{reference}"
    french = httpx2.get(server.url + SERVICE.incidents_current, timeout=10).json()
    [shown] = [i for i in french["incidents"] if i["reference"] == reference]
    assert shown["url"] == f"{SERVICE.status_page}#incident-{reference}"


# --- subscriptions and e-mails in the subscriber's language --------------------------------------------------


def test_a_subscription_made_in_english_gets_english_e_mails_and_pages(
    server: Server, inbox: Inbox, kb: KnowledgeBase, en: KnowledgeBase
) -> None:
    t, french_texts = en.subscriptions.texts, kb.subscriptions.texts
    alice, bruno = address(), address()
    answer = subscribe(server, ENGLISH.subscribe, alice, "appels-sortants")
    assert answer.status_code == 200 and '<html lang="en"' in answer.text
    assert t.sent_title in html.unescape(answer.text)
    (confirmation,) = inbox.wait(lambda: inbox.to(alice))
    assert confirmation["Subject"] == t.confirm_subject.replace("{brand}", kb.site.brand)
    assert '<html lang="en">' in html_of(confirmation)
    confirm_link, unsubscribe_link = links(text_of(confirmation))
    assert urlsplit(confirm_link).path == ENGLISH.subscription_confirm
    assert urlsplit(unsubscribe_link).path == ENGLISH.unsubscribe
    assert f"{t.unsubscribe_link}: {unsubscribe_link}" in text_of(confirmation)
    # The link's page and its button are English.
    shown = httpx2.get(local(server, confirm_link), timeout=10)
    assert shown.status_code == 200 and f"{t.confirm_button}</button>" in shown.text
    assert f'action="{ENGLISH.subscription_confirm}"' in shown.text
    pressed = confirm(server, text_of(confirmation))
    assert pressed.status_code == 200 and t.confirmed_title in html.unescape(pressed.text)

    assert subscribe(server, SERVICE.subscribe, bruno, "appels-sortants").status_code == 200
    (french_confirmation,) = inbox.wait(lambda: inbox.to(bruno))
    assert urlsplit(links(text_of(french_confirmation))[0]).path == SERVICE.subscription_confirm
    assert confirm(server, text_of(french_confirmation)).status_code == 200
    assert {alice: "en", bruno: "fr"}.items() <= languages(server).items()

    reference = incident(server, "appels-sortants")
    english_state, french_state = en.incidents.states[0].title, kb.incidents.states[0].title
    update = inbox.wait(lambda: [m for m in inbox.to(alice) if english_state in m["Subject"]])[0]
    assert update["Subject"] == t.update_subject.replace("{title}", "Appels sortants coupés").replace(
        "{state}", english_state
    )
    body = text_of(update)
    assert en.service("appels-sortants").name in body
    assert f"{PUBLIC}{ENGLISH.status_page}#incident-{reference}" in links(body)
    assert update["List-Unsubscribe"].startswith(f"<{PUBLIC}{ENGLISH.unsubscribe}?cle=")
    french_update = inbox.wait(lambda: [m for m in inbox.to(bruno) if french_state in m["Subject"]])[0]
    assert f"{PUBLIC}{SERVICE.status_page}#incident-{reference}" in links(text_of(french_update))
    assert kb.service("appels-sortants").name in text_of(french_update)
    assert '<html lang="fr">' in html_of(french_update)

    # Unsubscribing: the English page, then the English answer.
    link = update["List-Unsubscribe"][1:-1]
    page = httpx2.get(local(server, link), timeout=10)
    assert page.status_code == 200 and f"{t.unsubscribe_button}</button>" in page.text
    assert french_texts.unsubscribe_button not in page.text
    gone = httpx2.post(local(server, link), timeout=10)
    assert gone.status_code == 200 and t.unsubscribed_title in html.unescape(gone.text)
    assert alice not in languages(server)


def test_a_maintenance_is_told_in_the_subscribers_language(
    server: Server, inbox: Inbox, kb: KnowledgeBase, en: KnowledgeBase
) -> None:
    alice = address()
    assert subscribe(server, ENGLISH.subscribe, alice, "tableau-de-bord").status_code == 200
    (confirmation,) = inbox.wait(lambda: inbox.to(alice))
    assert confirm(server, text_of(confirmation)).status_code == 200
    now = datetime.now(UTC).replace(microsecond=0)
    reference = f"MNT-L{next(_references)}"
    planned = {
        "title": "Mise à jour du tableau de bord",
        "message": "Quelques minutes d'indisponibilité.",
        "services": ["tableau-de-bord"],
        "starts_at": (now + timedelta(days=2)).isoformat(),
        "ends_at": (now + timedelta(days=2, hours=1)).isoformat(),
    }
    answer = httpx2.put(f"{server.url}/api/v1/maintenances/{reference}", json=planned, headers=AUTH, timeout=10)
    assert answer.is_success, answer.text
    scheduled = en.incidents.maintenance.phases.scheduled
    told = inbox.wait(lambda: [m for m in inbox.to(alice) if scheduled in m["Subject"]])[0]
    body = text_of(told)
    assert en.service("tableau-de-bord").name in body
    # The window written the English way ("On Friday 4 December 2026, from 9:00 am to 10:00 am").
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) [0-9]{1,2}\u00a0[A-Z]", body)
    assert f"{PUBLIC}{ENGLISH.status_page}#maintenance-{reference}" in links(body)


def test_the_language_changes_only_once_the_address_confirms(server: Server, inbox: Inbox) -> None:
    """Whoever types someone's address on the English page changes nothing of theirs: the language, like the
    services, is taken when the link e-mailed to that address is followed."""
    bruno = address()
    assert subscribe(server, SERVICE.subscribe, bruno).status_code == 200
    (first,) = inbox.wait(lambda: inbox.to(bruno))
    assert confirm(server, text_of(first)).status_code == 200
    assert languages(server)[bruno] == "fr"
    assert subscribe(server, ENGLISH.subscribe, bruno).status_code == 200
    second = inbox.wait(lambda: inbox.to(bruno)[1:])[0]
    assert languages(server)[bruno] == "fr"
    assert confirm(server, text_of(second)).status_code == 200
    assert languages(server)[bruno] == "en"


def test_a_cross_site_english_subscription_is_refused_in_english(server: Server, en: KnowledgeBase) -> None:
    answer = httpx2.post(
        server.url + ENGLISH.subscribe,
        data={"address": address()},
        headers={"Origin": "https://attacker.example"},
        timeout=10,
    )
    assert answer.status_code == 403
    assert en.subscriptions.texts.cross_site in html.unescape(answer.text)


# --- subscribers from before languages -----------------------------------------------------------------------


def _before_languages(migrations: tuple[tuple[str, ...], ...]) -> int:
    """How many migrations a database had before subscribers had a language."""
    return next(n for n, statements in enumerate(migrations) if any("pending_language" in s for s in statements))


def test_a_sqlite_subscriber_from_before_languages_reads_french(tmp_path: Path, kb: KnowledgeBase) -> None:
    from status_api.storage.sqlite import SQLiteStore
    from status_api.storage.sqlite.schema import MIGRATIONS

    path = tmp_path / "status.sqlite3"
    before = _before_languages(MIGRATIONS)
    with sqlite3.connect(path) as conn:
        for statements in MIGRATIONS[:before]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {before:d}")
        conn.execute("INSERT INTO subscribers (address, services, confirmed_at) VALUES ('a@example.com', '[]', 1)")
    store = SQLiteStore(path)
    try:
        [recipient] = store.recipients()
    finally:
        store.close()
    assert recipient.language is None
    composer = Composer(kb, PUBLIC, "etat@example.test").in_language(recipient.language)
    mail = composer.update(recipient.address, {"title": "T", "state": "S", "path": SERVICE.status_page}, "key")
    message = email.message_from_string(mail["message"], policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert '<html lang="fr">' in html_of(message)
    assert f"{kb.subscriptions.texts.unsubscribe_link}\u00a0: {PUBLIC}{SERVICE.unsubscribe}?cle=key" in text_of(message)


def test_a_postgres_subscriber_from_before_languages_reads_french(pg_url: str) -> None:
    import psycopg

    from status_api.storage.postgres import PostgresStore
    from status_api.storage.postgres.schema import MIGRATIONS

    before = _before_languages(MIGRATIONS)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statements in MIGRATIONS[:before]:
            for statement in statements:
                conn.execute(statement.encode())
        conn.execute(b"CREATE TABLE schema_version (version integer NOT NULL)")
        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (before,))
        conn.execute(b"INSERT INTO subscribers (address, services, confirmed_at) VALUES ('a@example.com', '[]', 1)")
    store = PostgresStore(pg_url, listen=False)
    try:
        [recipient] = store.recipients()
    finally:
        store.close()
    assert recipient.address == "a@example.com" and recipient.language is None
