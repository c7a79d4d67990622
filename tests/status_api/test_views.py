from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kb_build.model import IssueType, KnowledgeBase
from status_api.domain.records import Ticket, Update
from status_api.views.tickets import ticket_view
from tests.status_api.helpers import CALL_ID, NOW


def _ordinary(kb: KnowledgeBase) -> IssueType:
    return next(t for t in kb.issue_types.issue_types if not t.prioritised and not kb.timeline(t.timeline).prioritised)


def _prioritised(kb: KnowledgeBase) -> IssueType:
    return next(t for t in kb.issue_types.issue_types if t.prioritised)


def _ticket(kb: KnowledgeBase, **fields: Any) -> Ticket:
    values: dict[str, Any] = {
        "reference": "RGV-1",
        "issue_type": _ordinary(kb).id,
        "step": kb.process.steps[0].id,
        "team": kb.process.steps[0].team,
        "opened_at": NOW - timedelta(hours=1),
        "call_ids": (CALL_ID,),
    }
    values.update(fields)
    return Ticket(**values)


def _states(kb: KnowledgeBase, ticket: Ticket) -> list[str]:
    return [step.state for step in ticket_view(ticket, kb, NOW).progress]


def test_a_new_ticket_is_at_the_first_step_with_the_others_ahead(kb: KnowledgeBase) -> None:
    view = ticket_view(_ticket(kb), kb, NOW)
    assert [s.id for s in view.progress] == [s.id for s in kb.process.steps]
    assert [s.title for s in view.progress] == [s.title for s in kb.process.steps]
    assert _states(kb, _ticket(kb)) == ["current"] + ["upcoming"] * (len(kb.process.steps) - 1)
    assert view.step.title == kb.process.steps[0].title


def test_steps_before_the_current_one_are_done(kb: KnowledgeBase) -> None:
    steps = kb.process.steps
    states = _states(kb, _ticket(kb, step=steps[3].id))
    assert states == ["done", "done", "done", "current", "upcoming", "upcoming"][: len(steps)]


def test_an_optional_step_passed_over_is_skipped(kb: KnowledgeBase) -> None:
    steps = kb.process.steps
    optional = next(i for i, s in enumerate(steps) if s.optional)
    ticket = _ticket(kb, step=steps[optional + 1].id, skipped_steps=(steps[optional].id,))
    states = _states(kb, ticket)
    assert states[optional] == "skipped"
    assert states[:optional] == ["done"] * optional
    assert states[optional + 1] == "current"


def test_a_resolved_ticket_has_every_step_done_and_no_next_update(kb: KnowledgeBase) -> None:
    resolved_at = NOW - timedelta(minutes=10)
    last = kb.process.steps[-1]
    ticket = _ticket(kb, step=last.id, team=last.team, resolved_at=resolved_at, opened_at=NOW - timedelta(days=60))
    view = ticket_view(ticket, kb, NOW)
    assert set(_states(kb, ticket)) == {"done"}
    assert view.resolved is not None and view.resolved.at == resolved_at
    assert view.next_update is None
    assert view.window is not None and not view.window.passed  # no "overdue" wording once resolved


def test_at_the_last_step_but_not_resolved_the_step_is_current(kb: KnowledgeBase) -> None:
    ticket = _ticket(kb, step=kb.process.steps[-1].id)
    view = ticket_view(ticket, kb, NOW)
    assert _states(kb, ticket)[-1] == "current"
    assert view.resolved is None
    assert view.next_update is not None


def test_the_window_is_the_opening_date_plus_the_timeline_bounds(kb: KnowledgeBase) -> None:
    opened = NOW - timedelta(hours=1)
    timeline = kb.timeline(_ordinary(kb).timeline)
    view = ticket_view(_ticket(kb, opened_at=opened), kb, NOW)
    assert view.window is not None
    assert view.window.start.at == opened + timeline.min
    assert view.window.end.at == opened + timeline.max
    assert view.window.label == timeline.label
    assert not view.window.passed
    assert view.window.start.at.tzinfo is not None
    assert str(view.window.start.at.tzinfo) == kb.site.timezone


def test_the_window_has_passed_once_its_end_is_behind_us(kb: KnowledgeBase) -> None:
    timeline = kb.timeline(_ordinary(kb).timeline)
    view = ticket_view(_ticket(kb, opened_at=NOW - timeline.max - timedelta(minutes=1)), kb, NOW)
    assert view.window is not None and view.window.passed


