"""Property-based fuzzing of every operation of the OpenAPI document, in process: no 5xx, answers as documented.

Schemathesis generates requests from the document, both valid ones (positive) and ones that break it
(negative), and checks each answer: not a server error, a documented status, content type, headers and body
schema, and, for the negative ones, a 4xx. `make test` runs FUZZ_EXAMPLES (200) of each kind per operation,
the same ones every run; `make fuzz` runs thousands, new ones each time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kb_build import load
from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.app import create_app
from status_api.config import Settings
from status_api.http.openapi import openapi_document
from status_api.storage import SQLiteStore
from tests.status_api.helpers import AUTH, DATA, NOW, TOKEN, ticket_body

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
# The same cases at every `make test`, so that the suite cannot fail by chance; `make fuzz` explores.
EXPLORE = "FUZZ_EXAMPLES" in os.environ
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
OPERATIONS = [
    (method.upper(), path)
    for path, item in openapi_document(load(DATA))["paths"].items()
    for method in item
    if method in ("get", "put", "post", "delete")
]


def _takes_input(operation: dict[str, Any], path_item: dict[str, Any]) -> bool:
    return bool(operation.get("requestBody") or operation.get("parameters") or path_item.get("parameters"))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_as_documented(kb: KnowledgeBase, tmp_path: Path, method: str, path: str) -> None:
    store = SQLiteStore(tmp_path / "status.sqlite3")
    # Rate limits off: the fuzzer calls from one address far faster than any customer (429 is tested apart).
    # The webhooks configured, as deployed: the fuzzer's unsigned deliveries meet their signature checks.
    settings = Settings(
        token=TOKEN,
        limits=None,
        lookup_floor=0,
        zendesk_secret="fuzz-zendesk-signing-secret-4f1c9a",
        hook_secret=HOOK_SECRET,
    )
    app = create_app(settings, kb, store, clock=lambda: NOW)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=SchemathesisConfig.from_dict(_SIZES))
    operation = schema[path][method]
    document = openapi_document(kb)["paths"][path]
    modes = [GenerationMode.POSITIVE]
    if _takes_input(document[method.lower()], document):
        modes.append(GenerationMode.NEGATIVE)
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    try:
        _with_tickets(schema, kb)
        for mode in modes:
            _fuzz(operation, mode, cases, statuses)
    finally:
        store.close()
    print(f"{method} {path}: {dict(cases)} cases, statuses {dict(sorted(statuses.items()))}")
    assert not [status for status in statuses if status >= 500]
    if len(modes) == 2:
        # Operations without any input have a single possible request; the others get their hundreds.
        assert sum(cases.values()) >= EXAMPLES, cases


HOOK_SECRET = "fuzz-generic-hook-secret-7be20d"
# Schemathesis's list, and 413: past the body's documented sizes (a comment of 5,000 characters, each
# escaped as \uXXXX; a tracking form's fields), a body may be refused for its size before it is read, a right
# refusal (as in test_fuzz_http.py).
_SIZES = {
    "checks": {
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
        }
    }
}
_Scope = MutableMapping[str, Any]
_Message = MutableMapping[str, Any]
_App = Callable[[_Scope, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]], Awaitable[None]]


def test_signed_generic_deliveries_answer_as_documented(kb: KnowledgeBase, tmp_path: Path) -> None:
    """The generic webhook's bodies fuzzed past its signature: signed on the way in, as a helpdesk would."""
    store = SQLiteStore(tmp_path / "status.sqlite3")
    settings = Settings(token=TOKEN, limits=None, lookup_floor=0, hook_secret=HOOK_SECRET)
    app = _signing(create_app(settings, kb, store, clock=lambda: NOW))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=SchemathesisConfig.from_dict(_SIZES))
    operation = schema[SERVICE.generic_hook]["POST"]
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    try:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, cases, statuses)
    finally:
        store.close()
    print(f"signed POST {SERVICE.generic_hook}: {dict(cases)} cases, statuses {dict(sorted(statuses.items()))}")
    assert not [status for status in statuses if status >= 500]
    # The bodies did get past the signature: some were accepted into the inbox, some refused by the model.
    assert statuses[202] and statuses[422], statuses


def _signing(app: _App) -> _App:
    """`app`, the generic webhook's deliveries signed first: a well-formed timestamp becomes the service's now
    (a malformed or missing one is left, to be refused), and the signature is computed from the documented
    formula over the body as sent."""

    async def signed(scope: _Scope, receive: Callable[[], Awaitable[_Message]], send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != SERVICE.generic_hook:
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        names = (b"x-status-signature", b"x-status-timestamp")
        given = dict(scope["headers"]).get(b"x-status-timestamp")
        if b"x-status-signature" not in dict(scope["headers"]):  # a request without one stays without
            await app(scope, _replaying(body, receive), send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name not in names]
        timestamp = given
        if given is not None and re.fullmatch(rb"[0-9]{1,12}", given):
            timestamp = str(int(NOW.timestamp())).encode()
        if timestamp is not None:
            headers.append((b"x-status-timestamp", timestamp))
        digest = hmac.new(HOOK_SECRET.encode(), (timestamp or b"") + b"." + body, hashlib.sha256).hexdigest()
        headers.append((b"x-status-signature", f"sha256={digest}".encode()))
        await app({**scope, "headers": headers}, _replaying(body, receive), send)

    return signed


def _replaying(body: bytes, receive: Callable[[], Awaitable[_Message]]) -> Callable[[], Awaitable[_Message]]:
    sent = False

    async def replay() -> _Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _fuzz(operation: Any, mode: GenerationMode, cases: Counter[str], statuses: Counter[int]) -> None:
    checks = [*CHECKS, negative_data_rejection] if mode.is_negative else CHECKS

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not EXPLORE,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode, headers=dict(AUTH)))
    def run(case: schemathesis.Case) -> None:
        cases[mode.value] += 1
        response = case.call()
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks)

    run()


def _with_tickets(schema: Any, kb: KnowledgeBase) -> None:
    """A few tickets, so that the fuzzer's references and call IDs sometimes meet existing ones."""
    for n in range(3):
        case = schema["/api/v1/tickets/{reference}"]["PUT"].Case(
            path_parameters={"reference": f"RGV-{n}"},
            headers=dict(AUTH),
            body=ticket_body(kb, call_ids=[f"2026112412000000000{n}"]),
            media_type="application/json",
        )
        assert case.call().status_code in (200, 201)
