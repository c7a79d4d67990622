"""Every page, answer and feed the service makes, spaced the French way, with the demo's tickets and incidents,
served for real: the help center's frame, the service's own plain pages, the feed and the JSON a page shows."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx2
import yaml

from kb_build.paths import SERVICE
from tests.conftest import page_text
from tests.french import NBSP, NNBSP, _ReadText, page_mistakes, spacing_mistakes
from tests.status_api.helpers import AUTH, DEMO, TOKEN, Server, run_cli
from tests.status_api.mail_server import Inbox, html_of, text_of

CALL_IDS = [t["call_ids"][0] for t in yaml.safe_load(DEMO.read_text(encoding="utf-8"))["tickets"]]
ENTRIES = ["20261124120000000999", "abc", "", "RGV-2026-0101"]
ELSEWHERE = {"Origin": "https://ailleurs.example"}
PUBLIC = "https://etat.example.test"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _pages(http: httpx2.Client) -> dict[str, str]:
    pages = {"GET /suivi": http.get("/suivi").text}
    for entry in [*CALL_IDS, *ENTRIES]:
        pages[f"POST /suivi {entry!r}"] = http.post("/suivi", data={"call_id": entry}).text
    pages["GET /etat-du-service"] = http.get("/etat-du-service").text
    pages["GET /nulle-part"] = http.get("/nulle-part").text
    pages["POST /suivi from elsewhere"] = http.post(
        "/suivi", data={"call_id": CALL_IDS[0]}, headers={"Origin": "https://ailleurs.example"}
    ).text
    # "Cet article vous a-t-il été utile ?": the thanks, the comment form and every refusal of a vote.
    for vote in ("oui", "non", "peut-être"):
        pages[f"POST /avis {vote}"] = http.post("/avis", data={"page": "/delais/", "vote": vote}).text
    pages["POST /avis unknown page"] = http.post("/avis", data={"page": "/nulle-part/", "vote": "oui"}).text
    pages["POST /avis comment"] = http.post("/avis", data={"comment_key": "inconnue", "comment": "x"}).text
    pages["POST /avis empty comment"] = http.post("/avis", data={"comment_key": "inconnue", "comment": ""}).text
    pages["POST /avis from elsewhere"] = http.post(
        "/avis", data={"page": "/delais/", "vote": "oui"}, headers={"Origin": "https://ailleurs.example"}
    ).text
    return pages


def _mistakes(http: httpx2.Client) -> list[str]:
    mistakes = [f"{name}: {found}" for name, page in _pages(http).items() for found in page_mistakes(page)]
    answers = [http.post("/api/v1/lookup", json={"call_id": entry}).json() for entry in [*CALL_IDS, *ENTRIES]]
    answers.append(http.get("/api/v1/incidents/current").json())
    mistakes += [
        f"JSON: {found}" for answer in answers for text in _strings(answer) for found in spacing_mistakes(text)
    ]
    feed = feedparser.parse(http.get("/etat-du-service/flux.atom").content)
    texts = [feed.feed.title, feed.feed.subtitle]
    texts += [text for entry in feed.entries for text in (entry.title, entry.content[0].value)]
    mistakes += [f"feed: {found}" for text in texts for found in spacing_mistakes(text)]
    return mistakes


def _demo(tmp_path: Path) -> str:
    db = tmp_path / "demo.sqlite3"
    imported = run_cli("import", str(DEMO), "--shift-to-now", env={"STATUS_API_DB": str(db)})
    assert imported.returncode == 0, imported.stderr
    return str(db)


def test_the_service_pages_in_the_help_center_frame(
    tmp_path: Path, start_server: Callable[..., Server], built_site: Path
) -> None:
    server = start_server(STATUS_API_DB=_demo(tmp_path), STATUS_API_SITE_DIR=str(built_site))
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        mistakes = _mistakes(http)
    assert mistakes == [], f"{len(mistakes)} places:\n" + "\n".join(mistakes[:40])


def test_the_service_own_pages_and_the_refusals(tmp_path: Path, start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_DB=_demo(tmp_path), STATUS_API_RATE_LIMIT="on", STATUS_API_LOOKUP_BURST="40")
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        mistakes = _mistakes(http)
        # Spend the rest of the budget: the refusal's page and answer too.
        refused = http.post("/suivi", data={"call_id": CALL_IDS[0]})
        for _ in range(40):
            if refused.status_code == 429:
                break
            refused = http.post("/suivi", data={"call_id": CALL_IDS[0]})
        assert refused.status_code == 429
        mistakes += [f"429 page: {found}" for found in page_mistakes(refused.text)]
        answer = http.post("/api/v1/lookup", json={"call_id": CALL_IDS[0]}).json()
        mistakes += [f"429 JSON: {found}" for text in _strings(answer) for found in spacing_mistakes(text)]
    assert mistakes == [], f"{len(mistakes)} places:\n" + "\n".join(mistakes[:40])


def test_the_subscription_pages_the_maintenances_and_the_e_mails(
    tmp_path: Path, start_server: Callable[..., Server], built_site: Path
) -> None:
    inbox = Inbox().start()
    try:
        server = start_server(
            STATUS_API_SITE_DIR=str(built_site),
            STATUS_API_SMTP_URL=inbox.url,
            STATUS_API_PUBLIC_URL=PUBLIC,
            STATUS_API_TOKEN=TOKEN,
        )
        with httpx2.Client(base_url=server.url, timeout=10) as http:
            mistakes = _subscriptions_and_maintenances(http, inbox)
    finally:
        inbox.stop()
    assert mistakes == [], f"{len(mistakes)} places:\n" + "\n".join(mistakes[:40])


def _subscriptions_and_maintenances(http: httpx2.Client, inbox: Inbox) -> list[str]:
    pages: dict[str, str] = {}
    to = "lecteur@example.com"
    pages["subscribed"] = http.post(SERVICE.subscribe, data={"address": to}).text
    pages["a wrong address"] = http.post(SERVICE.subscribe, data={"address": "pas une adresse"}).text
    pages["a wrong service"] = http.post(SERVICE.subscribe, data={"address": to, "service": "aucun"}).text
    pages["from elsewhere"] = http.post(SERVICE.subscribe, data={"address": to}, headers=ELSEWHERE).text
    pages["an expired link"] = http.get(SERVICE.subscription_confirm, params={"jeton": "inconnu"}).text
    (confirmation,) = inbox.wait(lambda: inbox.to(to))
    link = re.findall(re.escape(PUBLIC) + r"\S+", text_of(confirmation))[0]
    token = urlsplit(link).query.removeprefix("jeton=")
    pages["the confirmation's page"] = http.get(SERVICE.subscription_confirm, params={"jeton": token}).text
    pages["confirmed"] = http.post(SERVICE.subscription_confirm, data={"jeton": token}).text
    # A planned maintenance (its announcement e-mailed) and one under way, with staff's words to be spaced.
    now = datetime.now(UTC)
    for reference, start in (("MNT-T1", now + timedelta(hours=30)), ("MNT-T2", now - timedelta(minutes=10))):
        body = {
            "title": "Mise à niveau : SMS",
            "message": "Les SMS peuvent partir avec retard ; rien à faire de votre côté !",
            "services": ["sms"],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
        }
        assert http.put(f"/api/v1/maintenances/{reference}", json=body, headers=AUTH).is_success
    announced = inbox.wait(lambda: [m for m in inbox.to(to) if "SMS" in str(m["Subject"])])
    pages["État du service"] = http.get(SERVICE.status_page).text
    pages["the home page's banner"] = http.get("/").text
    unsubscribe = str(announced[0]["List-Unsubscribe"]).strip("<>")
    path = urlsplit(unsubscribe)
    pages["the unsubscribe page"] = http.get(f"{path.path}?{path.query}").text
    pages["unsubscribed"] = http.post(f"{path.path}?{path.query}").text
    mistakes = [f"{name}: {found}" for name, page in pages.items() for found in page_mistakes(page)]
    maintenances = http.get(SERVICE.maintenances).json()
    mistakes += [f"JSON: {found}" for text in _strings(maintenances) for found in spacing_mistakes(text)]
    feed = feedparser.parse(http.get(SERVICE.feed).content)
    texts = [text for entry in feed.entries for text in (entry.title, entry.content[0].value)]
    mistakes += [f"feed: {found}" for text in texts for found in spacing_mistakes(text)]
    for message in [confirmation, *announced]:
        subject = str(message["Subject"])
        mistakes += [f"e-mail {subject!r}: {found}" for found in spacing_mistakes(subject)]
        mistakes += [f"e-mail {subject!r}: {found}" for found in spacing_mistakes(text_of(message))]
        mistakes += [f"e-mail {subject!r} (HTML): {found}" for found in page_mistakes(html_of(message))]
    return mistakes


_FRENCH_SPACING = re.compile(f"[{NBSP}{NNBSP}][:;?!»]|«")


def _read(page: str) -> list[str]:
    reader = _ReadText()
    reader.feed(page)
    return [*reader.lines, *reader.attributes]


def test_the_english_pages_and_answers_are_not_spaced_the_french_way(
    tmp_path: Path, start_server: Callable[..., Server], built_site: Path
) -> None:
    server = start_server(STATUS_API_DB=_demo(tmp_path), STATUS_API_SITE_DIR=str(built_site))
    english = {"Accept-Language": "en"}
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        pages = {"GET /en/suivi": http.get("/en/suivi").text, "GET /en/nowhere/": http.get("/en/nowhere/").text}
        for entry in [*CALL_IDS, *ENTRIES]:
            pages[f"POST /en/suivi {entry!r}"] = http.post("/en/suivi", data={"call_id": entry}).text
        pages["POST /en/suivi from elsewhere"] = http.post("/en/suivi", data={"call_id": "1"}, headers=ELSEWHERE).text
        answers = [http.post("/api/v1/lookup", json={"call_id": e}, headers=english).json() for e in CALL_IDS + ENTRIES]
        lists = (SERVICE.incidents_current, SERVICE.maintenances)
        answers += [http.get(path, headers=english).json() for path in lists]
    # Staff's words (updates, incident titles) stay as typed, in French: the demo starts each with « Exemple ».
    # Those lines are left out.
    texts = [(name, text) for name, page in pages.items() for text in _read(page)]
    texts += [("JSON", text) for answer in answers for text in _strings(answer)]
    found = [
        f"{name}: {text.strip()[:120]!r}"
        for name, text in texts
        if _FRENCH_SPACING.search(text) and "Exemple" not in text
    ]
    assert found == [], "\n".join(found[:40])
    assert "Follow my ticket" in page_text(pages["GET /en/suivi"]) and "Page not found" in pages["GET /en/nowhere/"]
