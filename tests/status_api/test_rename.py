from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import httpx2
from starlette.testclient import TestClient

from kb_build import load
from status_api.app import create_app
from status_api.config import Settings
from status_api.storage import SQLiteStore
from tests.status_api.helpers import AUTH, CALL_ID, DATA, TOKEN, Server, ticket_body

NEW_TITLE = "Analyse par nos experts"


def _renamed_data(tmp_path: Path) -> tuple[Path, str]:
    """A copy of data/ where a writer renamed the second step; its id stays, as the YAML asks."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    process = data / "process.yml"
    kb = load(DATA)
    step = kb.process.steps[1]
    text = process.read_text(encoding="utf-8")
    old = f"title: {step.title}\n"
    assert text.count(old) == 1
    process.write_text(text.replace(old, f"title: {NEW_TITLE}\n"), encoding="utf-8")
    return data, step.id


def test_a_step_renamed_in_yaml_shows_renamed_in_a_lookup(tmp_path: Path) -> None:
    data, step_id = _renamed_data(tmp_path)
    settings = Settings.from_env({"KB_DATA_DIR": str(data), "STATUS_API_TOKEN": TOKEN})
    kb = load(settings.data_dir)
    with TestClient(create_app(settings, kb, SQLiteStore(tmp_path / "s.sqlite3"))) as client:
        assert client.put("/api/v1/tickets/RGV-1", json=ticket_body(kb, step=step_id), headers=AUTH).status_code == 201
        view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
        page = client.post("/suivi", data={"call_id": CALL_ID}).text
    assert view["step"]["title"] == NEW_TITLE
    assert [s["title"] for s in view["progress"]][1] == NEW_TITLE
    assert NEW_TITLE in page


def test_a_served_instance_speaks_the_renamed_yaml(tmp_path: Path, start_server: Callable[..., Server]) -> None:
    data, step_id = _renamed_data(tmp_path)
    server = start_server(KB_DATA_DIR=str(data), STATUS_API_TOKEN=TOKEN)
    kb = load(data)
    created = httpx2.put(f"{server.url}/api/v1/tickets/RGV-1", json=ticket_body(kb, step=step_id), headers=AUTH)
    assert created.status_code == 201
    view = httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert view["step"]["title"] == NEW_TITLE
