"""The e-mails to subscribers, from data/subscriptions.yml: plain text and HTML, with RFC 8058 one-click
unsubscribe. No image and no tracked link: nothing tells whether a message was read."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kb_build.model import KnowledgeBase
from kb_build.paths import service_of
from kb_build.typography import spaced_colon
from status_api.core import utc_now
from status_api.core.subscriptions import CONFIRM_WINDOW
from status_api.views.help import fill

_HOURS = str(int(CONFIRM_WINDOW.total_seconds() // 3600))


@dataclass(frozen=True)
class _Link:
    text: str
    url: str


class Composer:
    """E-mails in kb's language whose links start at `public_url` (STATUS_API_PUBLIC_URL) and lead to that
    language's pages, sent from `sender`."""

    def __init__(self, kb: KnowledgeBase, public_url: str, sender: str) -> None:
        self._kb = kb
        self._texts = kb.subscriptions.texts
        self._service = service_of(kb)
        self._public_url = public_url.rstrip("/")
        self._sender = sender
        self._languages: dict[str, Composer] = {kb.language: self}
        env = Environment(
            loader=PackageLoader("status_api.mail"),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._text, self._html = env.get_template("mail.txt"), env.get_template("mail.html")

    def in_language(self, code: str | None) -> Composer:
        """The e-mails of a subscriber of `code` (None, or a language the site no longer has: French)."""
        kb = self._kb.in_language(code or self._kb.site.language)
        found = self._languages.get(kb.language)
        if found is None:
            found = self._languages[kb.language] = Composer(kb, self._public_url, self._sender)
            found._languages = self._languages
        return found

    def unsubscribe_url(self, key: str) -> str:
        return f"{self._public_url}{self._service.unsubscribe}?cle={quote(key)}"

    def confirmation(self, address: str, token: str, unsubscribe_key: str) -> dict[str, Any]:
        """The content queued for a confirmation e-mail: the whole message, ready to send."""
        t = self._texts
        link = _Link(t.confirm_link, f"{self._public_url}{self._service.subscription_confirm}?jeton={quote(token)}")
        subject = fill(t.confirm_subject, brand=self._kb.site.brand)
        return self._message(address, subject, [fill(t.confirm_mail, hours=_HOURS)], link, [t.ignore], unsubscribe_key)

    def update(self, address: str, notice: dict[str, Any], unsubscribe_key: str) -> dict[str, Any]:
        """An incident's or a maintenance's update e-mailed to one subscriber, from the notice's content
        (core/subscriptions.py)."""
        t = self._texts
        # What this language says differently of the notice (core/subscriptions.py in_languages).
        notice = {**notice, **notice.get("languages", {}).get(self._kb.language, {})}
        maintenance = notice.get("kind") == "maintenance"
        subject = fill(t.update_subject, title=notice["title"], state=notice["state"])
        intro = t.maintenance_intro if maintenance else t.update_intro
        paragraphs = [fill(intro, title=notice["title"]), fill(t.update_state, state=notice["state"])]
        if maintenance:
            paragraphs.append(fill(t.maintenance_window, window=notice["window"]))
        if notice.get("services"):
            paragraphs.append(fill(t.update_services, services=", ".join(notice["services"])))
        if notice.get("text"):
            paragraphs.append(notice["text"])
        link = _Link(t.maintenance_link if maintenance else t.update_link, self._public_url + notice["path"])
        return self._message(address, subject, paragraphs, link, [], unsubscribe_key)

    def _message(
        self,
        address: str,
        subject: str,
        paragraphs: list[str],
        link: _Link | None,
        after: list[str],
        unsubscribe_key: str,
    ) -> dict[str, Any]:
        unsubscribe = self.unsubscribe_url(unsubscribe_key)
        context = {
            "subject": subject,
            "paragraphs": paragraphs,
            "link": link,
            "after": after,
            "footer": fill(self._texts.footer, brand=self._kb.site.brand),
            "unsubscribe": unsubscribe,
            "t": self._texts,
            "language": self._kb.language,
            # « Lien : » with French's no-break space, "Link:" elsewhere.
            "colon": spaced_colon(self._kb.language),
        }
        message = EmailMessage()
        local, _, domain = self._sender.rpartition("@")
        message["From"] = Address(self._kb.site.brand, local, domain)
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = format_datetime(utc_now())
        message["Message-ID"] = make_msgid(domain=urlsplit(self._public_url).hostname or domain)
        # RFC 8058: a mail client's "unsubscribe" button POSTs List-Unsubscribe=One-Click to this address.
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self._text.render(context))
        message.add_alternative(self._html.render(context), subtype="html")
        # CRLF line ends, as SMTP carries them.
        return {"to": address, "from": self._sender, "message": message.as_string(policy=SMTP)}
