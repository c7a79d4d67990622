from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kb_build.model import KnowledgeBase
from status_api.domain.errors import Invalid
from status_api.domain.payloads import TicketIn, UpdateIn, Validator, fingerprint, kb_ids
from status_api.domain.records import Ticket
from status_api.domain.tickets import apply_update, ticket_from_payload
from tests.status_api.helpers import NOW, ticket_body


def _ticket(kb: KnowledgeBase, **overrides: Any) -> Ticket:
    return ticket_from_payload("RGV-1", Validator(kb)(TicketIn, ticket_body(kb, **overrides)), kb)


def _problems(kb: KnowledgeBase, **overrides: Any) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as raised:
        _ticket(kb, **overrides)
    return [(p.field, p.code) for p in raised.value.problems]


def _optional_index(kb: KnowledgeBase) -> int:
    return next(i for i, s in enumerate(kb.process.steps) if s.optional)


def test_a_valid_payload_gives_a_ticket_with_normalised_call_ids_and_the_step_team(kb: KnowledgeBase) -> None:
    ticket = _ticket(kb, call_ids=["2026 1124-1200 0000 0001", "20261124120000000002"])
    assert ticket.call_ids == ("20261124120000000001", "20261124120000000002")
    assert ticket.team == kb.process.steps[0].team
    assert ticket.opened_at.utcoffset() == timedelta(0)


def test_every_unknown_id_is_reported_with_the_allowed_values(kb: KnowledgeBase) -> None:
    with pytest.raises(Invalid) as raised:
        _ticket(kb, issue_type="panne", step="etape", team="equipe")
    problems = {p.field: p for p in raised.value.problems}
    ids = kb_ids(kb)
    assert set(problems) == {"issue_type", "step", "team"}
    assert problems["step"].code == "unknown_id"
    assert problems["step"].allowed == ids["step"]
    assert problems["issue_type"].allowed == ids["issue_type"]
    assert problems["team"].allowed == ids["team"]
    assert ", ".join(ids["step"]) in problems["step"].message
    assert "« etape »" in problems["step"].message


def test_call_ids_that_are_not_call_ids_or_repeat_are_refused(kb: KnowledgeBase) -> None:
    assert _problems(kb, call_ids=["abc"]) == [("call_ids[0]", "invalid_call_id")]
    assert _problems(kb, call_ids=["2026 1124 1200 0000 0001", "20261124120000000001"]) == [
        ("call_ids[1]", "invalid_body")
    ]
    assert _problems(kb, call_ids=[20261124120000000001]) == [("call_ids[0]", "invalid_body")]


def test_only_optional_steps_other_than_the_current_one_can_be_skipped(kb: KnowledgeBase) -> None:
    steps = kb.process.steps
    optional = steps[_optional_index(kb)].id
    assert _problems(kb, skipped_steps=[steps[0].id]) == [("skipped_steps[0]", "unknown_id")]
    assert _problems(kb, step=optional, skipped_steps=[optional]) == [("skipped_steps[0]", "invalid_body")]
    assert _ticket(kb, step=steps[-2].id, skipped_steps=[optional]).skipped_steps == (optional,)


def test_resolved_only_at_the_last_step_and_after_the_opening(kb: KnowledgeBase) -> None:
    last = kb.process.steps[-1].id
    assert _problems(kb, resolved_at=NOW.isoformat()) == [("resolved_at", "not_final_step")]
    early = (NOW - timedelta(days=3)).isoformat()
    assert _problems(kb, step=last, resolved_at=early) == [("resolved_at", "before_start")]
    assert _ticket(kb, step=last, resolved_at=NOW.isoformat()).resolved_at == NOW


@pytest.mark.parametrize("opened_at", ["2026-11-24T12:00:00", "1700000000", 1700000000, "hier", None])
def test_dates_are_iso_8601_with_a_time_zone(kb: KnowledgeBase, opened_at: object) -> None:
    problems = _problems(kb, opened_at=opened_at)
    assert problems == [("opened_at", "invalid_body")]


def test_unknown_fields_and_wrong_types_are_refused_in_french(kb: KnowledgeBase) -> None:
    with pytest.raises(Invalid) as raised:
        _ticket(kb, priority=True, prioritised="yes")
    messages = {p.field: p.message for p in raised.value.problems}
    assert messages == {"priority": "champ inconnu", "prioritised": "true ou false est attendu"}


def test_a_reference_is_a_short_plain_slug(kb: KnowledgeBase) -> None:
    for bad in ("", "-x", "a b", "é", "x" * 65, "RGV-1\n"):
        with pytest.raises(Invalid) as raised:
            ticket_from_payload(bad, Validator(kb)(TicketIn, ticket_body(kb)), kb)
        assert raised.value.problems[0].code == "invalid_reference"


def _move(kb: KnowledgeBase, ticket: Ticket, **update: Any) -> Ticket:
    return apply_update(ticket, Validator(kb)(UpdateIn, update), kb, NOW)[0]


def test_moving_forward_over_an_optional_step_marks_it_skipped(kb: KnowledgeBase) -> None:
    steps = kb.process.steps
    optional = _optional_index(kb)
    before = _ticket(kb, step=steps[optional - 1].id)
    after = _move(kb, before, step=steps[optional + 1].id)
    assert after.skipped_steps == (steps[optional].id,)
    back = _move(kb, after, step=steps[optional - 1].id)
    assert back.skipped_steps == ()
    through = _move(kb, _move(kb, back, step=steps[optional].id), step=steps[optional + 1].id)
    assert through.skipped_steps == ()


def test_a_move_goes_to_the_step_team_unless_a_team_is_named(kb: KnowledgeBase) -> None:
    steps, teams = kb.process.steps, kb.escalation.teams
    moved = _move(kb, _ticket(kb), step=steps[1].id)
    assert moved.team == steps[1].team
    assert moved.updates[-1].step == steps[1].id
    named = next(t.id for t in teams if t.id != steps[1].team)
    assert _move(kb, _ticket(kb), step=steps[1].id, team=named).team == named
    assert _move(kb, _ticket(kb), text="nouvelles").team == _ticket(kb).team


def test_resolving_needs_the_last_step(kb: KnowledgeBase) -> None:
    with pytest.raises(Invalid) as raised:
        _move(kb, _ticket(kb), resolved=True)
    assert raised.value.problems[0].field == "resolved"
    resolved = _move(kb, _ticket(kb), step=kb.process.steps[-1].id, resolved=True, text="Résolu")
    assert resolved.resolved_at == NOW
    reopened = _move(kb, resolved, step=kb.process.steps[-2].id)
    assert reopened.resolved_at is None


def test_an_update_says_something_and_comes_after_the_opening(kb: KnowledgeBase) -> None:
    with pytest.raises(Invalid):
        _move(kb, _ticket(kb))
    with pytest.raises(Invalid) as raised:
        _move(kb, _ticket(kb), text="x", at=(NOW - timedelta(days=9)).isoformat())
    assert raised.value.problems[0].field == "at"
    with pytest.raises(Invalid) as raised:
        _move(kb, _ticket(kb), text="   ")
    assert raised.value.problems[0].field == "text"


def test_the_fingerprint_is_the_request_not_the_time(kb: KnowledgeBase) -> None:
    a = Validator(kb)(UpdateIn, {"text": "x"})
    assert fingerprint(a) == fingerprint(Validator(kb)(UpdateIn, {"text": "x"}))
    assert fingerprint(a) != fingerprint(Validator(kb)(UpdateIn, {"text": "y"}))
