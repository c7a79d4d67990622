"""The demo tickets load against the real data and show every case worth showing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb_build.model import KnowledgeBase
from status_api.domain.maintenances import in_banner, phase
from status_api.domain.payloads import Validator
from status_api.importers.files import read_file
from status_api.views.incidents import service_status
from status_api.views.tickets import ticket_view
from tests.status_api.helpers import DEMO


def test_the_demo_shows_each_issue_type_and_each_case(kb: KnowledgeBase) -> None:
    now = datetime.now(UTC)
    tickets = read_file(DEMO, Validator(kb), now=now).tickets
    views = [ticket_view(ticket, kb, now) for ticket in tickets]
    assert {t.issue_type for t in tickets} == {t.id for t in kb.issue_types.issue_types}
    assert all(len(t.call_ids[0]) == 20 for t in tickets)
    assert any("skipped" in [s.state for s in v.progress] for v in views)
    assert any(v.window and v.window.passed for v in views)
    assert any(v.prioritised for v in views)
    assert any(v.resolved for v in views)
    assert any(v.window and not v.window.passed and not v.resolved for v in views)
    # Shifted to now, a demo never looks stale: every open ticket's next update is still ahead.
    assert all(v.next_update is None or not v.next_update.late for v in views)


def test_the_demo_has_an_ongoing_incident_linked_to_the_disruption_ticket_and_a_resolved_one(
    kb: KnowledgeBase,
) -> None:
    now = datetime.now(UTC)
    contents = read_file(DEMO, Validator(kb), now=now)
    ongoing = [i for i in contents.incidents if i.ongoing]
    ended = [i for i in contents.incidents if not i.ongoing]
    assert len(ongoing) == 1 and len(ended) == 1
    disruption = [t.reference for t in contents.tickets if kb.issue_type(t.issue_type).prioritised]
    assert list(ongoing[0].tickets) == disruption
    assert ended[0].ended_at is not None and timedelta(days=7) < now - ended[0].ended_at < timedelta(days=60)
    view = service_status(contents.incidents, kb, now)
    assert len(view.ongoing) == 1 and len(view.history) == 1


def test_a_customer_sees_the_demo_marked_as_examples(kb: KnowledgeBase) -> None:
    # What `make run` shows a customer: every ticket's updates and every incident's title and updates say
    # « Exemple », so that a demo never passes for a real ticket or a real outage.
    contents = read_file(DEMO, Validator(kb), now=datetime.now(UTC))
    for ticket in contents.tickets:
        assert ticket.updates, f"{ticket.reference} shows no update, so nothing marks it as an example"
        assert all(u.text and u.text.startswith("Exemple\u00a0: ") for u in ticket.updates), ticket.reference
    for incident in contents.incidents:
        assert incident.title.startswith("Exemple\u00a0: "), incident.reference
        assert all(u.text is None or u.text.startswith("Exemple\u00a0: ") for u in incident.updates)


def test_the_demo_announces_one_maintenance_ahead_within_the_banner_lead_time(kb: KnowledgeBase) -> None:
    now = datetime.now(UTC)
    [planned] = read_file(DEMO, Validator(kb), now=now).maintenances
    assert phase(planned, now) == "scheduled" and in_banner(planned, now, kb)
    assert planned.title.startswith("Exemple\u00a0: ") and planned.message.startswith("Exemple\u00a0: ")
    # Announced now, so that the feed never shows an announcement from the future.
    assert planned.updates[0].at <= now
