"""The service's pages (/suivi, /etat-du-service): Jinja2 fragments, set in the help center's own page when built."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES, SERVICE, url_of
from kb_build.typography import spaced_colon
from status_api.views.compiled import CompiledTickets
from status_api.views.help import fill, help_links
from status_api.views.incidents import ServiceStatusView
from status_api.views.tickets import TicketView
from status_api.views.watched import Watched

MARKER = "<!-- status-result -->"
# Where the shell pages live on the site: their relative links are resolved from there.
SHELL_URL = "/" + url_of(FIXED_PAGES["suivre-mon-ticket"])
SHELL_PAGE = Path(SHELL_URL.strip("/"), "index.html")
# The "État du service" page of the help center: the live incidents replace what lies between the two comments.
STATUS_MARKERS = ("<!-- service-status -->", "<!-- /service-status -->")
STATUS_SHELL_URL = "/" + url_of(FIXED_PAGES["etat-du-service"])
STATUS_SHELL_PAGE = Path(STATUS_SHELL_URL.strip("/"), "index.html")
# Every page of the help center: its content lies between these two comments (overrides/main.html); the answer
# to a vote on it takes their place, in the page's own shell.
CONTENT_MARKERS = ("<!-- kb-content -->", "<!-- /kb-content -->")
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*)"')


INPUT = 'name="call_id"'


def _shell_text(path: Path, url: str, markers: tuple[str, ...]) -> str | None:
    """A built page, its relative links made absolute; None when it is missing or lacks a marker."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return _absolute_urls(text, url) if all(marker in text for marker in markers) else None


@dataclass(frozen=True)
class _Cut:
    """The "Suivre mon ticket" page cut, as bytes, where each answer goes: the result, and the typed call ID.

    An answer is then a join of a few pieces, rather than a search and a copy of the whole page in text and
    its encoding to UTF-8 (two thirds of the HTML answer's cost before).
    """

    pieces: tuple[bytes, ...]
    slots: tuple[str, ...]

    @classmethod
    def of(cls, text: str, *keys: str) -> _Cut:
        found = sorted((text.index(key), key) for key in keys if key in text)
        pieces, start = [], 0
        for position, key in found:
            pieces.append(text[start:position].encode())
            start = position + len(key)
        pieces.append(text[start:].encode())
        return cls(tuple(pieces), tuple(key for _, key in found))

    def fill(self, values: dict[str, bytes]) -> bytes:
        parts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            parts += (values[slot], piece)
        return b"".join(parts)


