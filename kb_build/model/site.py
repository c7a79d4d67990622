"""site.yml: the brand, the support contact, the call-ID format, the home page and the small words around the data."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from kb_build.model.fields import Digits, Id, Mistake, Record, Text, mistake


class Contact(Record):
    example: bool = Field(description="true while the values below are placeholders, not the real contact")
    label: Text
    email: Text
    phone: Text
    hours: Text
    url: Text | None = None


class CallIdFormat(Record):
    min_digits: int = Field(ge=1, le=64)
    max_digits: int = Field(ge=1, le=64)
    example: Digits
    description: Text
    howto_article: Id


class HomeRoute(Record):
    title: Text
    text: Text
    page: Id
    icon: Text


class Home(Record):
    title: Text
    intro: Text
    routes: tuple[HomeRoute, ...] = Field(min_length=1)


class Labels(Record):
    """Short words the templates put around the data: headings, field names, link texts."""

    contact_title: Text
    contact_example: Text
    contact_email: Text
    contact_phone: Text
    contact_hours: Text
    contact_url: Text
    optional: Text
    promise_title: Text
    step_customer: Text
    step_team: Text
    follow_title: Text
    follow_text: Text
    prioritised: Text
    issue_examples: Text
    issue_timeline: Text
    issue_team: Text
    issue_escalation: Text
    issue_provide: Text
    no_escalation: Text
    see_timelines: Text
    example_title: Text
    cadence_title: Text
    cadence_timeline: Text
    cadence_every: Text
    timeline_label: Text
    timeline_issue_types: Text
    rule_teams: Text
    rule_alternatives: Text
    rule_applies_to: Text
    teams_title: Text
    call_id_tip: Text
    call_id_field: Text
    call_id_submit: Text
    privacy_title: Text
    pagination: Text
    all_issue_types: Text


class Site(Record):
    brand: Text
    site_name: Text
    description: Text
    language: Literal["fr"]
    timezone: Text
    contact: Contact
    call_id: CallIdFormat
    home: Home
    labels: Labels

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise mistake(Mistake.TIMEZONE) from None
        return value
