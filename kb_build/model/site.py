"""site.yml: the brand, the support contact, the call-ID format, the home page and the small words around the data."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from kb_build.model.fields import (
    DataFile,
    Digits,
    Id,
    Matching,
    Mistake,
    Plain,
    Record,
    Sourced,
    Text,
    Words,
    mistake,
)


class Contact(Record):
    example: bool = Field(description="true while the values below are placeholders, not the real contact")
    label: Text
    email: Plain
    phone: Plain
    hours: Text
    url: Plain | None = None
    prompts: tuple[Words, ...] = Field(
        (), description="Words that, in a page's text, send the reader to support: such a page ends with the contact"
    )


class CallIdFormat(Sourced):
    """What a call ID looks like; `source` covers what `description` tells customers about it."""

    min_digits: int = Field(ge=1, le=64)
    max_digits: int = Field(ge=1, le=64)
    example: Digits
    description: Text
    howto_article: Id


class TicketReference(Record):
    """What the brand's ticket references look like (RGV-2026-0101): an entry of that shape in the tracker is
    answered with its own help (a call ID is what is asked), whether or not such a ticket exists."""

    prefix: Plain = Field(description="The letters references start with, e.g. RGV")
    example: Plain


class HomeRoute(Record):
    title: Text
    text: Text
    page: Id
    icon: Plain


class Home(Record):
    title: Text
    intro: Text
    routes: tuple[HomeRoute, ...] = Field(min_length=1)


class NotFoundPage(Record):
    """The page a visitor gets at an address that does not exist (404)."""

    title: Text
    text: Text
    home_link: Text


class Feedback(Record):
    """ "Cet article vous a-t-il été utile ?" at the end of every page, and the status service's answers to it."""

    question: Text
    useful: Text
    not_useful: Text
    thanks_title: Text
    thanks_useful: Text
    thanks_not_useful: Text
    comment_label: Text
    comment_help: Text = Field(description="Under the comment box: asks not to write personal data")
    comment_max_length: int = Field(ge=100, le=5000, description="The longest comment taken, in characters")
    comment_submit: Text
    comment_thanks: Text
    back_link: Text
    invalid_page: Text
    invalid_vote: Text
    invalid_comment: Text
    comment_closed: Text
    rate_limited: Text
    cross_site: Text
    failed: Text = Field(description="Shown in place when the vote could not be sent (the service unreachable)")


class Labels(Record):
    """Short words the templates put around the data: headings, field names, link texts."""

    contact_title: Text
    contact_example: Text
    contact_email: Text
    contact_phone: Text
    contact_hours: Text
    contact_url: Text
    updated: Text
    breadcrumb: Text
    menu_button: Text
    search_button: Text
    related_title: Text
    optional: Text
    promise_title: Text
    step_customer: Text
    step_team: Text
    step_team_usual: Text
    closing_title: Text
    follow_title: Text
    follow_text: Text
    prioritised: Text
    issue_examples: Text
    issue_timeline: Text
    issue_team: Text
    team_in_charge: Text
    team_usually_in_charge: Text
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
    rule_teams_usual: Text
    rule_alternatives: Text
    rule_alternatives_usual: Text
    rule_applies_to: Text
    teams_title: Text
    call_id_tip: Text
    call_id_field: Text
    call_id_submit: Text
    privacy_title: Text
    pagination: Text
    all_issue_types: Text


LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Z]{2})?$"


class Language(Record):
    """One language of the help center: its code (fr, en, de, pt-BR…), the folder of its texts (data/<code>/ for
    any but French) and its URL prefix (/<code>/); and its name as its readers write it, for the language menu."""

    code: Annotated[str, Matching(LANGUAGE_PATTERN, Mistake.LANGUAGE)]
    name: Plain = Field(description="The language's own name, shown in the language menu: Français, English")


class Site(DataFile):
    brand: Text
    site_name: Text
    description: Text
    logo: Plain = Field(description="The brand's logo in the header: an image under docs/, e.g. assets/images/logo.svg")
    footer: Text = Field(description="The line at the foot of every page")
    language: Literal["fr"]
    timezone: Plain
    publication: Literal["souple", "stricte"] = Field(
        "souple",
        description="stricte: kb check and kb build refuse a commitment without a source (before publishing); "
        "souple: they list it as a warning",
    )
    languages: tuple[Language, ...] = Field(
        (),
        description="Every language of the help center, French (the source) first, each with its name, e.g. "
        "{code: en, name: English}; the texts of each other language are in data/<code>/. None: French only",
    )
    translations: Literal["souple", "stricte"] = Field(
        "souple",
        description="stricte: kb check and kb build refuse a missing or outdated translation; souple: they list it "
        "as a warning, and the pages show the French text in its place",
    )
    contact: Contact
    call_id: CallIdFormat
    ticket_reference: TicketReference
    home: Home
    not_found: NotFoundPage
    unreadable_form: Text = Field(
        description="What the status service answers, on its own pages, to a form it could not read (too large, "
        "not UTF-8, not a browser's encoding): the wording the visitor reads instead of the API's message"
    )
    feedback: Feedback
    labels: Labels

    @field_validator("languages")
    @classmethod
    def _french_first(cls, value: tuple[Language, ...]) -> tuple[Language, ...]:
        codes = [item.code for item in value]
        if value and codes[0] != "fr":
            raise mistake(Mistake.LANGUAGES, reason="first")
        if len(set(codes)) != len(codes):
            raise mistake(Mistake.LANGUAGES, reason="twice")
        return value

    def language_codes(self) -> tuple[str, ...]:
        """The site's languages, French first."""
        return tuple(item.code for item in self.languages) or (self.language,)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise mistake(Mistake.TIMEZONE) from None
        return value