class Renderer:
    """The pages in kb's language; `root` is that language's folder on the site ("" for French, "en/"), whose
    built "Suivre mon ticket" and "État du service" pages frame the tracker's answers and the status page."""

    def __init__(self, kb: KnowledgeBase, site_dir: Path | None, root: str = "") -> None:
        self._env = Environment(
            loader=PackageLoader("status_api.views"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates are the package's own: no need to look at their files again at each answer.
            auto_reload=False,
        )
        self._env.globals.update(site=kb.site, tracking=kb.tracking, t=kb.tracking.result, help=help_links(kb, root))
        # The no-break space French wants before « : » where a template puts one between a label and a value.
        # This language's own pages (/en/suivi, /en/etat-du-service and its subscription pages); the API is shared.
        self.kb, self.service = kb, SERVICE.in_language(root)
        self._env.globals.update(incidents=kb.incidents, service=self.service, nbsp="\u00a0", language=kb.language)
        # What goes between a label and its value: « : » after a no-break space in French, ":" in English.
        self._env.globals.update(colon=spaced_colon(kb.language))
        self._shell_url = "/" + root + SHELL_URL.lstrip("/")
        self._root = root
        # The e-mail subscription form shows on "État du service" once mail can leave (offer_subscriptions).
        self._env.globals.update(subscriptions=kb.subscriptions, offer_subscriptions=False)
        self._env.filters["fill"] = fill
        self._shell: Watched[_Cut | None] | None = None
        self._status_shell: Watched[str | None] | None = None
        if site_dir is not None:
            self._shell = Watched(site_dir / root / SHELL_PAGE, self._cut)
            status_url = "/" + root + STATUS_SHELL_URL.lstrip("/")
            self._status_shell = Watched(
                site_dir / root / STATUS_SHELL_PAGE, lambda path: _shell_text(path, status_url, STATUS_MARKERS)
            )
        self._site_dir = site_dir
        self._site = kb.site
        # The shells of the pages voted on, by page path: a bounded set, the help center's pages.
        self._page_shells: dict[str, Watched[str | None]] = {}
        # Answers that are the same for every call ID, made once.
        self._fixed: dict[str, str] = {}
        answer, section = self._env.get_template("ticket.html"), self._env.get_template("ticket_updates.html")
        self._compiled = CompiledTickets(
            lambda view, updates: answer.render(ticket=view, updates_section=updates),
            lambda view: section.render(ticket=view),
        )

    def _cut(self, path: Path) -> _Cut | None:
        text = _shell_text(path, self._shell_url, (MARKER,))
        if text is None:
            return None
        if INPUT not in text:  # a page without the form: the service brings its own, before the result
            form = self._env.get_template("form.html").render(call_id="")
            text = text.replace(MARKER, form + MARKER, 1)
        return _Cut.of(text, INPUT, MARKER)

    def ticket(self, view: TicketView) -> str:
        """The answer for a found ticket: templates/ticket.html, compiled by shape (see compiled.py)."""
        return self._compiled.html(view)

    def render_ticket(self, view: TicketView) -> str:
        """The same through Jinja itself: what compiled.py compiles, and what its tests compare with."""
        return self._env.get_template("ticket.html").render(ticket=view)

    def not_found(self, message: str) -> str:
        """The answer for every unknown call ID, made once."""
        if message not in self._fixed:
            self._fixed[message] = self._env.get_template("not_found.html").render(message=message)
        return self._fixed[message]

    def problem(self, message: str) -> str:
        return self._env.get_template("problem.html").render(message=message)

    def offer_subscriptions(self) -> None:
        self._env.globals["offer_subscriptions"] = True

    def subscription_page(
        self,
        title: str,
        text: str,
        *,
        button: str = "",
        action: str = "",
        fields: dict[str, str] | None = None,
        form_address: str | None = None,
    ) -> str:
        """A page of the subscriptions: an answer, a confirmation or unsubscribe step with its button, or a
        mistake with the form again (`form_address`: what was typed)."""
        return self._env.get_template("subscription_page.html").render(
            title=title,
            text=text,
            button=button,
            action=action,
            fields=fields or {},
            form=form_address is not None,
            form_address=form_address or "",
        )

    def status_page(self, view: ServiceStatusView) -> str:
        """The whole "État du service" page: the help center's own when there is one, a plain page otherwise."""
        fragment = self._env.get_template("service_status.html").render(status=view)
        shell = self._status_shell.get() if self._status_shell is not None else None
        if shell is None:
            return self._env.get_template("service_status_page.html").render(fragment=Markup(fragment))
        start, end = STATUS_MARKERS
        before, _, rest = shell.partition(start)
        _, _, after = rest.partition(end)
        return before + fragment + after

    def feedback(
        self,
        page: str,
        *,
        useful: bool = True,
        comment_key: str | None = None,
        commented: bool = False,
        problem: str = "",
    ) -> bytes:
        """The answer to a vote or a comment on `page` (a path of the site, already checked, or "" when it is
        not one), in that page's shell when the site is built, a plain page otherwise."""
        fragment = self._env.get_template("feedback.html").render(
            page=page, useful=useful, comment_key=comment_key, commented=commented, problem=problem
        )
        # A refusal is titled as its heading is, by the question: nothing was recorded to thank for.
        heading = self._site.feedback.question if problem else self._site.feedback.thanks_title
        shell = self._page_shell(page or "/" + self._root)
        if shell is None:
            plain = self._env.get_template("feedback_page.html")
            return plain.render(fragment=Markup(fragment), title=heading).encode()
        start, end = CONTENT_MARKERS
        before, _, rest = shell.partition(start)
        _, _, after = rest.partition(end)
        title = f"<title>{escape(heading)} \u2013 {escape(self._site.site_name)}</title>"
        return (_TITLE.sub(lambda m: title, before, count=1) + fragment + after).encode()

    def _page_shell(self, page: str) -> str | None:
        if self._site_dir is None:
            return None
        shell = self._page_shells.get(page)
        if shell is None:
            path = self._site_dir / page.strip("/") / "index.html"
            shell = self._page_shells[page] = Watched(path, lambda p: _shell_text(p, page, CONTENT_MARKERS))
        return shell.get()

    def page(self, result: str | bytes = "", call_id: str = "") -> bytes:
        """The whole page around `result` (safe HTML, as text or UTF-8): the site's "Suivre mon ticket" page
        when there is one, a plain page otherwise."""
        cut = self._shell.get() if self._shell is not None else None
        if cut is None:
            text = result.decode() if isinstance(result, bytes) else result
            return self._env.get_template("page.html").render(result=Markup(text), call_id=call_id).encode()
        # The form gives back what the customer typed, so that a typo is fixed, not retyped.
        filled = f'{INPUT} value="{escape(call_id)}"' if call_id else INPUT
        return cut.fill({INPUT: filled.encode(), MARKER: result if isinstance(result, bytes) else result.encode()})


def _absolute_urls(page: str, built_at: str) -> str:
    # The page is served at /suivi (or /etat-du-service), not where it was built: its relative links must not move.
    return _RELATIVE_URL.sub(lambda m: f'{m.group(1)}{urljoin(built_at, m.group(2))}"', page)
