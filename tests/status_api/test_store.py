from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from status_api.domain.errors import CallIdTaken, DomainError, IdempotencyConflict, StoreBusy
from status_api.domain.records import Appended, Idempotency, Incident, IncidentUpdate, Ticket, Update, Vote
from status_api.domain.store import Change, Store
from status_api.storage import SQLiteStore
from status_api.storage.sqlite.schema import MIGRATIONS
from status_api.storage.sqlite.schema import VERSION as SCHEMA_VERSION
from tests.status_api.conftest import BOTH_BACKENDS
from tests.status_api.helpers import CALL_ID, NOW


def _ticket(reference: str = "RGV-1", call_ids: tuple[str, ...] = (CALL_ID,), **fields: object) -> Ticket:
    values: dict[str, object] = {
        "reference": reference,
        "issue_type": "type",
        "step": "etape",
        "team": "equipe",
        "opened_at": NOW,
        "call_ids": call_ids,
    }
    values.update(fields)
    return Ticket.model_validate(values)


def put(store: Store, ticket: Ticket) -> bool:
    """Create or replace; True when created."""
    return store.put(Ticket, ticket.reference, lambda current: ticket)[1]


def add(
    store: Store, reference: str, change: Change[Ticket], key: str | None = None, fingerprint: str = "f"
) -> Appended[Ticket] | None:
    return store.append_update(Ticket, reference, change, idempotency=Idempotency(key, fingerprint) if key else None)


def get(store: Store, reference: str) -> Ticket | None:
    return store.get(Ticket, reference)


def _say(text: str) -> Change[Ticket]:
    def change(ticket: Ticket) -> tuple[Ticket, Update]:
        update = Update(at=NOW + timedelta(minutes=len(ticket.updates)), text=text)
        return ticket.model_copy(update={"updates": (*ticket.updates, update)}), update

    return change


def test_the_schema_is_migrated_once_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "status.sqlite3"
    SQLiteStore(path).close()
    SQLiteStore(path).close()  # a second start finds the schema up to date
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"tickets", "call_ids", "updates", "idempotency"} <= tables


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "status.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DomainError, match="newer"):
        SQLiteStore(path)


@BOTH_BACKENDS
def test_tickets_are_found_by_call_id_as_text(store: Store) -> None:
    assert put(store, _ticket(call_ids=("00012345678901234567", CALL_ID)))
    found = store.by_call_id("00012345678901234567")
    assert found is not None and found.reference == "RGV-1"
    assert found.call_ids == ("00012345678901234567", CALL_ID)
    assert store.by_call_id("12345678901234567") is None
    assert get(store, "RGV-1") == found


@BOTH_BACKENDS
def test_put_replaces_the_ticket_and_its_call_ids_but_keeps_its_updates(store: Store) -> None:
    put(store, _ticket())
    add(store, "RGV-1", _say("bonjour"))
    assert not put(store, _ticket(call_ids=("11111111111111111111",), step="autre"))
    ticket = get(store, "RGV-1")
    assert ticket is not None
    assert ticket.step == "autre"
    assert [u.text for u in ticket.updates] == ["bonjour"]
    assert store.by_call_id(CALL_ID) is None


@BOTH_BACKENDS
def test_a_call_id_belongs_to_one_ticket(store: Store) -> None:
    put(store, _ticket())
    with pytest.raises(CallIdTaken) as raised:
        put(store, _ticket("RGV-2"))
    assert (raised.value.call_id, raised.value.reference) == (CALL_ID, "RGV-1")
    assert get(store, "RGV-2") is None


@BOTH_BACKENDS
def test_an_idempotency_key_records_an_update_once(store: Store) -> None:
    put(store, _ticket())
    first = add(store, "RGV-1", _say("x"), "k", "f")
    again = add(store, "RGV-1", _say("x"), "k", "f")
    assert first is not None and not first.replayed
    assert again is not None and again.replayed
    ticket = get(store, "RGV-1")
    assert ticket is not None and len(ticket.updates) == 1
    with pytest.raises(IdempotencyConflict):
        add(store, "RGV-1", _say("y"), "k", "other")
    assert add(store, "RGV-404", _say("x")) is None


