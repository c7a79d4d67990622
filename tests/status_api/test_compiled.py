"""The lookup's quick renderings are the plain ones, byte for byte, whatever the ticket: the HTML answer compiled
by shape is Jinja's own rendering, and the JSON door's body is the view's model_dump_json()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_build import load
from status_api.domain.records import Incident, IncidentUpdate, Ticket, Update
from status_api.http.lookup import json_body
from status_api.views.html import Renderer
from status_api.views.tickets import TicketViews
from tests.status_api.helpers import DATA

KB = load(DATA)
# One renderer for every example: shapes compiled for one ticket must serve the next ones of that shape.
RENDERER = Renderer(KB, None)
VIEWS = TicketViews(KB)
NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)

steps = [s.id for s in KB.process.steps]
optional = [s.id for s in KB.process.steps if s.optional]
texts = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=40),
    st.sampled_from(["<b>gras</b> & \"guillemets\" 'simples'", "Mis à jour : {count} {date}", "\u00a0é\u202f;"]),
)
moments = st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 10).map(lambda m: NOW + timedelta(minutes=m))
updates = st.builds(
    Update,
    at=moments,
    text=texts,
    step=st.one_of(st.none(), st.sampled_from([*steps, "etape-retiree"])),
    team=st.one_of(st.none(), st.sampled_from([*[t.id for t in KB.escalation.teams], "equipe-retiree"])),
)


@st.composite
def tickets(draw: st.DrawFn) -> tuple[Ticket, Incident | None]:
    step = draw(st.sampled_from([*steps, "etape-retiree"]))
    history = draw(st.lists(updates, max_size=12))
    opened = draw(moments)
    incident = None
    if draw(st.booleans()):
        state = draw(st.sampled_from([s.id for s in KB.incidents.states]))
        news = draw(st.lists(st.builds(IncidentUpdate, at=moments, text=texts, state=st.none()), max_size=3))
        incident = Incident(
            reference=draw(st.from_regex(r"INC-[0-9<>&]{1,5}", fullmatch=True)),
            title=draw(st.text(min_size=1, max_size=30)),
            services=(KB.incidents.services[0].id,),
            state=state,
            started_at=opened,
            ended_at=opened if draw(st.booleans()) else None,
            updates=tuple(news),
        )
    ticket = Ticket(
        reference=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True)),
        issue_type=draw(st.sampled_from([*[t.id for t in KB.issue_types.issue_types], "type-retire"])),
        step=step,
        team=draw(st.sampled_from([t.id for t in KB.escalation.teams])),
        opened_at=opened,
        resolved_at=draw(st.one_of(st.none(), moments)) if step == steps[-1] else None,
        prioritised=draw(st.booleans()),
        call_ids=("20261124120000000001",),
        skipped_steps=tuple(draw(st.lists(st.sampled_from(optional), unique=True))),
        updates=tuple(history),
        update_count=len(history) + draw(st.sampled_from([0, 0, 1, 2, 50])),
        incident=incident.reference if incident else None,
    )
    return ticket, incident


@settings(max_examples=400, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(case=tickets(), now=moments)
def test_the_compiled_answer_is_jinjas(case: tuple[Ticket, Incident | None], now: datetime) -> None:
    ticket, incident = case
    view = VIEWS.view(ticket, now, incident)
    assert RENDERER.ticket(view) == RENDERER.render_ticket(view)
    assert json_body(view) == view.model_dump_json().encode()


def test_shapes_are_shared_and_bounded() -> None:
    renderer = Renderer(KB, None)
    base = Ticket(
        reference="RGV-1",
        issue_type=KB.issue_types.issue_types[0].id,
        step=steps[1],
        team=KB.escalation.teams[0].id,
        opened_at=NOW - timedelta(days=1),
        call_ids=("20261124120000000001",),
    )
    for n in range(50):
        text = f"Point {n}"
        ticket = base.model_copy(update={"reference": f"RGV-{n}", "updates": (Update(at=NOW, text=text),)})
        renderer.ticket(VIEWS.view(ticket, NOW))
    assert len(renderer._compiled) == 2  # fifty tickets: one shape of answer, one of updates section
