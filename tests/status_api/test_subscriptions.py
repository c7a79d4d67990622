"""E-mail subscriptions against `status-api serve` for real and a real SMTP server (aiosmtpd on a free port):
subscribe, receive, follow the link, confirm, receive an incident update, unsubscribe in one click, receive
nothing more; the same answer whoever the address is; a mail server that refuses, then accepts; two
instances and one e-mail per subscriber; an expired link; the rate limits; bad settings at start."""

from __future__ import annotations

import html
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx2
import pytest

from kb_build import load
from kb_build.paths import SERVICE
from tests.status_api.helpers import AUTH, DATA, TOKEN, Server, opened, run_cli, serve, served_on
from tests.status_api.mail_server import Inbox, html_of, text_of

PUBLIC = "https://etat.example.test"
_LINK = re.compile(re.escape(PUBLIC) + r"\S+")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    running = Inbox().start()
    yield running
    running.stop()


def mail_env(inbox: Inbox) -> dict[str, str]:
    return {"STATUS_API_SMTP_URL": inbox.url, "STATUS_API_PUBLIC_URL": PUBLIC, "STATUS_API_TOKEN": TOKEN}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Server]:
    running = served_on(request.param, request, tmp_path_factory.mktemp("mail"), **mail_env(inbox))
    yield running
    running.stop()


def address() -> str:
    return f"client-{uuid.uuid4().hex[:10]}@example.com"


def subscribe(server: Server, to: str, *services: str) -> httpx2.Response:
    fields: dict[str, str | list[str]] = {"address": to, "service": list(services)}
    return httpx2.post(f"{server.url}{SERVICE.subscribe}", data=fields, timeout=10)


def links(text: str) -> list[str]:
    return _LINK.findall(text)


def local(server: Server, link: str) -> str:
    """A link of an e-mail (to the public address), sent to the server under test."""
    parts = urlsplit(link)
    return f"{server.url}{parts.path}?{parts.query}"


def confirmed(server: Server, inbox: Inbox, to: str, *services: str) -> None:
    assert subscribe(server, to, *services).status_code == 200
    (message,) = inbox.wait(lambda: inbox.to(to))
    confirm = links(text_of(message))[0]
    token = urlsplit(confirm).query.removeprefix("jeton=")
    answer = httpx2.post(local(server, confirm), data={"jeton": token}, timeout=10)
    assert answer.status_code == 200, answer.text


def recipients(server: Server) -> list[str]:
    store = opened(server.database)
    try:
        return [recipient.address for recipient in store.recipients()]
    finally:
        store.close()


_incidents = iter(range(1000, 10_000))


def incident(server: Server, *services: str) -> str:
    reference = f"INC-M{next(_incidents)}"
    body = {
        "title": "Appels sortants coupés",
        "services": list(services),
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }
    assert httpx2.put(f"{server.url}/api/v1/incidents/{reference}", json=body, headers=AUTH, timeout=10).is_success
    return reference


def post_update(server: Server, reference: str, text: str) -> None:
    response = httpx2.post(
        f"{server.url}/api/v1/incidents/{reference}/updates", json={"text": text}, headers=AUTH, timeout=10
    )
    assert response.status_code == 201, response.text


