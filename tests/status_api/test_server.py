"""The service started for real with `status-api serve`, called over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import yaml

from kb_build import load
from tests.status_api.helpers import AUTH, DATA, DEMO, TOKEN, Server, run_cli, ticket_body

DEMO_CALL_IDS = [t["call_ids"][0] for t in yaml.safe_load(DEMO.read_text(encoding="utf-8"))["tickets"]]


def test_the_embedded_service_answers_over_http(
    tmp_path: Path, start_server: Callable[..., Server], built_site: Path
) -> None:
    db = tmp_path / "served.sqlite3"
    imported = run_cli("import", str(DEMO), "--shift-to-now", env={"STATUS_API_DB": str(db)})
    assert imported.returncode == 0, imported.stderr
    server = start_server(
        STATUS_API_DB=str(db),
        STATUS_API_TOKEN=TOKEN,
        STATUS_API_SITE_DIR=str(built_site),
        STATUS_API_CORS_ORIGINS="https://aide.example.com",
        # One line per lookup, its call ID masked: at the debug level only.
        STATUS_API_LOG_LEVEL="debug",
    )
    kb = load(DATA)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        assert kb.site.site_name in http.get("/").text
        assert http.get("/api/openapi.json").json()["openapi"].startswith("3.1")

        pasted = "-".join(DEMO_CALL_IDS[0][i : i + 4] for i in range(0, 20, 4))
        found = http.post("/api/v1/lookup", json={"call_id": pasted})
        assert found.status_code == 200
        assert found.json()["reference"] == "RGV-2026-0101"
        assert http.post("/api/v1/lookup", json={"call_id": "99999999999999999999"}).status_code == 404
        assert (
            http.post("/api/v1/lookup", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
        )

        page = http.post("/suivi", data={"call_id": DEMO_CALL_IDS[1]})
        assert page.status_code == 200
        assert "RGV-2026-0102" in page.text and 'class="md-header' in page.text

        body = ticket_body(kb, call_ids=["11112222333344445555"])
        assert http.put("/api/v1/tickets/RGV-NEW", json=body).status_code == 401
        assert http.put("/api/v1/tickets/RGV-NEW", json=body, headers=AUTH).status_code == 201
        headers = {**AUTH, "Idempotency-Key": "retry-1"}
        statuses = [
            http.post("/api/v1/tickets/RGV-NEW/updates", json={"text": "x"}, headers=headers).status_code
            for _ in range(2)
        ]
        assert statuses == [201, 200]
        assert len(http.post("/api/v1/lookup", json={"call_id": "11112222333344445555"}).json()["updates"]) == 1

        cors = http.options(
            "/api/v1/lookup",
            headers={"Origin": "https://aide.example.com", "Access-Control-Request-Method": "POST"},
        )
        assert cors.headers["access-control-allow-origin"] == "https://aide.example.com"

        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda c: http.post("/api/v1/lookup", json={"call_id": c}).status_code, DEMO_CALL_IDS * 4)
            )
        assert set(answers) == {200}

    logs = server.stop()
    assert "…" + DEMO_CALL_IDS[0][-4:] in logs
    for call_id in (*DEMO_CALL_IDS, "11112222333344445555", "99999999999999999999"):
        assert call_id not in logs


def test_a_served_instance_without_a_token_refuses_writes(start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_TOKEN="")
    response = httpx2.put(f"{server.url}/api/v1/tickets/RGV-1", json=ticket_body(load(DATA)), headers=AUTH)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "writes_disabled"
    assert "writes are refused" in server.stop()


def test_lookups_leave_no_line_of_their_own_at_the_default_level(start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_TOKEN="")
    assert httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": "99999999999999999999"}).status_code == 404
    logs = server.stop()
    # The access log has the lookup and its status; the masked call ID only shows at the debug level.
    assert '"POST /api/v1/lookup HTTP/1.1" 404' in logs
    assert "…9999" not in logs
