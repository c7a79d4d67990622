"""Several real instances (`status-api serve`) on one PostgreSQL database: what one writes, the others show;
budgets and idempotency keys hold across them; a lost notification connection comes back."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kb_build.model import KnowledgeBase
from status_api.config import Limits, Rate
from tests.postgres import Cluster, start_cluster
from tests.status_api.helpers import AUTH, CALL_ID, DATA, TOKEN, Server, free_port, run_cli, serve, ticket_body

Serve = Callable[..., Server]


@pytest.fixture
def instances(tmp_path: Path, pg_url: str) -> Any:
    """Starts `status-api serve` processes on the test's database; all stopped at the end."""
    servers: list[Server] = []

    def start(**env: str) -> Server:
        environment = {
            **os.environ,
            "STATUS_API_DB": pg_url,
            "STATUS_API_TOKEN": TOKEN,
            "KB_DATA_DIR": str(DATA),
            "STATUS_API_RATE_LIMIT": "off",
            **env,
        }
        server = serve(environment, tmp_path / f"instance-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _lookup(server: Server, call_id: str = CALL_ID) -> httpx2.Response:
    return httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": call_id}, timeout=10)


def _put(server: Server, kb: KnowledgeBase, reference: str = "RGV-1", **overrides: Any) -> None:
    response = httpx2.put(
        f"{server.url}/api/v1/tickets/{reference}", json=ticket_body(kb, **overrides), headers=AUTH, timeout=10
    )
    assert response.status_code in (200, 201), response.text


def _say(server: Server, text: str, key: str | None = None) -> httpx2.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return httpx2.post(f"{server.url}/api/v1/tickets/RGV-1/updates", json={"text": text}, headers=headers, timeout=10)


def _within(seconds: float, check: Callable[[], bool]) -> float:
    """How long `check` took to hold; fails past `seconds`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - start


def _shows(server: Server, text: str) -> Callable[[], bool]:
    def check() -> bool:
        response = _lookup(server)
        return response.status_code == 200 and text in response.text

    return check


def _cache_hits(server: Server) -> int:
    stats = httpx2.get(f"{server.url}/api/v1/stats", headers=AUTH, timeout=10).json()
    hits: int = stats["lookup_cache"]["hits"]
    return hits


def _listeners(cluster: Cluster, server: Server) -> list[int]:
    rows = cluster.execute(
        f"SELECT pid FROM pg_stat_activity WHERE application_name = 'status-api listen {server.pid:d}'"
    )
    return [int(str(pid)) for (pid,) in rows]


def test_a_write_on_one_instance_shows_on_the_other_within_a_second(instances: Serve, kb: KnowledgeBase) -> None:
    a, b = instances(), instances()
    assert _lookup(b).status_code == 404  # B has "no such ticket" in its cache now
    _put(a, kb)
    _within(1.0, lambda: _lookup(b).status_code == 200)
    # A cached answer of B is dropped at A's next write.
    assert _shows(b, "RGV-1")()
    hits = _cache_hits(b)
    assert _lookup(b).status_code == 200 and _cache_hits(b) == hits + 1
    assert _say(a, "Analyse en cours").status_code == 201
    _within(1.0, _shows(b, "Analyse en cours"))


def test_an_instance_that_loses_its_notifications_listens_again(
    instances: Serve, pg_cluster: Cluster, kb: KnowledgeBase
) -> None:
    a, b = instances(), instances()
    _put(a, kb)
    _within(1.0, lambda: _lookup(b).status_code == 200)
    (before,) = _listeners(pg_cluster, b)
    pg_cluster.execute(f"SELECT pg_terminate_backend({before:d})")
    # A write while B is deaf: B does not answer from its cache meanwhile.
    assert _say(a, "Pendant la coupure").status_code == 201
    _within(1.0, _shows(b, "Pendant la coupure"))
    # B listens again on a new connection, and caches again...
    _within(5.0, lambda: len(_listeners(pg_cluster, b)) == 1 and _listeners(pg_cluster, b) != [before])
    _lookup(b)
    hits = _cache_hits(b)
    assert _lookup(b).status_code == 200 and _cache_hits(b) == hits + 1
    # ...and what A writes next still reaches B's lookups within a second.
    assert _say(a, "Après la coupure").status_code == 201
    _within(1.0, _shows(b, "Après la coupure"))


def test_a_client_alternating_between_instances_has_one_budget(instances: Serve, kb: KnowledgeBase) -> None:
    limits = {"STATUS_API_RATE_LIMIT": "on", "STATUS_API_LOOKUP_BURST": "5", "STATUS_API_LOOKUP_RATE": "1/hour"}
    a, b = instances(**limits), instances(**limits)
    _put(a, kb)

    def granted(servers: list[Server], call_id: str) -> int:
        """Lookups answered before the first refusal, going round `servers`."""
        for n in range(20):
            response = _lookup(servers[n % len(servers)], call_id)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) > 0
                return n
            assert response.status_code in (200, 404)
        raise AssertionError("never refused")

    # The same client (127.0.0.1) is refused after the burst, whichever instance it asks.
    assert granted([a, b], CALL_ID) == 5
    assert granted([b], CALL_ID) == 0
    assert granted([a], CALL_ID) == 0


def test_a_client_alternating_between_instances_has_one_miss_budget(instances: Serve) -> None:
    limits = {"STATUS_API_RATE_LIMIT": "on", "STATUS_API_LOOKUP_BURST": "50", "STATUS_API_MISS_RATE": "3/hour"}
    a, b = instances(**limits), instances(**limits)
    statuses = [_lookup((a, b)[n % 2], f"{n:020d}").status_code for n in range(6)]
    assert statuses == [404, 404, 404, 429, 429, 429]


def test_one_idempotency_key_sent_to_two_instances_makes_one_update(instances: Serve, kb: KnowledgeBase) -> None:
    a, b = instances(), instances()
    _put(a, kb)
    answers: list[httpx2.Response] = []
    start = threading.Barrier(8)

    def send(server: Server) -> None:
        start.wait()
        answers.append(_say(server, "Une seule fois", key="retry-42"))

    threads = [threading.Thread(target=send, args=((a, b)[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201]
    assert {r.json()["update_count"] for r in answers} == {1}
    # The next update, with another key, is the second one: the replays added nothing.
    assert _say(a, "Une autre", key="retry-43").json()["update_count"] == 2
    # The same key with another body, on either instance: a conflict, never a second update.
    conflict = _say(b, "Autre texte", key="retry-42")
    assert conflict.status_code == 422 and conflict.json()["error"]["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://kb@127.0.0.1/kb", "schéma « mysql:// » n'est pas pris en charge"),
        ("sqlite:///var/status.sqlite3", "schéma « sqlite:// »"),
        ("postgresql:///kb", "ne nomme aucun serveur"),
    ],
)
def test_a_database_url_of_another_kind_is_refused_at_start(tmp_path: Path, url: str, says: str) -> None:
    result = run_cli("serve", "--port", "1", env={"STATUS_API_DB": url, "STATUS_API_TOKEN": TOKEN})
    assert result.returncode == 1
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path("postgresql:").exists() and not Path("mysql:").exists()


def test_an_unreachable_database_stops_the_start_saying_so(tmp_path: Path) -> None:
    url = "postgresql://kb:s3cret@127.0.0.1:1/kb"
    # A free port to listen on: the service binds it before it opens the database (port 1 is root's alone).
    result = run_cli("serve", "--port", str(free_port()), env={"STATUS_API_DB": url, "STATUS_API_TOKEN": TOKEN})
    assert result.returncode == 1
    assert "base de données inutilisable : aucune connexion à PostgreSQL" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_two_instances_starting_together_migrate_once(pg_url: str) -> None:
    from status_api.storage.postgres import PostgresStore

    opened: list[PostgresStore] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(PostgresStore(pg_url, listen=False))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in opened:
        store.close()
    assert errors == [] and len(opened) == 4


@pytest.fixture
def own_cluster() -> Any:
    """A PostgreSQL server of this test alone, which it may stop and start."""
    yield from start_cluster()


def test_postgresql_stopped_then_started_the_service_recovers_by_itself(
    own_cluster: Cluster, tmp_path: Path, kb: KnowledgeBase
) -> None:
    env = {
        **os.environ,
        "STATUS_API_DB": own_cluster.new_database(),
        "STATUS_API_TOKEN": TOKEN,
        "KB_DATA_DIR": str(DATA),
        "STATUS_API_RATE_LIMIT": "off",
    }
    server = serve(env, tmp_path / "server.log")
    try:
        _put(server, kb)
        assert _lookup(server).status_code == 200
        own_cluster.stop()
        for _ in range(2):
            down = _lookup(server)
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "unavailable" and int(down.headers["retry-after"]) > 0
        ready = httpx2.get(f"{server.url}/readyz", timeout=30)
        assert ready.status_code == 503 and "retry-after" in ready.headers
        own_cluster.start()
        _within(15.0, lambda: _lookup(server).status_code == 200)
        assert httpx2.get(f"{server.url}/readyz", timeout=10).status_code == 200
        _put(server, kb, step=kb.process.steps[1].id)
        assert _lookup(server).json()["step"]["id"] == kb.process.steps[1].id
    finally:
        log = server.stop()
    assert "Traceback" not in log


def test_a_database_migrated_by_a_newer_version_is_refused(pg_url: str, pg_cluster: Cluster) -> None:
    from status_api.domain.errors import DomainError
    from status_api.storage.postgres import PostgresStore
    from status_api.storage.postgres.schema import VERSION

    PostgresStore(pg_url, listen=False).close()
    PostgresStore(pg_url, listen=False).close()  # a second start finds the schema up to date
    database = pg_url.rsplit("/", 1)[1]
    assert pg_cluster.execute("SELECT version FROM schema_version", database) == [(VERSION,)]
    pg_cluster.execute(f"UPDATE schema_version SET version = {VERSION + 1:d}", database)
    with pytest.raises(DomainError, match="newer"):
        PostgresStore(pg_url, listen=False)


def test_a_version_1_database_gets_impact_helpdesk_at_and_votes_keeping_its_rows(pg_url: str) -> None:
    """A database of the first release (tickets and incidents, none of the later columns) is migrated at
    start: its rows read as before, at no impact and with nothing applied from a helpdesk."""
    import psycopg

    from status_api.domain.records import Incident, Ticket, Vote
    from status_api.storage.postgres import PostgresStore
    from status_api.storage.postgres.schema import MIGRATIONS, VERSION

    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement.encode())
        conn.execute(b"CREATE TABLE schema_version (version integer NOT NULL)")
        conn.execute(b"INSERT INTO schema_version (version) VALUES (1)")
        conn.execute(
            b"INSERT INTO tickets (reference, issue_type, step, team, opened_at, prioritised, skipped_steps)"
            b" VALUES ('RGV-1', 'type', 'etape', 'equipe', now(), false, '{}')"
        )
        conn.execute("INSERT INTO call_ids (call_id, reference, position) VALUES (%s, 'RGV-1', 0)", (CALL_ID,))
        conn.execute(
            b"INSERT INTO incidents (reference, title, services, state, started_at)"
            b" VALUES ('INC-1', 'Titre', '{sms}', 'en-cours', now())"
        )
    store = PostgresStore(pg_url, listen=False)
    try:
        ticket = store.by_call_id(CALL_ID)
        assert ticket is not None and ticket.reference == "RGV-1" and ticket.helpdesk_at is None
        incident = store.get(Incident, "INC-1")
        assert incident is not None and incident.title == "Titre" and incident.impact is None
        assert store.get(Ticket, "RGV-1") == ticket
        assert store.votes() == []
        store.add_vote(Vote(page="/", useful=True, at=ticket.opened_at))
        assert len(store.votes()) == 1
        with store.connection() as conn:
            assert conn.execute("SELECT version FROM schema_version").fetchall() == [(VERSION,)]
    finally:
        store.close()


def test_one_comment_key_sent_to_two_instances_at_once_attaches_one_comment(pg_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from status_api.domain.records import Vote
    from status_api.storage.postgres import PostgresStore
    from tests.status_api.helpers import NOW

    instances = [PostgresStore(pg_url, listen=False) for _ in range(2)]
    rounds = 30
    try:
        for n in range(rounds):
            instances[0].add_vote(Vote(page=f"/page-{n}/", useful=False, at=NOW), comment_key=f"key-{n}")
        together = threading.Barrier(2)

        def comment(instance: int, n: int) -> str | None:
            together.wait()
            return instances[instance].add_comment(f"key-{n}", f"Commentaire {instance}", since=NOW)

        with ThreadPoolExecutor(2) as pool:
            for n in range(rounds):
                answers = list(pool.map(comment, (0, 1), (n, n)))
                assert sorted(answers, key=str) == [f"/page-{n}/", None], (n, answers)
        votes = instances[1].votes()
        assert len(votes) == rounds and all(v.comment in ("Commentaire 0", "Commentaire 1") for v in votes)
    finally:
        for store in instances:
            store.close()


def test_every_connection_in_use_is_busy_not_an_outage(pg_url: str) -> None:
    from status_api.domain.errors import StoreBusy
    from status_api.storage.postgres import PostgresStore

    store = PostgresStore(pg_url, listen=False, connections=1, timeout=0.5)
    try:
        with store.connection(), pytest.raises(StoreBusy):
            store.by_call_id("12345678901234567890")
        assert store.by_call_id("12345678901234567890") is None  # and served again once one is free
    finally:
        store.close()


def test_one_new_call_id_claimed_on_two_instances_at_once_goes_to_one_ticket(pg_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from status_api.domain.errors import CallIdTaken
    from status_api.domain.records import Ticket
    from status_api.storage.postgres import PostgresStore
    from tests.status_api.helpers import NOW

    instances = [PostgresStore(pg_url, listen=False) for _ in range(2)]
    rounds = 30
    try:
        together = threading.Barrier(2)

        def claim(instance: int, n: int) -> str:
            ticket = Ticket.model_validate(
                {
                    "reference": f"RGV-{n}-{instance}",
                    "issue_type": "type",
                    "step": "etape",
                    "team": "equipe",
                    "opened_at": NOW,
                    "call_ids": [f"{n:020d}"],
                }
            )
            together.wait()
            try:
                instances[instance].put(Ticket, ticket.reference, lambda current: ticket)
            except CallIdTaken as taken:
                return f"taken by {taken.reference}"
            return "created"

        with ThreadPoolExecutor(2) as pool:
            for n in range(rounds):
                answers = list(pool.map(claim, (0, 1), (n, n)))
                # Never "busy, retry": the loser is told at once who has the call ID.
                assert sorted(answers) == ["created", f"taken by RGV-{n}-{answers.index('created')}"], (n, answers)
                owner = instances[1].by_call_id(f"{n:020d}")
                assert owner is not None and owner.reference == f"RGV-{n}-{answers.index('created')}"
    finally:
        for store in instances:
            store.close()


def test_an_instance_killed_in_the_middle_of_writes_leaves_nothing_half_written(
    instances: Serve, kb: KnowledgeBase, pg_url: str, pg_cluster: Cluster
) -> None:
    writer = instances()
    references = [f"RGV-K{n}" for n in range(10)]
    for n, reference in enumerate(references):
        _put(writer, kb, reference, call_ids=[f"3000000000000000{n:04d}"])
    acknowledged: list[str] = []
    stop = threading.Event()

    def write(thread: int) -> None:
        with httpx2.Client(base_url=writer.url, headers=AUTH, timeout=5) as http:
            for n in range(10_000):
                if stop.is_set():
                    return
                key = f"kill-{thread}-{n}"
                reference = references[(thread + n) % len(references)]
                try:
                    answer = http.post(
                        f"/api/v1/tickets/{reference}/updates",
                        json={"text": f"Point {thread}-{n}"},
                        headers={"Idempotency-Key": key},
                    )
                except httpx2.HTTPError:
                    return  # the server is gone
                if answer.status_code == 201:
                    acknowledged.append(key)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    _within(30, lambda: len(acknowledged) >= 200)
    writer.process.kill()  # SIGKILL: no shutdown, transactions cut wherever they are
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    writer.process.wait(timeout=15)

    database = pg_url.rsplit("/", 1)[1]
    # Each update wrote its row, its key and the ticket's count in one transaction: all of it or none.
    counts = pg_cluster.execute(
        "SELECT t.reference, t.update_count, (SELECT count(*) FROM updates u WHERE u.reference = t.reference),"
        " (SELECT count(*) FROM idempotency i WHERE i.subject = 'ticket' AND i.reference = t.reference)"
        " FROM tickets t",
        database,
    )
    assert len(counts) == len(references)
    for reference, count, rows, keys in counts:
        assert count == rows == keys, (reference, count, rows, keys)
    kept = {str(key) for (key,) in pg_cluster.execute("SELECT key FROM idempotency", database)}
    assert set(acknowledged) <= kept  # whatever was answered 201 is there
    # A new instance serves the same database at once.
    reader = instances()
    assert _lookup(reader, "30000000000000000003").status_code == 200


def test_each_budget_forgets_only_its_own_clients(pg_url: str, pg_cluster: Cluster) -> None:
    from status_api.http.routes.subscriptions import ADDRESS_LIMITS
    from status_api.storage.postgres import PostgresBudgets, PostgresStore
    from status_api.storage.postgres.budgets import _FORGET_EVERY

    store = PostgresStore(pg_url, listen=False)
    try:
        lookups = PostgresBudgets(store, Limits(lookups=Rate(10, 60), burst=5, misses=Rate(10, 60)), "lookups")
        addresses = PostgresBudgets(store, ADDRESS_LIMITS, "addresses")
        assert [addresses.take("address:abc") for _ in range(3)] == [0.0, 0.0, 0.0]
        assert addresses.take("address:abc") > 0
        # An hour later the lookups' rows are long full, and theirs are forgotten; the address's are not, whose
        # budget takes a day to refill.
        database = pg_url.rsplit("/", 1)[1]
        pg_cluster.execute("UPDATE budgets SET at = at - 3600", database)
        for n in range(_FORGET_EVERY):
            lookups.take(f"198.51.100.{n % 200}")
        assert addresses.take("address:abc") > 0
        assert pg_cluster.execute("SELECT client FROM budgets WHERE client LIKE 'addresses:%'", database) == [
            ("addresses:address:abc",)
        ]
    finally:
        store.close()
