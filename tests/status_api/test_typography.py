"""Every page, answer and feed the service makes, spaced the French way, with the demo's tickets and incidents,
served for real: the help center's frame, the service's own plain pages, the feed and the JSON a page shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import feedparser
import httpx2
import yaml

from tests.french import page_mistakes, spacing_mistakes
from tests.status_api.helpers import DEMO, Server, run_cli

CALL_IDS = [t["call_ids"][0] for t in yaml.safe_load(DEMO.read_text(encoding="utf-8"))["tickets"]]
ENTRIES = ["20261124120000000999", "abc", "", "RGV-2026-0101"]


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
