"""What the tracker promises is what the company promised (issue #17), served for real: a delay or a cadence
without a source is worded as what is usual, with no deadline and no apology; once the support team has
confirmed it in data/, the answer may give a bound."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2

from kb_build import read
from tests.status_api.helpers import AUTH, DATA, TOKEN, Server

CALL_ID = "20261124120000000777"
ISSUE_TYPE = "activation-portabilite"  # timeline « simple »: 2 hours to 5 days, one update a day
STEP = "examen-technique"
CONFIRMED = "confirmé le 2026-11-30 par la responsable du support"


def _promise_words(data: Path) -> re.Pattern[str]:
    glossary = read(data).kb.glossary
    assert glossary is not None and glossary.promises
    return re.compile("|".join(rf"\b{re.escape(word)}\b" for word in glossary.promises), re.IGNORECASE)


def _answers(server: Server) -> tuple[str, str]:
    """The answer page (no JavaScript) and the JSON answer for a ticket past its window and its next update."""
    opened = datetime.now(UTC) - timedelta(days=9)
    body = {"issue_type": ISSUE_TYPE, "step": STEP, "opened_at": opened.isoformat(), "call_ids": [CALL_ID]}
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        put = http.put("/api/v1/tickets/RGV-P1", json=body, headers=AUTH)
        assert put.status_code == 201, put.text
        page = http.post("/suivi", data={"call_id": CALL_ID})
        answer = http.post("/api/v1/lookup", json={"call_id": CALL_ID})
    assert page.status_code == 200 and answer.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    return text, answer.text


def _confirmed_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    timelines = (data / "timelines.yml").read_text(encoding="utf-8")
    timelines = timelines.replace("    max: 5 jours\n", f"    max: 5 jours\n    source: {CONFIRMED}\n", 1)
    (data / "timelines.yml").write_text(timelines, encoding="utf-8")
    cadence = (data / "communication.yml").read_text(encoding="utf-8")
    cadence = cadence.replace("    every: 1 jour\n", f"    every: 1 jour\n    source: {CONFIRMED}\n", 1)
    (data / "communication.yml").write_text(cadence, encoding="utf-8")
    kb = read(data).kb
    assert kb.timeline("simple").confirmed and kb.communication.cadence[0].confirmed
    return data


def test_an_unconfirmed_delay_is_told_as_usual_without_deadline_or_apology(
    start_server: Callable[..., Server],
) -> None:
    kb = read(DATA).kb
    assert not kb.timeline("simple").confirmed and not kb.communication.cadence[0].confirmed
    page, answer = _answers(start_server(STATUS_API_TOKEN=TOKEN))
    assert "Délai habituel pour ce type de problème" in page and "plus de temps que d'habitude" in page
    assert "habituellement une mise à jour par jour" in page
    promises = _promise_words(DATA)
    assert promises.findall(page) == [] and promises.findall(answer) == []
    assert answer.count('"confirmed":false') == 2


def test_a_confirmed_delay_may_be_told_as_a_bound(tmp_path: Path, start_server: Callable[..., Server]) -> None:
    data = _confirmed_data(tmp_path)
    page, answer = _answers(start_server(STATUS_API_TOKEN=TOKEN, KB_DATA_DIR=str(data)))
    assert "au plus tard" in page and "Notre engagement pour ce type de problème" in page
    # The JSON says which values are confirmed; the help center's page words them with the same texts.
    assert answer.count('"confirmed":true') == 2