@BOTH_BACKENDS
def test_a_change_of_state_alone_records_no_update_but_keeps_its_key(store: Store) -> None:
    put(store, _ticket())
    synced = NOW + timedelta(hours=1)

    def reclassify(ticket: Ticket) -> tuple[Ticket, None]:
        return ticket.model_copy(update={"issue_type": "autre", "prioritised": True, "helpdesk_at": synced}), None

    first = add(store, "RGV-1", reclassify, "k", "f")
    assert first is not None and not first.replayed
    for ticket in (first.record, get(store, "RGV-1"), store.by_call_id(CALL_ID)):
        assert ticket is not None
        assert (ticket.issue_type, ticket.prioritised, ticket.helpdesk_at) == ("autre", True, synced)
        assert (ticket.updates, ticket.update_count) == ((), 0)
    again = add(store, "RGV-1", _say("x"), "k", "f")
    assert again is not None and again.replayed
    # A staff replace is a new ticket of theirs: whatever the helpdesk applied before is forgotten.
    put(store, _ticket())
    ticket = get(store, "RGV-1")
    assert ticket is not None and ticket.helpdesk_at is None and ticket.issue_type == "type"


@BOTH_BACKENDS
def test_a_failing_change_writes_nothing(store: Store) -> None:
    put(store, _ticket())

    def failing(ticket: Ticket) -> tuple[Ticket, Update]:
        raise ValueError("refused")

    with pytest.raises(ValueError):
        add(store, "RGV-1", failing, "k", "f")
    ticket = get(store, "RGV-1")
    assert ticket is not None and ticket.updates == ()
    assert add(store, "RGV-1", _say("x"), "k", "f2") is not None


@BOTH_BACKENDS
def test_delete_takes_everything_linked_to_the_ticket(store: Store) -> None:
    put(store, _ticket())
    add(store, "RGV-1", _say("x"), "k", "f")
    assert store.delete(Ticket, "RGV-1")
    assert not store.delete(Ticket, "RGV-1")
    assert store.by_call_id(CALL_ID) is None
    put(store, _ticket())
    added = add(store, "RGV-1", _say("x"), "k", "f")
    assert added is not None and not added.replayed
    assert [u.text for u in added.record.updates] == ["x"]


@BOTH_BACKENDS
def test_import_is_all_or_nothing(store: Store) -> None:
    put(store, _ticket("RGV-OLD", call_ids=("99999999999999999999",)))
    batch = [_ticket("RGV-1"), _ticket("RGV-2", call_ids=("99999999999999999999",))]
    with pytest.raises(CallIdTaken):
        store.import_many(batch)
    assert get(store, "RGV-1") is None


@BOTH_BACKENDS
def test_an_import_names_the_ticket_whose_call_id_is_taken_far_into_a_batch(store: Store) -> None:
    taken = "99999999999999999999"
    put(store, _ticket("RGV-OLD", call_ids=(taken,)))
    # Past the first few hundred call IDs, which the store looks up together.
    batch = [_ticket(f"RGV-{n}", call_ids=(f"{n:020d}",)) for n in range(1_200)]
    batch[1_100] = _ticket("RGV-1100", call_ids=(f"{1_100:020d}", taken))
    with pytest.raises(CallIdTaken) as raised:
        store.import_many(batch)
    assert (raised.value.call_id, raised.value.reference, raised.value.index) == (taken, "RGV-OLD", 1_100)
    assert get(store, "RGV-1") is None


@BOTH_BACKENDS
def test_import_replaces_updates_and_lets_a_batch_swap_call_ids(store: Store) -> None:
    a, b = "11111111111111111111", "22222222222222222222"
    store.import_many([_ticket("RGV-1", call_ids=(a,)), _ticket("RGV-2", call_ids=(b,))])
    history = (Update(at=NOW, text="importé"),)
    store.import_many([_ticket("RGV-1", call_ids=(b,), updates=history), _ticket("RGV-2", call_ids=(a,))])
    swapped = store.by_call_id(a)
    assert swapped is not None and swapped.reference == "RGV-2"
    first = get(store, "RGV-1")
    assert first is not None and [u.text for u in first.updates] == ["importé"]
    store.import_many([_ticket("RGV-1", call_ids=(b,))])
    first = get(store, "RGV-1")
    assert first is not None and first.updates == ()


