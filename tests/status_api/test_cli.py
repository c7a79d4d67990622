from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb_build import load
from status_api.store import SQLiteStore
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
        return [r for r in ("RGV-10", "RGV-11", "RGV-X") if store.by_reference(r) is not None]
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
    ticket = store.by_reference("RGV-X")
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
