"""Schemathesis over HTTP against `status-api serve`, every check on every operation: the document is trusted.

test_fuzz_api.py fuzzes the app in process and checks its answers; this one checks the document too, as an
integrator relies on it: what it calls valid is accepted (positive_data_acceptance) and what it calls invalid
is refused (negative_data_rejection). Two things are not the document's to say, and are left out of the
valid requests generated: a date before another in the same body, or a maintenance's end already past (JSON
Schema cannot compare values, nor knows the time; the fields' descriptions say it), and If-None-Match: *
meeting an existing record (412, a precondition the client set, documented on the operation). Nor is an
Idempotency-Key that an earlier generated request used with
another body (422 idempotency_conflict, the client's own key): each valid request gets a key of its own. A
body refused for its size (413) is a right refusal of an invalid one.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.status_api.helpers import AUTH, TOKEN, Server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
EXPLORE = "FUZZ_EXAMPLES" in os.environ
# Room for a request's way to the service: an end this close to now may be past when it arrives.
_MARGIN = timedelta(minutes=5)
_CONFIG: dict[str, Any] = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"],
        },
        # Schemathesis's list, and 413: a body past the documented sizes is refused for its size.
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"],
        },
    }
}
_ORDERED = (("opened_at", "resolved_at"), ("started_at", "ended_at"))
# A maintenance's window ends strictly after its start, and in the future (window_in_past): the clock's to say.
_STRICTLY_ORDERED = (("starts_at", "ends_at"),)
_AHEAD = ("ends_at",)
_FUTURE_YEAR = "2196"


def _in_order(case: schemathesis.Case) -> bool:
    body = case.body if isinstance(case.body, dict) else {}
    for first, then in _ORDERED + _STRICTLY_ORDERED:
        if not (isinstance(body.get(first), str) and isinstance(body.get(then), str)):
            continue
        start, end = datetime.fromisoformat(body[first]), datetime.fromisoformat(body[then])
        if end < start or (end == start and (first, then) in _STRICTLY_ORDERED):
            return False
    return not any(isinstance(body.get(name), str) and _past(body[name]) for name in _AHEAD)


def _past(moment: str) -> bool:
    return datetime.fromisoformat(moment) <= datetime.now(UTC) + _MARGIN


def _ahead(case: schemathesis.Case) -> schemathesis.Case:
    """A window generated in the past, moved to a year ahead (a leap year, so that 29 February stays a date):
    generated dates cluster around 2000, and filtering them out would leave almost no valid maintenance; and
    dates that must follow one another put in order."""
    body = case.body if isinstance(case.body, dict) else {}
    if any(isinstance(body.get(name), str) and _past(body[name]) for name in _AHEAD):
        for name in (*_AHEAD, *(first for first, then in _STRICTLY_ORDERED)):
            if isinstance(body.get(name), str):
                body[name] = _FUTURE_YEAR + body[name][4:]
    # Two dates drawn apart come out of order half the time, and often equal: the later one is set after the
    # first (filtering them out instead can leave no valid case at all, as it did for maintenances' windows).
    for first, then in _ORDERED + _STRICTLY_ORDERED:
        if isinstance(body.get(first), str) and isinstance(body.get(then), str):
            start, end = datetime.fromisoformat(body[first]), datetime.fromisoformat(body[then])
            strict = (first, then) in _STRICTLY_ORDERED
            if (end < start or (strict and end == start)) and start.year < 9999:  # the filter drops the rest
                body[then] = (start + (timedelta(hours=1) if strict else timedelta())).isoformat()
    return case


def test_the_document_says_what_the_service_accepts(start_server: Callable[..., Server]) -> None:
    server = start_server(
        STATUS_API_TOKEN=TOKEN,
        STATUS_API_LOOKUP_FLOOR_MS="0",
        STATUS_API_ZENDESK_SECRET="fuzz-zendesk-signing-secret-4f1c9a",
        STATUS_API_HOOK_SECRET="fuzz-generic-hook-secret-7be20d",
    )
    config = SchemathesisConfig.from_dict(_CONFIG)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/openapi.json", config=config)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # An operation without any input has no invalid request to make.
        modes = [GenerationMode.POSITIVE]
        if operation.body or operation.path_parameters or operation.headers or operation.query:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                _fuzz(operation, mode, server.url, statuses)
            except Exception as error:  # every operation is tried; the failures are listed together
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}):\n{error}")
    print(f"statuses {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures)
    assert not [status for status in statuses if status >= 500]


def _fuzz(operation: Any, mode: GenerationMode, base_url: str, statuses: Counter[int]) -> None:
    strategy = operation.as_strategy(mode)
    if mode is GenerationMode.POSITIVE:
        strategy = strategy.map(_ahead).filter(_in_order)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not EXPLORE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        if mode is GenerationMode.POSITIVE and case.headers and "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        # Staff's token on every request, as an integrator sends it; the auth checks then try without it and
        # with a wrong one.
        response = case.call(base_url=base_url, headers=AUTH, timeout=30)
        statuses[response.status_code] += 1
        case.validate_response(response, headers=AUTH, transport_kwargs={"base_url": base_url, "headers": AUTH})

    run()


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ({"opened_at": "2026-11-24T12:00:00Z", "resolved_at": "2026-11-24T13:00:00Z"}, True),
        ({"opened_at": "2026-11-24T12:00:00Z", "resolved_at": "2026-11-24T11:00:00Z"}, False),
        ({"started_at": "2026-11-24T12:00:00+01:00", "ended_at": "2026-11-24T11:30:00Z"}, True),
        ({"started_at": "2026-11-24T12:00:00Z", "ended_at": None}, True),
        ({"starts_at": "2199-01-01T10:00:00Z", "ends_at": "2199-01-01T10:00:00Z"}, False),
        ({"starts_at": "2199-01-01T10:00:00Z", "ends_at": "2199-01-01T11:00:00Z"}, True),
        ({"ends_at": "2001-01-01T10:00:00Z"}, False),
    ],
)
def test_only_bodies_in_date_order_are_left_as_valid(body: dict[str, Any], kept: bool) -> None:
    class Case:
        pass

    case = Case()
    case.body = body  # type: ignore[attr-defined]
    assert _in_order(case) is kept  # type: ignore[arg-type]
