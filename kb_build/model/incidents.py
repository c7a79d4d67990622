"""incidents.yml: the services, the incident lifecycle, and every text of the status page, banner and feed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kb_build.model.fields import DataFile, Fills, Id, Matching, Mistake, PlaceholderTexts, Record, Text, ToolsText

# A tag: URI's authority (a domain name or an e-mail address) and a date it owned it, as RFC 4151 says.
FEED_ID_PATTERN = r"^[a-z0-9.-]+(@[a-z0-9.-]+)?,\d{4}(-\d{2}){0,2}$"


class Service(Record):
    id: Id
    name: Text


class IncidentState(Record):
    id: Id
    title: Text
    description: Text
    next: tuple[Id, ...] = Field((), description="The states an incident may move to from this one")
    final: bool = Field(False, description="The incident is over: it gets its end date and moves no further")


class IncidentTexts(PlaceholderTexts):
    """What the status page, the banner, the feed and a linked ticket's lookup say; {name} are filled in."""

    ongoing_title: Text
    all_clear: Text
    history_title: Annotated[Text, Fills("days")]
    no_history: Annotated[Text, Fills("days")]
    services: Text
    state: Text
    started: Annotated[Text, Fills("date")]
    ended: Annotated[Text, Fills("date")]
    latest_update: Text
    updates: Text
    update_state: Annotated[Text, Fills("state")]
    subscribe_title: Text
    feed_link: ToolsText
    json_link: ToolsText
    live_link: Text
    header_link: Text
    banner_label: Text
    banner_one: Annotated[Text, Fills("title", "state")]
    banner_many: Annotated[Text, Fills("count")]
    banner_link: Text
    feed_title: Annotated[Text, Fills("brand")]
    feed_subtitle: Text
    entry_title: Annotated[Text, Fills("title", "state")]
    ticket_title: Text
    ticket_text: Annotated[Text, Fills("title", "state")]
    ticket_link: Text


class IncidentHelp(Record):
    """The help center's explanation of incidents, on the disruption issue type's page and the communication page."""

    title: Text
    intro: Text
    status_page: Text
    banner: Text
    tools_title: Text
    tools_intro: ToolsText
    feed: ToolsText
    json_api: ToolsText
    api_docs_link: ToolsText
    api_docs: ToolsText
    tickets: Text
    states_title: Text
    services_title: Text


class Incidents(DataFile):
    title: Text = Field(description="The « État du service » page's title")
    intro: Text
    issue_type: Id = Field(description="The issue type whose page explains incidents (issue_types.yml)")
    history_days: int = Field(ge=1, le=3650, description="How far back the status page and the feed go")
    feed_id: Annotated[str, Matching(FEED_ID_PATTERN, Mistake.FEED_ID)] = Field(
        description="The Atom feed's tag: URI authority and date (RFC 4151); never change it once published",
        examples=["ringover.com,2026"],
    )
    services: tuple[Service, ...] = Field(min_length=1)
    states: tuple[IncidentState, ...] = Field(min_length=1, description="The first one is where an incident starts")
    texts: IncidentTexts
    help: IncidentHelp


