"""Where a customer goes next (the call-ID how-to, support's contact), and tracking.yml's texts filled in."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES, article_page, url_of


class Link(BaseModel):
    title: str
    url: str


class Contact(BaseModel):
    """Support's contact: the company's, never a person's."""

    title: str
    url: str = Field(description="The contact section of the help center")
    email: str
    phone: str
    hours: str
    form_url: str | None


class Help(BaseModel):
    """Where a customer goes next: the call-ID how-to and support contact."""

    howto: Link
    contact: Contact


def help_links(kb: KnowledgeBase, root: str = "") -> Help:
    """`root`: the folder of kb's language on the site ("" for French, "en/"), where its pages are."""
    howto = kb.article(kb.site.call_id.howto_article)
    contact = kb.site.contact
    return Help(
        howto=Link(title=howto.title, url="/" + root + url_of(article_page(howto.id))),
        contact=Contact(
            title=kb.site.labels.contact_title,
            # The same anchor as the help center's in-page answer links to.
            url="/" + root + url_of(FIXED_PAGES["communication"]) + "#contact",
            email=contact.email,
            phone=contact.phone,
            hours=contact.hours,
            form_url=contact.url,
        ),
    )


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def fill(template: str, **values: str) -> str:
    """A text of data/*.yml with its {placeholders} filled, as the help center's script fills them."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