def test_a_disruption_is_prioritised_by_its_issue_type_or_by_the_ticket(kb: KnowledgeBase) -> None:
    assert ticket_view(_ticket(kb, issue_type=_prioritised(kb).id), kb, NOW).prioritised
    assert ticket_view(_ticket(kb, prioritised=True), kb, NOW).prioritised
    assert not ticket_view(_ticket(kb), kb, NOW).prioritised


def test_the_next_update_is_due_one_cadence_after_the_last_update(kb: KnowledgeBase) -> None:
    issue_type = _ordinary(kb)
    cadence = next(c for c in kb.communication.cadence if c.timeline == issue_type.timeline)
    opened = NOW - timedelta(hours=1)
    view = ticket_view(_ticket(kb, opened_at=opened), kb, NOW)
    assert view.next_update is not None
    assert view.next_update.at.at == opened + cadence.every
    assert view.next_update.wording == cadence.wording
    assert not view.next_update.late

    last = NOW - timedelta(minutes=5)
    updates = (Update(at=opened, text="a"), Update(at=last, text="b"))
    view = ticket_view(_ticket(kb, opened_at=opened, updates=updates), kb, NOW)
    assert view.next_update is not None and view.next_update.at.at == last + cadence.every


def test_a_next_update_past_its_date_is_late(kb: KnowledgeBase) -> None:
    cadence = next(c for c in kb.communication.cadence if c.timeline == _ordinary(kb).timeline)
    view = ticket_view(_ticket(kb, opened_at=NOW - cadence.every - timedelta(minutes=1)), kb, NOW)
    assert view.next_update is not None and view.next_update.late


def test_updates_newest_first_with_the_step_and_team_they_moved_to(kb: KnowledgeBase) -> None:
    step, team = kb.process.steps[1], kb.escalation.teams[1]
    updates = (
        Update(at=NOW - timedelta(minutes=50), text="premier"),
        Update(at=NOW - timedelta(minutes=10), text="deuxième", step=step.id, team=team.id),
    )
    view = ticket_view(_ticket(kb, updates=updates), kb, NOW)
    assert [u.text for u in view.updates] == ["deuxième", "premier"]
    assert view.updates[0].step is not None and view.updates[0].step.title == step.title
    assert view.updates[0].team is not None and view.updates[0].team.name == team.name
    assert view.updates[1].step is None


def test_the_team_is_named_from_the_yaml_and_the_issue_type_links_to_its_page(kb: KnowledgeBase) -> None:
    team = kb.escalation.teams[-1]
    view = ticket_view(_ticket(kb, team=team.id), kb, NOW)
    assert view.team.name == team.name
    assert view.issue_type.title == _ordinary(kb).title
    assert view.issue_type.url == f"/types-de-problemes/{_ordinary(kb).id}/"


def test_dates_are_written_in_french(kb: KnowledgeBase) -> None:
    view = ticket_view(_ticket(kb, opened_at=datetime.fromisoformat("2026-11-24T13:05:00+00:00")), kb, NOW)
    assert view.opened.text == "mardi 24\u00a0novembre 2026 à 14\u00a0h\u00a005"


def test_ids_removed_from_the_yaml_since_do_not_break_the_view(kb: KnowledgeBase) -> None:
    ticket = _ticket(kb, issue_type="ancien-type", step="ancienne-etape", team="ancienne-equipe")
    view = ticket_view(ticket, kb, NOW)
    assert view.step.title == "ancienne-etape"
    assert view.team.name == "ancienne-equipe"
    assert view.issue_type.url is None
    assert view.window is None and view.next_update is None
    assert set(_states(kb, ticket)) == {"upcoming"}


def test_the_view_carries_no_call_id_nor_contact_data(kb: KnowledgeBase) -> None:
    dumped = ticket_view(_ticket(kb, updates=(Update(at=NOW, text="ok"),)), kb, NOW).model_dump_json()
    assert CALL_ID not in dumped
    assert "call_id" not in dumped
    assert "@" not in dumped


def test_the_latest_updates_are_shown_and_the_older_ones_counted(kb: KnowledgeBase) -> None:
    shown = kb.tracking.updates_shown
    updates = tuple(Update(at=NOW - timedelta(minutes=50 - n), text=f"u{n}") for n in range(shown + 3))
    view = ticket_view(_ticket(kb, updates=updates, update_count=40), kb, NOW)
    assert [u.text for u in view.updates] == [f"u{n}" for n in reversed(range(3, shown + 3))]
    assert view.older_updates == 40 - shown
    assert ticket_view(_ticket(kb, updates=updates[:2], update_count=2), kb, NOW).older_updates == 0