def test_subscribe_confirm_receive_unsubscribe(server: Server, inbox: Inbox) -> None:
    alice, bob = address(), address()
    page = httpx2.get(f"{server.url}{SERVICE.status_page}", timeout=10).text
    assert f'action="{SERVICE.subscribe}"' in page and 'name="service" value="appels-sortants"' in page

    answer = subscribe(server, alice, "appels-sortants")
    assert answer.status_code == 200 and "Vérifiez votre boîte de réception" in answer.text
    (confirmation,) = inbox.wait(lambda: inbox.to(alice))
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm, _ = links(text_of(confirmation))
    assert urlsplit(confirm).path == SERVICE.subscription_confirm
    assert f'href="{confirm}"' in html_of(confirmation).replace("&amp;", "&")

    # Opening the link (as a mail scanner does) shows a button and confirms nothing.
    shown = httpx2.get(local(server, confirm), timeout=10)
    assert shown.status_code == 200 and "Confirmer mon abonnement</button>" in shown.text
    assert 'method="post"' in shown.text
    assert alice not in recipients(server)
    token = urlsplit(confirm).query.removeprefix("jeton=")
    pressed = httpx2.post(local(server, confirm), data={"jeton": token}, timeout=10)
    assert pressed.status_code == 200 and "Abonnement confirmé" in pressed.text
    assert alice in recipients(server)
    confirmed(server, inbox, bob)  # every service

    reference = incident(server, "appels-sortants")
    # Its opening is told first...
    opening = inbox.wait(lambda: [m for m in inbox.to(alice) if "Appels sortants coupés" in m["Subject"]])[0]
    assert "En cours d'analyse" in opening["Subject"]
    post_update(server, reference, "Nous avons identifié la cause & préparons un correctif.")
    # ...then each update.
    update = inbox.wait(lambda: [m for m in inbox.to(alice) if "correctif" in text_of(m)])[0]
    assert "Appels sortants coupés" in update["Subject"]
    header = update["List-Unsubscribe"]
    assert header.startswith(f"<{PUBLIC}{SERVICE.unsubscribe}?cle=") and header.endswith(">")
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in text_of(update)
    html = html_of(update)
    assert "&amp; préparons" in html and "<img" not in html  # escaped; no tracking pixel
    inbox.wait(lambda: [m for m in inbox.to(bob) if "correctif" in text_of(m)])

    # The mail client's one-click unsubscribe (RFC 8058): a POST to the header's address.
    one_click = httpx2.post(
        local(server, header[1:-1]),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert one_click.status_code == 200 and "Vous êtes désabonné" in one_click.text
    assert alice not in recipients(server)

    received = len(inbox.to(alice))
    post_update(server, reference, "Le correctif est déployé, le service se rétablit.")
    inbox.wait(lambda: [m for m in inbox.to(bob) if "se rétablit" in text_of(m)])
    time.sleep(0.5)
    assert len(inbox.to(alice)) == received


def test_the_access_log_keeps_no_secret_of_the_links(server: Server, inbox: Inbox) -> None:
    to = address()
    assert subscribe(server, to, "sms").status_code == 200
    (message,) = inbox.wait(lambda: inbox.to(to))
    confirm, unsubscribe = links(text_of(message))
    for link in (confirm, unsubscribe):
        assert httpx2.get(local(server, link), timeout=10).status_code == 200
    token = urlsplit(confirm).query.removeprefix("jeton=")
    key = urlsplit(unsubscribe).query.removeprefix("cle=")
    log = server.log.read_text(encoding="utf-8", errors="replace")
    # Both requests are in the access log, without the query that would let a log reader use them.
    assert f'"GET {SERVICE.subscription_confirm}?… HTTP/1.1" 200' in log
    assert f'"GET {SERVICE.unsubscribe}?… HTTP/1.1" 200' in log
    assert token not in log and key not in log


def test_a_planned_maintenance_is_told_to_the_subscribers_of_its_services(server: Server, inbox: Inbox) -> None:
    sms, calls = address(), address()
    confirmed(server, inbox, sms, "sms")
    confirmed(server, inbox, calls, "appels-entrants")
    reference = f"MNT-{next(_incidents)}"
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=20, minute=0, second=0, microsecond=0)
    body = {
        "title": "Mise à niveau <SMS>",
        "message": "Les SMS peuvent partir avec retard pendant le créneau.",
        "services": ["sms"],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }
    put = httpx2.put(f"{server.url}/api/v1/maintenances/{reference}", json=body, headers=AUTH, timeout=10)
    assert put.status_code == 201, put.text
    (announced,) = inbox.wait(lambda: [m for m in inbox.to(sms) if "Mise à niveau" in m["Subject"]])
    assert announced["Subject"] == "Mise à niveau <SMS>\u00a0: Planifiée"
    text = text_of(announced)
    assert "maintenance planifiée «\u00a0Mise à niveau <SMS>\u00a0»" in text and "partir avec retard" in text
    paris = start.astimezone(ZoneInfo("Europe/Paris"))  # the site's time zone
    assert "Créneau\u00a0: Le " in text and f"de {paris.hour}\u00a0h\u00a000 à {paris.hour + 1}\u00a0h\u00a000" in text
    assert "Mise à niveau &lt;SMS&gt;" in html_of(announced)
    assert announced["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"#maintenance-{reference}" in text

    cancel = httpx2.post(
        f"{server.url}/api/v1/maintenances/{reference}/updates",
        json={"cancelled": True, "text": "Reportée à une date ultérieure."},
        headers=AUTH,
        timeout=10,
    )
    assert cancel.status_code == 201, cancel.text
    (cancelled,) = inbox.wait(lambda: [m for m in inbox.to(sms) if "Reportée" in text_of(m)])
    assert cancelled["Subject"] == "Mise à niveau <SMS>\u00a0: Annulée"
    time.sleep(0.5)
    assert not [m for m in inbox.to(calls) if "Mise à niveau" in m["Subject"]]  # not one of its services


def test_the_unsubscribe_link_shows_a_button_and_only_its_post_unsubscribes(server: Server, inbox: Inbox) -> None:
    carol = address()
    confirmed(server, inbox, carol)
    (confirmation,) = inbox.to(carol)
    unsubscribe = links(text_of(confirmation))[-1]
    shown = httpx2.get(local(server, unsubscribe), timeout=10)
    assert shown.status_code == 200 and "Me désabonner</button>" in shown.text
    assert carol in recipients(server)
    assert httpx2.post(local(server, unsubscribe), timeout=10).status_code == 200
    assert carol not in recipients(server)


def test_the_answer_is_the_same_for_a_new_a_pending_and_a_confirmed_address(server: Server, inbox: Inbox) -> None:
    known = address()
    confirmed(server, inbox, known)
    fresh = address()
    new = subscribe(server, fresh)
    pending = subscribe(server, fresh)
    already = subscribe(server, known.upper())  # the same inbox, however it is typed
    assert new.status_code == pending.status_code == already.status_code == 200
    assert new.text == pending.text == already.text
    # Each asked for a confirmation: a confirmed address gets one too (to change its services).
    inbox.wait(lambda: len(inbox.to(fresh)) == 2)
    inbox.wait(lambda: len(inbox.to(known)) == 2)


def test_a_wrong_address_or_service_is_told(server: Server) -> None:
    wrong = subscribe(server, "pas-une-adresse<b>")
    assert wrong.status_code == 422 and "ne semble pas complète" in wrong.text
    # The form again, with what was typed (escaped), to fix rather than retype.
    assert 'value="pas-une-adresse&lt;b&gt;"' in wrong.text
    unknown = subscribe(server, address(), "fax")
    assert unknown.status_code == 422 and "existe pas" in unknown.text


def test_an_unreadable_form_is_told_in_the_page_s_language(server: Server) -> None:
    # Not UTF-8, or past the form's limit: the site's wording in the address's language, not the API's message.
    kb = load(DATA)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for body, status in ((b"address=%ff%fe", 400), (b"address=" + b"a" * 5000, 413)):
        for language, path in (("fr", SERVICE.subscribe), ("en", "/en" + SERVICE.subscribe)):
            answer = httpx2.post(f"{server.url}{path}", content=body, headers=form, timeout=10)
            assert answer.status_code == status and f'<html lang="{language}"' in answer.text
            assert kb.in_language(language).site.unreadable_form in html.unescape(answer.text)


def test_a_mail_server_that_refuses_then_accepts(server: Server, inbox: Inbox) -> None:
    dave = address()
    inbox.refuse, before = 2, inbox.refused
    assert subscribe(server, dave).status_code == 200
    inbox.wait(lambda: inbox.to(dave), timeout=30)
    assert inbox.refused == before + 2
    assert len(inbox.to(dave)) == 1
    assert "next attempt in" in server.log.read_text(encoding="utf-8")


def test_a_refused_address_is_given_up_without_being_logged(server: Server, inbox: Inbox) -> None:
    refused = f"unknown-{uuid.uuid4().hex[:10]}@example.com"
    assert subscribe(server, refused).status_code == 200
    deadline = time.monotonic() + 20
    while "given up" not in server.log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log.read_text(encoding="utf-8")
    # The mail server's refusal quotes the address: the log keeps only its code.
    assert "recipient refused (550)" in log and refused not in log


def test_an_expired_confirmation_link(tmp_path: Path, inbox: Inbox, request: pytest.FixtureRequest) -> None:
    running = served_on("sqlite", request, tmp_path, **mail_env(inbox))
    try:
        erin = address()
        subscribe(running, erin)
        (message,) = inbox.wait(lambda: inbox.to(erin))
        confirm = links(text_of(message))[0]
        with sqlite3.connect(running.database) as conn:
            conn.execute("UPDATE subscribers SET token_expires = ?", (time.time() - 1,))
        shown = httpx2.get(local(running, confirm), timeout=10)
        assert shown.status_code == 410 and "plus valable" in shown.text and "<button" not in shown.text
        token = urlsplit(confirm).query.removeprefix("jeton=")
        pressed = httpx2.post(local(running, confirm), data={"jeton": token}, timeout=10)
        assert pressed.status_code == 410
        assert erin not in recipients(running)
    finally:
        running.stop()


def test_two_instances_send_one_mail_per_subscriber(
    tmp_path: Path, inbox: Inbox, request: pytest.FixtureRequest
) -> None:
    database = request.getfixturevalue("pg_cluster").new_database()
    env = {"PATH": "/usr/bin:/bin", "STATUS_API_DB": database, "KB_DATA_DIR": str(DATA)}
    env |= {"STATUS_API_RATE_LIMIT": "off", **mail_env(inbox)}
    first = serve(env, tmp_path / "first.log")
    second = serve(env, tmp_path / "second.log")
    try:
        people = [address() for _ in range(4)]
        for index, person in enumerate(people):
            confirmed(first if index % 2 else second, inbox, person)
        reference = incident(first, "sms")
        post_update(first, reference, "Les SMS partent de nouveau, avec du retard.")
        post_update(second, reference, "Les SMS partent normalement.")
        for person in people:
            inbox.wait(lambda person=person: len(inbox.to(person)) == 4)
        time.sleep(2)  # both senders had every chance to send twice
        for person in people:
            texts = [text_of(message) for message in inbox.to(person)]
            # The confirmation, the incident's opening and its two updates: each once.
            assert len(texts) == 4
            assert sum("Confirmez" in message["Subject"] for message in inbox.to(person)) == 1
            assert sum("avec du retard" in text for text in texts) == 1
            assert sum("partent normalement" in text for text in texts) == 1
    finally:
        first.stop()
        second.stop()


def test_rate_limits_per_client_and_per_address(tmp_path: Path, inbox: Inbox) -> None:
    env = {"PATH": "/usr/bin:/bin", "STATUS_API_DB": str(tmp_path / "db.sqlite3"), "KB_DATA_DIR": str(DATA)}
    running = serve({**env, **mail_env(inbox)}, tmp_path / "server.log")
    try:
        frank = address()
        answers = [subscribe(running, frank) for _ in range(4)]
        # The same answer each time; the address's budget (3) lets no fourth e-mail leave.
        assert [a.status_code for a in answers] == [200] * 4 and len({a.text for a in answers}) == 1
        inbox.wait(lambda: len(inbox.to(frank)) == 3)
        time.sleep(1.5)
        assert len(inbox.to(frank)) == 3
        # The client's budget (5 at once) is spent by its fifth request: the sixth waits.
        assert subscribe(running, address()).status_code == 200
        refused = subscribe(running, address())
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert "Patientez" in refused.text
    finally:
        running.stop()


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"STATUS_API_SMTP_URL": "http://smtp.example.com"}, "smtp:// ou smtps://"),
        ({"STATUS_API_SMTP_URL": "smtp://smtp.example.com:99999"}, "port entre 1 et 65535"),
        ({"STATUS_API_SMTP_URL": "smtp://smtp.example.com"}, "demande STATUS_API_PUBLIC_URL"),
        ({"STATUS_API_MAIL_FROM": "personne"}, "n'est pas une adresse e-mail"),
    ],
)
def test_bad_mail_settings_stop_the_start(tmp_path: Path, env: dict[str, str], said: str) -> None:
    started = run_cli("serve", "--port", "0", env={"STATUS_API_DB": str(tmp_path / "db.sqlite3"), **env})
    assert started.returncode == 1
    assert said in started.stderr
    assert "Traceback" not in started.stderr


def test_without_a_mail_server_the_form_is_not_offered(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    running = served_on("sqlite", request, tmp_path)
    try:
        page = httpx2.get(f"{running.url}{SERVICE.status_page}", timeout=10).text
        assert SERVICE.subscribe not in page
        assert httpx2.post(f"{running.url}{SERVICE.subscribe}", data={"address": address()}).status_code == 404
    finally:
        running.stop()
