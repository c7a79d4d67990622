"""The Store contract's part on the helpdesks' inbox, on both backends: each delivery kept once, claimed in
arrival order by one holder at a time, applied once, forgotten after its retention."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from status_api.domain.helpdesk import HelpdeskChange
from status_api.domain.store import Store
from tests.status_api.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _change(delivery: str, ticket: str = "1", comment: str | None = None) -> HelpdeskChange:
    return HelpdeskChange(ticket=ticket, delivery=delivery, at=NOW, step="examen-technique", comment=comment)


def test_a_delivery_is_kept_once_by_its_source_and_id(store: Store) -> None:
    assert store.receive("zendesk", "ZD-1", _change("d-1"), NOW)
    assert not store.receive("zendesk", "ZD-1", _change("d-1", comment="retried"), NOW)
    assert store.receive("generic", "HD-1", _change("d-1"), NOW)  # another helpdesk's id space
    claimed = store.claim_received(NOW, 30, 10)
    assert [(r.source, r.reference) for r in claimed] == [("zendesk", "ZD-1"), ("generic", "HD-1")]
    assert claimed[0].change == _change("d-1")  # the first one kept, as it came


def test_claims_come_in_arrival_order_held_for_the_lease_and_applied_once(store: Store) -> None:
    for n in range(5):
        store.receive("zendesk", f"ZD-{n}", _change(f"d-{n}", str(n)), NOW)
    first = store.claim_received(NOW, 30, 3)
    assert [r.change.delivery for r in first] == ["d-0", "d-1", "d-2"]
    # Held: another claim meanwhile gets the rest only.
    assert [r.change.delivery for r in store.claim_received(NOW, 30, 10)] == ["d-3", "d-4"]
    assert store.claim_received(NOW + timedelta(seconds=29), 30, 10) == []
    store.applied([(first[0].id, "created"), (first[1].id, "refused")], NOW)
    assert store.received_outcome("zendesk", "d-0") == "created"
    assert store.received_outcome("zendesk", "d-1") == "refused"
    assert store.received_outcome("zendesk", "d-2") is None  # claimed, not applied
    # The lease over (its holder died): what was not applied is given again, what was never is.
    again = store.claim_received(NOW + timedelta(seconds=31), 30, 10)
    assert [r.change.delivery for r in again] == ["d-2", "d-3", "d-4"]


def test_applied_deliveries_are_forgotten_after_the_retention_and_pending_ones_never(store: Store) -> None:
    store.receive("zendesk", "ZD-1", _change("old"), NOW)
    store.receive("zendesk", "ZD-2", _change("pending", "2"), NOW)
    (old, _pending) = store.claim_received(NOW, 30, 10)
    store.applied([(old.id, "updated")], NOW)
    store.purge_received(NOW + timedelta(seconds=1))
    assert store.received_outcome("zendesk", "old") is None
    assert store.receive("zendesk", "ZD-1", _change("old"), NOW)  # a retry after that is kept again
    assert not store.receive("zendesk", "ZD-2", _change("pending", "2"), NOW)


def test_two_stores_claiming_at_once_share_the_deliveries_without_overlap(new_store: Callable[..., Store]) -> None:
    stores = [new_store(), new_store()]
    for n in range(60):
        stores[0].receive("zendesk", f"ZD-{n}", _change(f"d-{n}", str(n)), NOW)

    def drain(store: Store) -> list[str]:
        taken = []
        while claimed := store.claim_received(NOW, 30, 4):
            taken += [r.change.delivery for r in claimed]
        return taken

    with ThreadPoolExecutor(4) as pool:
        shares = list(pool.map(drain, [*stores, *stores]))
    every = [delivery for share in shares for delivery in share]
    assert sorted(every) == sorted(f"d-{n}" for n in range(60))
