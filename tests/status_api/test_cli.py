from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb_build import load
from status_api.domain.records import Ticket
from status_api.storage import SQLiteStore
from tests.status_api.helpers import DATA, DEMO, run_cli

GOOD_TICKET = """\
  - reference: RGV-10
    issue_type: {issue_type}
    step: {step}
    opened_at: 2026-11-20T09:00:00+01:00
    call_ids: ["2026 1120 0900 0000 0010"]
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"STATUS_API_DB": str(tmp_path / "cli.sqlite3")}


def _good(index: int = 0) -> str:
    kb = load(DATA)
    return GOOD_TICKET.format(issue_type=kb.issue_types.issue_types[index].id, step=kb.process.steps[0].id)


def _tickets(env: dict[str, str]) -> list[str]:
    store = SQLiteStore(Path(env["STATUS_API_DB"]))
    try:
        return [r for r in ("RGV-10", "RGV-11", "RGV-X") if store.get(Ticket, r) is not None]
    finally:
        store.close()


def test_the_demo_file_imports(env: dict[str, str]) -> None:
    result = run_cli("import", str(DEMO), "--shift-to-now", "--show-call-ids", env=env)
    assert result.returncode == 0, result.stderr
    assert "ticket(s) importé(s)" in result.stdout
    again = run_cli("import", str(DEMO), "--shift-to-now", env=env)  # importing twice replaces, no conflict
    assert again.returncode == 0, again.stderr


def test_import_errors_are_file_line_and_nothing_is_written(tmp_path: Path, env: dict[str, str]) -> None:
    kb = load(DATA)
    path = tmp_path / "tickets.yml"
    path.write_text(
        "tickets:\n" + _good() + "  - reference: RGV-11\n"  # line 7
        "    issue_type: panne-inconnue\n"  # line 8
        f"    step: {kb.process.steps[0].id}\n"
        "    opened_at: 2026-11-20T09:00:00\n"  # line 10: no time zone
        '    call_ids: ["12"]\n',  # line 11
        encoding="utf-8",
    )
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:8:17: tickets[1].issue_type : « panne-inconnue »")
    assert kb.issue_types.issue_types[0].id in lines[0]
    assert lines[1].startswith(f"{path}:10:16: tickets[1].opened_at : une date ISO 8601")
    assert lines[2].startswith(f"{path}:11:16: tickets[1].call_ids[0] : « 12 » n'est pas un Call ID")
    assert len(lines) == 3  # every mistake at once
    assert _tickets(env) == []


def test_a_bad_call_id_in_an_import_is_located(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "tickets.yml"
    path.write_text("tickets:\n" + _good().replace('"2026 1120 0900 0000 0010"', '"12-34"'), encoding="utf-8")
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:6:16: tickets[0].call_ids[0] : « 12-34 » n'est pas un Call ID")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("tickets:\n  - reference: A\n    reference: B\n", ":3:5: clé « reference » en double"),
        ("tickets:\n  - reference: [\n", ":3:1: syntaxe YAML invalide"),
        ("tickets: []\nextra: 1\n", ":2:8: extra : champ inconnu"),
        ("- 1\n", ":1:1: le fichier doit contenir"),
    ],
)
def test_yaml_mistakes_are_located(tmp_path: Path, env: dict[str, str], text: str, where: str) -> None:
    path = tmp_path / "tickets.yml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}{where}"), result.stderr
    assert "Traceback" not in result.stderr


def test_json_files_import_and_their_errors_are_located(tmp_path: Path, env: dict[str, str]) -> None:
    kb = load(DATA)
    ticket = {
        "reference": "RGV-10",
        "issue_type": kb.issue_types.issue_types[0].id,
        "step": kb.process.steps[0].id,
        "opened_at": "2026-11-20T09:00:00+01:00",
        "call_ids": ["20261120090000000010"],
        "updates": [{"at": "2026-11-20T10:00:00+01:00", "text": "Bonjour"}],
    }
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps({"tickets": [ticket]}, indent=2), encoding="utf-8")
    assert run_cli("import", str(path), env=env).returncode == 0
    assert _tickets(env) == ["RGV-10"]

    path.write_text(json.dumps({"tickets": [{**ticket, "step": "nulle-part"}]}, indent=2), encoding="utf-8")
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:6:15: tickets[0].step : « nulle-part »"), result.stderr

    path.write_text('{"tickets": [\n  {"reference": }\n]}', encoding="utf-8")
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:2:17: JSON invalide"), result.stderr


def test_a_call_id_owned_by_another_ticket_is_located(tmp_path: Path, env: dict[str, str]) -> None:
    kb = load(DATA)
    created = run_cli(
        "create", "RGV-X", "--issue-type", kb.issue_types.issue_types[0].id, "--step", kb.process.steps[0].id,
        "--call-id", "20261120090000000010", env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    path = tmp_path / "tickets.yml"
    path.write_text("tickets:\n" + _good(), encoding="utf-8")
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:6:16: ")
    assert "RGV-X" in result.stderr
    assert _tickets(env) == ["RGV-X"]


def test_import_refuses_a_missing_file_and_a_shift_without_now(tmp_path: Path, env: dict[str, str]) -> None:
    missing = run_cli("import", str(tmp_path / "absent.yml"), env=env)
    assert (missing.returncode, missing.stderr.strip()) == (1, f"{tmp_path / 'absent.yml'}:1:1: fichier introuvable")
    path = tmp_path / "tickets.yml"
    path.write_text("tickets:\n" + _good(), encoding="utf-8")
    shifted = run_cli("import", str(path), "--shift-to-now", env=env)
    assert shifted.returncode == 1
    assert "now" in shifted.stderr


def test_staff_commands_create_update_move_and_delete(env: dict[str, str]) -> None:
    kb = load(DATA)
    steps = kb.process.steps
    issue_type = kb.issue_types.issue_types[0].id
    create = [
        "create",
        "RGV-X",
        "--issue-type",
        issue_type,
        "--step",
        steps[0].id,
        "--call-id",
        "2026-1120-0900-0000-0010",
    ]
    created = run_cli(*create, env=env)
    assert created.returncode == 0, created.stderr
    assert "0010" in created.stdout and "20261120090000000010" not in created.stdout
    assert run_cli(*create, env=env).returncode == 1  # it exists already

    updated = run_cli("update", "RGV-X", "Nous analysons votre problème.", env=env)
    assert updated.returncode == 0, updated.stderr
    moved = run_cli("move", "RGV-X", "--step", steps[1].id, env=env)
    assert moved.returncode == 0, moved.stderr
    assert steps[1].title in moved.stdout
    wrong = run_cli("move", "RGV-X", "--step", "nulle-part", env=env)
    assert wrong.returncode == 1
    assert steps[1].id in wrong.stderr and "Traceback" not in wrong.stderr
    early = run_cli("update", "RGV-X", "Fini", "--resolved", env=env)
    assert early.returncode == 1

    store = SQLiteStore(Path(env["STATUS_API_DB"]))
    ticket = store.get(Ticket, "RGV-X")
    store.close()
    assert ticket is not None
    assert ticket.step == steps[1].id
    assert [u.text for u in ticket.updates] == ["Nous analysons votre problème.", None]

    assert run_cli("delete", "RGV-X", env=env).returncode == 0
    assert run_cli("delete", "RGV-X", env=env).returncode == 1
    assert run_cli("update", "RGV-X", "x", env=env).returncode == 1


def test_a_token_is_generated_for_the_local_run(env: dict[str, str]) -> None:
    first, second = run_cli("token", env=env), run_cli("token", env=env)
    assert first.returncode == 0
    assert len(first.stdout.strip()) >= 40
    assert first.stdout != second.stdout


def test_a_token_is_printed_whatever_the_other_settings(env: dict[str, str]) -> None:
    # `make run` asks for one before anything else: a wrong database or pool setting is not its business.
    wrong = {"STATUS_API_DB": "mysql://x", "STATUS_API_DB_POOL": "0", "STATUS_API_TOKEN": "court"}
    result = run_cli("token", env={**env, **wrong})
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) >= 40 and result.stderr == ""


def test_broken_data_files_are_reported_not_raised(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "process.yml").write_text("title: [\n", encoding="utf-8")
    result = run_cli("import", str(DEMO), env={**env, "KB_DATA_DIR": str(data)})
    assert result.returncode == 1
    assert "process.yml:" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_a_site_folder_that_does_not_exist(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_cli("serve", "--port", "1", env={**env, "STATUS_API_SITE_DIR": str(tmp_path / "site")})
    assert result.returncode == 1
    assert "STATUS_API_SITE_DIR" in result.stderr


def test_incidents_from_the_shell(tmp_path: Path, env: dict[str, str]) -> None:
    kb = load(DATA)
    assert run_cli("import", str(DEMO), "--shift-to-now", env=env).returncode == 0
    service = kb.incidents.services[0].id
    created = run_cli("incident", "create", "INC-9", "--title", "Appels en échec", "--service", service, env=env)
    assert created.returncode == 0, created.stderr
    again = run_cli("incident", "create", "INC-9", "--title", "Appels en échec", "--service", service, env=env)
    assert again.returncode == 1 and "existe déjà" in again.stderr
    first = kb.incidents.states[0]
    moved = run_cli("incident", "update", "INC-9", "Cause trouvée", "--state", first.next[0], env=env)
    assert moved.returncode == 0, moved.stderr
    assert kb.incident_state(first.next[0]).title in moved.stdout
    current = kb.incident_state(first.next[0])
    refused = next(s.id for s in kb.incidents.states if s.id not in current.next and s.id != current.id)
    wrong = run_cli("incident", "update", "INC-9", "--state", refused, env=env)
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert ", ".join(current.next) in wrong.stderr
    assert run_cli("incident", "link", "INC-9", "RGV-2026-0101", env=env).returncode == 0
    assert run_cli("incident", "link", "INC-9", "RGV-404", env=env).returncode == 1
    store = SQLiteStore(Path(env["STATUS_API_DB"]))
    try:
        ticket = store.get(Ticket, "RGV-2026-0101")
        assert ticket is not None and ticket.incident == "INC-9"
    finally:
        store.close()
    assert run_cli("incident", "unlink", "INC-9", "RGV-2026-0101", env=env).returncode == 0
    assert run_cli("incident", "unlink", "INC-9", "RGV-2026-0101", env=env).returncode == 1
    assert run_cli("incident", "delete", "INC-9", env=env).returncode == 0


def test_an_imported_incident_is_checked_against_the_lifecycle(tmp_path: Path, env: dict[str, str]) -> None:
    kb = load(DATA)
    first = kb.incidents.states[0]
    current = kb.incident_state(first.next[0])
    refused = next(s.id for s in kb.incidents.states if s.id not in current.next and s.id != current.id)
    path = tmp_path / "incidents.yml"
    path.write_text(
        "tickets: []\n"
        "incidents:\n"
        "  - reference: INC-1\n"
        "    title: Panne\n"
        f"    services: [{kb.incidents.services[0].id}]\n"
        "    started_at: 2026-11-20T09:00:00+01:00\n"
        "    tickets: [RGV-404]\n"
        "    updates:\n"
        f"      - {{at: 2026-11-20T09:10:00+01:00, state: {current.id}}}\n"
        f"      - {{at: 2026-11-20T09:20:00+01:00, state: {refused}}}\n",  # line 10
        encoding="utf-8",
    )
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:10:")
    assert "incidents[0].updates[1].state" in result.stderr and ", ".join(current.next) in result.stderr

    path.write_text(path.read_text(encoding="utf-8").replace(f"state: {refused}", f"state: {current.next[0]}"))
    unknown = run_cli("import", str(path), env=env)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith(f"{path}:7:") and "RGV-404" in unknown.stderr
