"""articles.yml: the how-to articles, such as the call-ID one, with their sections, tabs and callouts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kb_build.model.fields import DataFile, Id, Record, Sourced, Text


class Callout(Record):
    kind: Literal["tip", "info", "warning", "example"]
    title: Text
    text: Text


class Tab(Sourced):
    """The steps on one platform; `source` covers the menu names and paths they give."""

    label: Text
    steps: tuple[Text, ...] = Field(min_length=1)
    note: Text | None = None


class Section(Record):
    title: Text
    text: Text | None = None
    tabs: tuple[Tab, ...] = ()
    callout: Callout | None = None


class Article(Record):
    id: Id
    title: Text
    summary: Text
    sections: tuple[Section, ...] = Field(min_length=1)


class Articles(DataFile):
    articles: tuple[Article, ...] = Field(min_length=1)
