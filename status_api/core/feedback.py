"""Readers' votes on help-center pages ("Cet article vous a-t-il été utile ?"), their comments, and the report.

A vote keeps the page's path, yes or no and the time: nothing about who voted. A "no" may take one comment,
through a random single-use key given back with the vote; the store keeps only a hash of that key, so that
neither a reader of the database nor another visitor can write in someone else's vote.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from kb_build.model import KnowledgeBase
from kb_build.paths import site_path
from kb_build.render import page_paths
from status_api.core import Core
from status_api.domain.records import Vote
from status_api.domain.text import CONTROL, strip

# How long after a "no" its comment is taken: time to write a few sentences, not a key kept for later.
COMMENT_WINDOW = timedelta(hours=2)


RefusalCode = Literal["invalid_page", "invalid_vote", "invalid_comment", "comment_closed"]


class FeedbackRefused(Exception):
    """A vote or a comment that is not taken, by the API's stable code: each door words it from data/site.yml
    in the language of its answer (the page voted on, or the reader's)."""

    def __init__(self, code: RefusalCode) -> None:
        super().__init__(code)
        self.code: RefusalCode = code


def site_pages(kb: KnowledgeBase) -> frozenset[str]:
    """The address of every page the help center builds ("/", "/delais/", …): the only paths a vote may name."""
    return frozenset(site_path(page) for page in page_paths(kb))


@dataclass(frozen=True)
class Voted:
    page: str
    useful: bool
    # Given for a "no" only: what the comment form carries back.
    comment_key: str | None = None


def vote(core: Core, pages: frozenset[str], page: str, useful: bool) -> Voted:
    if page not in pages:
        raise FeedbackRefused("invalid_page")
    key = None if useful else secrets.token_urlsafe(24)
    core.store.add_vote(Vote(page=page, useful=useful, at=core.clock()), _hashed(key) if key else None)
    return Voted(page, useful, key)


def comment(core: Core, key: str, text: str) -> str:
    """Attach `text` to the vote given `key`; the page voted on."""
    if len(text) > core.kb.site.feedback.comment_max_length or CONTROL.search(text):
        raise FeedbackRefused("invalid_comment")
    text = strip(text)
    if not text:
        raise FeedbackRefused("invalid_comment")
    page = None
    if 0 < len(key) <= 100:
        page = core.store.add_comment(_hashed(key), text, core.clock() - COMMENT_WINDOW)
    if page is None:
        raise FeedbackRefused("comment_closed")
    return page


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Comment:
    at: datetime
    text: str


@dataclass
class PageFeedback:
    page: str
    useful: int = 0
    not_useful: int = 0
    comments: list[Comment] = field(default_factory=list)

    @property
    def votes(self) -> int:
        return self.useful + self.not_useful

    @property
    def share_useful(self) -> float:
        return self.useful / self.votes if self.votes else 0.0


def report(core: Core) -> list[PageFeedback]:
    """Every page that got votes, the most voted first (then the least useful); comments most recent first."""
    pages: dict[str, PageFeedback] = {}
    for voted in core.store.votes():  # most recent first
        entry = pages.setdefault(voted.page, PageFeedback(voted.page))
        if voted.useful:
            entry.useful += 1
        else:
            entry.not_useful += 1
        if voted.comment is not None:
            entry.comments.append(Comment(voted.at, voted.comment))
    return sorted(pages.values(), key=lambda p: (-p.votes, p.share_useful, p.page))
