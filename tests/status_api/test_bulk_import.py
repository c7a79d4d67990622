"""`status-api import FILE.jsonl`: a ticket a line, streamed, all or nothing, mistakes at file:line:column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kb_build.model import KnowledgeBase
from status_api.domain.payloads import Validator
from status_api.domain.records import Ticket
from status_api.importers.lines import BulkFailed, BulkReader
from status_api.storage import SQLiteStore
from status_api.storage.sqlite.rows import ticket_rows
from tests.status_api.helpers import NOW, opened, run_cli


def line(reference: str, call_id: str, **overrides: Any) -> str:
    ticket = {
        "reference": reference,
        "issue_type": "qualite-communication",
        "step": "examen-technique",
        "opened_at": NOW.isoformat(),
        "call_ids": [call_id],
        "updates": [{"at": NOW.isoformat(), "text": f"Ticket {reference} ouvert."}],
    }
    ticket.update(overrides)
    return json.dumps(ticket, ensure_ascii=False)


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_tickets_are_imported_and_found(tmp_path: Path, database: str) -> None:
    source = write(tmp_path / "t.jsonl", *(line(f"RGV-{n}", f"{n:020d}") for n in range(1, 51)), "")
    result = run_cli("import", str(source), env={"STATUS_API_DB": database})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"50 ticket(s) importé(s) dans {database}"
    assert "Import en cours" not in result.stderr  # progress goes to a terminal only
    store = opened(database)
    ticket = store.by_call_id(f"{7:020d}")
    assert ticket is not None and ticket.reference == "RGV-7"
    assert [u.text for u in ticket.updates] == ["Ticket RGV-7 ouvert."]
    store.close()


def test_every_mistake_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    source = write(
        tmp_path / "t.jsonl",
        line("RGV-1", "11111111111111111111"),
        '{"reference": "RGV-2", "issue_type": ',
        line("RGV-3", "33333333333333333333", step="etape-inconnue"),
        line("RGV-1", "44444444444444444444"),
        line("RGV-5", "11111111111111111111"),
    )
    database = tmp_path / "status.sqlite3"
    result = run_cli("import", str(source), env={"STATUS_API_DB": str(database)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{source}:2:37: JSON invalide")
    assert errors[1].startswith(f"{source}:3:1: step : « etape-inconnue » n'est pas")
    assert errors[2] == f"{source}:4:1: La référence « RGV-1 » figure deux fois dans le fichier."
    assert errors[3] == f"{source}:5:1: Le Call ID 11111111111111111111 figure deux fois."
    store = SQLiteStore(database)
    assert store.get(Ticket, "RGV-1") is None
    store.close()


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_a_file_without_a_ticket_is_refused(tmp_path: Path, content: str) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text(content, encoding="utf-8")
    result = run_cli("import", str(source), env={"STATUS_API_DB": str(tmp_path / "status.sqlite3")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"{source}:1:1: le fichier ne contient aucun ticket : écrivez un ticket par ligne, en JSON."
    )


def test_a_call_id_held_by_another_ticket_is_refused_at_its_line(tmp_path: Path, database: str) -> None:
    first = write(tmp_path / "a.jsonl", line("RGV-OLD", "99999999999999999999"))
    assert run_cli("import", str(first), env={"STATUS_API_DB": database}).returncode == 0
    second = write(tmp_path / "b.jsonl", line("RGV-1", "11111111111111111111"), line("RGV-2", "99999999999999999999"))
    result = run_cli("import", str(second), env={"STATUS_API_DB": database})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{second}:2:1: Le Call ID 99999999999999999999 est déjà rattaché au ticket « RGV-OLD »."
    )
    store = opened(database)
    assert store.get(Ticket, "RGV-1") is None
    store.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_processes_give_the_same_tickets_in_order(tmp_path: Path, kb: KnowledgeBase, workers: int) -> None:
    source = write(tmp_path / "t.jsonl", *(line(f"RGV-{n}", f"{n:020d}") for n in range(1, 4501)))
    reader = BulkReader(source, Validator(kb), ticket_rows, workers=workers)
    references = [ticket.reference for ticket in reader]
    assert references == [f"RGV-{n}" for n in range(1, 4501)]
    assert reader.line_of(4499) == 4500


def test_mistakes_found_by_workers_stop_the_import(tmp_path: Path, kb: KnowledgeBase) -> None:
    lines = [line(f"RGV-{n}", f"{n:020d}") for n in range(1, 4501)]
    lines[4000] = line("RGV-4001", "pas-un-call-id")
    reader = BulkReader(write(tmp_path / "t.jsonl", *lines), Validator(kb), ticket_rows, workers=2)
    with pytest.raises(BulkFailed) as failed:
        list(reader)
    assert len(failed.value.errors) == 1 and failed.value.errors[0].startswith(f"{tmp_path / 't.jsonl'}:4001:1: ")
