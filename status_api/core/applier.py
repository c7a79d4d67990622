"""The task that empties the helpdesks' inbox: it claims the deliveries the webhooks accepted, in the order
they came, applies each with core/helpdesk.apply and records its outcome.

It runs beside the requests (core/rounds.py, started in the app's lifespan like the outbox's sender);
the webhooks wake it as soon as they accept a delivery, and it looks every second anyway. Every instance runs
one; the store's claim gives each delivery to one of them (see storage/inbox.py). A delivery accepted and
not yet applied when the service stops (or dies) is still in the inbox: the next applier applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from status_api.core import Core, helpdesk
from status_api.core.rounds import Rounds
from status_api.domain import callid
from status_api.domain.errors import DomainError, StoreUnavailable
from status_api.domain.helpdesk import Received

logger = logging.getLogger("status_api.helpdesk")

# How long an instance holds what it claimed: far longer than applying a batch, so that nobody else applies it
# meanwhile; an instance that dies gives its claims back this much later.
LEASE = 30.0
BATCH = 50
# Applied deliveries keep their id this long: a retry of one by the helpdesk is answered "duplicate".
KEEP_APPLIED = timedelta(days=7)


class Applier(Rounds):
    name = "helpdesk applier"

    def __init__(self, core: Core, clock: Callable[[], datetime]) -> None:
        super().__init__(logger)
        self._core = core
        self._clock = clock
        self._purged: datetime | None = None

    def once(self) -> bool:
        """One round: what awaits claimed and applied; True when there was something."""
        store = self._core.store
        now = self._clock()
        if self._purged is None or now - self._purged > timedelta(hours=1):
            store.purge_received(now - KEEP_APPLIED)
            self._purged = now
        claimed = store.claim_received(now, LEASE, BATCH)
        outcomes: list[tuple[int, str]] = []
        try:
            for received in claimed:
                if self._stopping:
                    break  # the rest is claimed: applied after the lease, here at the next start or elsewhere
                outcomes.append((received.id, self._apply(received)))
        finally:
            # The round's outcomes in one transaction: one commit per delivery fewer. Lost with the instance
            # before that, a delivery is applied again after the lease, which changes nothing ("replayed").
            if outcomes:
                store.applied(outcomes, self._clock())
        return bool(claimed)

    def _apply(self, received: Received) -> str:
        change = received.change
        shown = f"{received.source} delivery {change.delivery[:80]} for {received.reference}"
        try:
            outcome: str = helpdesk.apply(self._core, received.reference, change)
        except StoreUnavailable:
            raise
        except DomainError as error:
            # Once answered 422 to the helpdesk; now nobody waits for the answer, so the log tells.
            logger.warning("%s: not applied: %s", shown, callid.masked_in(str(error)))
            return "refused"
        except Exception:
            logger.exception("%s: not applied", shown)
            return "failed"
        logger.info("%s: %s", shown, outcome)
        return outcome