@BOTH_BACKENDS
def test_an_import_keeps_what_the_helpdesk_applied_and_each_incidents_impact(store: Store) -> None:
    synced = NOW + timedelta(hours=1)
    applied = _ticket("RGV-1", issue_type="autre", prioritised=True, helpdesk_at=synced)
    plain = _ticket("RGV-2", call_ids=("22222222222222222222",))
    incident = Incident(
        reference="INC-1",
        title="SMS en retard",
        services=("sms",),
        state="en-cours",
        started_at=NOW,
        impact="panne-partielle",
        updates=(IncidentUpdate(at=NOW, text="Ouvert", state="en-cours"),),
        tickets=("RGV-1",),
    )
    # Tickets as the bulk import's workers prepare them for this backend (COPY lines on PostgreSQL).
    assert store.import_many([store.preparer()(applied), plain], [incident]) == 2
    for found in (get(store, "RGV-1"), store.by_call_id(CALL_ID)):
        assert found is not None
        assert (found.issue_type, found.prioritised, found.helpdesk_at) == ("autre", True, synced)
        assert found.incident == "INC-1"
    second = get(store, "RGV-2")
    assert second is not None and second.helpdesk_at is None
    stored = store.get(Incident, "INC-1")
    assert stored is not None and stored.impact == "panne-partielle"
    # A later update keeps the impact; a replace sets it.
    moved = store.append_update(
        Incident, "INC-1", lambda i: (i, IncidentUpdate(at=NOW + timedelta(minutes=5), text="Suite"))
    )
    assert moved is not None and moved.record.impact == "panne-partielle"
    store.put(Incident, "INC-1", lambda current: incident.model_copy(update={"impact": "panne-majeure"}))
    assert [i.impact for i in store.incidents(NOW)] == ["panne-majeure"]


@BOTH_BACKENDS
def test_writes_from_many_threads_all_land(store: Store) -> None:
    put(store, _ticket())

    def write(n: int) -> None:
        for i in range(10):
            add(store, "RGV-1", _say(f"{n}-{i}"), f"{n}-{i}", "f")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ticket = get(store, "RGV-1")
    assert ticket is not None and ticket.update_count == 80  # every one landed (reads show the latest few)


def test_a_database_locked_too_long_is_reported_as_busy(tmp_path: Path) -> None:
    path = tmp_path / "status.sqlite3"
    store = SQLiteStore(path, timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy):
            put(store, _ticket())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert put(store, _ticket())  # nothing half-done stands in the way afterwards
    store.close()


@BOTH_BACKENDS
def test_reads_give_the_latest_updates_and_the_count_of_all(new_store: Callable[..., Store]) -> None:
    store = new_store(recent_updates=3)
    try:
        put(store, _ticket())
        for n in range(5):
            appended = add(store, "RGV-1", _say(f"n{n}"))
            assert appended is not None and appended.record.update_count == n + 1
        ticket = get(store, "RGV-1")
        assert ticket is not None
        assert [u.text for u in ticket.updates] == ["n2", "n3", "n4"]  # the latest, oldest first
        assert ticket.update_count == 5
        found = store.by_call_id(CALL_ID)
        assert found == ticket
        # Replacing the ticket keeps its history and its count; an import replaces both.
        put(store, _ticket(step="autre"))
        replaced = get(store, "RGV-1")
        assert replaced is not None and replaced.update_count == 5
        store.import_many([_ticket(updates=(Update(at=NOW, text="importé"),))])
        imported = get(store, "RGV-1")
        assert imported is not None and imported.update_count == 1 and [u.text for u in imported.updates] == ["importé"]
    finally:
        store.close()


