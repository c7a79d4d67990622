"""tracking.yml: the "Suivre mon ticket" page and every text of the status checker's answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kb_build.model.fields import Fills, PlaceholderTexts, Text
from kb_build.model.support import Page


class TrackingTexts(PlaceholderTexts):
    """What the status checker says around a ticket; {name} placeholders are filled in by the service."""

    ticket_title: Annotated[Text, Fills("reference")]
    resolved_title: Text
    resolved_text: Annotated[Text, Fills("date")]
    prioritised_title: Text
    prioritised_text: Text
    issue_type: Text
    step: Text
    team: Text
    opened: Text
    progress: Text
    state_done: Text
    state_current: Text
    state_upcoming: Text
    state_skipped: Text
    window: Text
    # Two wordings of the expected resolution and of the next update. The first ones say what is usual: for a
    # delay or a cadence without a source (timeline.confirmed, cadence.confirmed false), never a deadline or an
    # apology. The *_confirmed ones may state a date bound: for a delay or a cadence the company committed to.
    window_text: Annotated[Text, Fills("start", "end", "label")]
    window_resolved: Annotated[Text, Fills("start", "end", "label")]
    window_passed: Annotated[Text, Fills("start", "end", "label", "team")]
    window_text_confirmed: Annotated[Text, Fills("start", "end", "label")]
    window_resolved_confirmed: Annotated[Text, Fills("start", "end", "label")]
    window_passed_confirmed: Annotated[Text, Fills("start", "end", "label", "team")]
    next_update: Text
    next_update_text: Annotated[Text, Fills("date", "wording")]
    next_update_late: Annotated[Text, Fills("date", "wording")]
    next_update_text_confirmed: Annotated[Text, Fills("date", "wording")]
    next_update_late_confirmed: Annotated[Text, Fills("date", "wording")]
    updates: Text
    update_step: Annotated[Text, Fills("step")]
    update_team: Annotated[Text, Fills("team")]
    no_updates: Text
    # Under the latest updates (how many: Tracking.updates_shown), when the ticket has older ones.
    older_update: Text
    older_updates: Annotated[Text, Fills("count")]
    not_found_title: Text
    not_found: Text
    invalid_call_id: Annotated[Text, Fills("description", "example")]
    # An entry shaped like a ticket reference (site.yml's ticket_reference): says nothing of whether it exists.
    ticket_reference: Annotated[Text, Fills("description", "example")]
    missing_call_id: Annotated[Text, Fills("description", "example")]
    unavailable: Text
    rate_limited: Text
    cross_site: Text
    # The service's own error pages outside the API (a PUT at /suivi, say); {method} is the request's method.
    method_not_allowed: Annotated[Text, Fills("method")]


class Tracking(Page):
    how_it_works: tuple[Text, ...] = Field(min_length=1)
    privacy: Text
    updates_shown: int = Field(
        ge=1, le=100, description="The latest public updates an answer shows; it says how many older ones exist"
    )
    result: TrackingTexts
