"""The use cases: every front door (routes, CLI, importers, webhooks) calls these, and only these write.

Each validates its input, applies it in one transaction of the store, and raises the domain's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kb_build.model import KnowledgeBase
from status_api.domain.payloads import Validator
from status_api.domain.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Core:
    """What the use cases work with: the knowledge base, the store and the clock."""

    kb: KnowledgeBase
    store: Store
    clock: Callable[[], datetime] = utc_now
    validate: Validator = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "validate", Validator(self.kb))