def test_a_version_3_database_counts_its_tickets_updates(tmp_path: Path) -> None:
    path = tmp_path / "status.sqlite3"
    with sqlite3.connect(path) as conn:
        for statements in MIGRATIONS[:3]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(
            "INSERT INTO tickets VALUES ('RGV-1', 't', 's', 'e', '2026-11-24T12:00:00.000000Z', NULL, 0, '[]')"
        )
        for n in range(4):
            conn.execute(
                "INSERT INTO updates (reference, at, text) VALUES ('RGV-1', ?, ?)",
                (f"2026-11-24T12:0{n}:00.000000Z", f"u{n}"),
            )
        conn.execute("PRAGMA user_version = 3")
    store = SQLiteStore(path, recent_updates=2)
    try:
        ticket = get(store, "RGV-1")
        assert ticket is not None and ticket.update_count == 4 and [u.text for u in ticket.updates] == ["u2", "u3"]
        assert ticket.helpdesk_at is None  # migration 5: nothing applied from a helpdesk yet
    finally:
        store.close()


@BOTH_BACKENDS
def test_a_lookup_reads_the_same_ticket_as_a_read_by_reference(new_store: Callable[..., Store]) -> None:
    store = new_store(recent_updates=4)
    try:
        put(store, _ticket(call_ids=("00000000000000000003", CALL_ID, "00000000000000000001"), skipped_steps=("x",)))
        for n in range(6):  # several at the same moment: their order is the order they were written in
            add(store, "RGV-1", lambda t, n=n: (t, Update(at=NOW, text=f"u{n}", step="etape" if n % 2 else None)))
        found = store.by_call_id(CALL_ID)
        assert found is not None and found == get(store, "RGV-1")
        assert found.call_ids == ("00000000000000000003", CALL_ID, "00000000000000000001")
        assert [u.text for u in found.updates] == ["u2", "u3", "u4", "u5"]
    finally:
        store.close()


# --- votes ("Cet article vous a-t-il été utile ?") ------------------------------------------------------------


@BOTH_BACKENDS
def test_votes_are_stored_and_read_back_most_recent_first(store: Store) -> None:
    store.add_vote(Vote(page="/delais/", useful=True, at=NOW))
    store.add_vote(Vote(page="/delais/", useful=False, at=NOW + timedelta(minutes=1)), comment_key="k1")
    store.add_vote(Vote(page="/", useful=True, at=NOW + timedelta(minutes=2)))
    votes = store.votes()
    assert [(v.page, v.useful) for v in votes] == [("/", True), ("/delais/", False), ("/delais/", True)]
    assert votes[0].at == NOW + timedelta(minutes=2)
    assert all(v.comment is None for v in votes)


@BOTH_BACKENDS
def test_a_comment_is_attached_once_by_its_key(store: Store) -> None:
    store.add_vote(Vote(page="/delais/", useful=False, at=NOW), comment_key="k1")
    store.add_vote(Vote(page="/escalade/", useful=False, at=NOW), comment_key="k2")
    assert store.add_comment("k1", "Il manque un exemple.", since=NOW) == "/delais/"
    # Spent: a second comment with the same key changes nothing.
    assert store.add_comment("k1", "Autre chose", since=NOW) is None
    assert store.add_comment("inconnue", "Texte", since=NOW) is None
    comments = {v.page: v.comment for v in store.votes()}
    assert comments == {"/delais/": "Il manque un exemple.", "/escalade/": None}


@BOTH_BACKENDS
def test_a_key_too_old_attaches_nothing_and_is_spent(store: Store) -> None:
    store.add_vote(Vote(page="/delais/", useful=False, at=NOW), comment_key="k1")
    assert store.add_comment("k1", "Trop tard", since=NOW + timedelta(hours=2)) is None
    assert store.add_comment("k1", "Trop tard", since=NOW) is None
    assert store.votes()[0].comment is None


@BOTH_BACKENDS
def test_a_vote_keeps_nothing_about_who_voted(store: Store, tmp_path: Path) -> None:
    store.add_vote(Vote(page="/delais/", useful=True, at=NOW))
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(tmp_path / "status.sqlite3") as conn:
            columns = [row[1] for row in conn.execute("PRAGMA table_info(votes)")]
    else:
        from status_api.storage.postgres import PostgresStore

        assert isinstance(store, PostgresStore)
        with store.connection() as pg:
            found = pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'votes'"
                " ORDER BY ordinal_position"
            ).fetchall()
        columns = [name for (name,) in found]
    assert columns == ["id", "page", "useful", "at", "comment", "comment_key"]
