"""The service's pages (/suivi, /etat-du-service): Jinja2 fragments, set in the help center's own page when built."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from kb_build.model import KnowledgeBase
from status_api.incident_views import FEED, ServiceStatusView
from status_api.lookup import Found, Invalid, NotFound, Outcome, fill, help_links
from status_api.views import STATUS_PAGE

MARKER = "<!-- status-result -->"
SHELL_PAGE = Path("suivre-mon-ticket/index.html")
# Where the shell page lives on the site: its relative links are resolved from there.
SHELL_URL = "/suivre-mon-ticket/"
# The "État du service" page of the help center: the live incidents replace what lies between the two comments.
STATUS_MARKERS = ("<!-- service-status -->", "<!-- /service-status -->")
STATUS_SHELL_PAGE = Path("etat-du-service/index.html")
STATUS_SHELL_URL = "/etat-du-service/"
_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*)"')


class _Shell:
    """A built page of the help center that the service fills in, read again only when the site is rebuilt."""

    def __init__(self, path: Path | None, url: str, markers: tuple[str, ...]) -> None:
        self._path = path
        self._url = url
        self._markers = markers
        self._cached: tuple[int, str | None] | None = None

    def text(self) -> str | None:
        if self._path is None:
            return None
        try:
            stamp = self._path.stat().st_mtime_ns
        except OSError:
            return None
        if self._cached is None or self._cached[0] != stamp:
            text = self._path.read_text(encoding="utf-8")
            usable = all(marker in text for marker in self._markers)
            self._cached = (stamp, _absolute_urls(text, self._url) if usable else None)
        return self._cached[1]


class Renderer:
    def __init__(self, kb: KnowledgeBase, site_dir: Path | None) -> None:
        self._env = Environment(
            loader=PackageLoader("status_api"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.globals.update(site=kb.site, tracking=kb.tracking, t=kb.tracking.result, help=help_links(kb))
        self._env.globals.update(incidents=kb.incidents, status_page=STATUS_PAGE, feed=FEED)
        self._env.filters["fill"] = fill
        self._shell = _Shell(site_dir / SHELL_PAGE if site_dir else None, SHELL_URL, (MARKER,))
        status_shell = site_dir / STATUS_SHELL_PAGE if site_dir else None
        self._status_shell = _Shell(status_shell, STATUS_SHELL_URL, STATUS_MARKERS)

    def outcome(self, outcome: Outcome) -> str:
        match outcome:
            case Found(view):
                return self._env.get_template("ticket.html").render(ticket=view)
            case NotFound(message):
                return self._env.get_template("not_found.html").render(message=message)
            case Invalid(message):
                return self.problem(message)

    def problem(self, message: str) -> str:
        return self._env.get_template("problem.html").render(message=message)

    def status_page(self, view: ServiceStatusView) -> str:
        """The whole "État du service" page: the help center's own when there is one, a plain page otherwise."""
        fragment = self._env.get_template("service_status.html").render(status=view)
        shell = self._status_shell.text()
        if shell is None:
            return self._env.get_template("service_status_page.html").render(fragment=Markup(fragment))
        start, end = STATUS_MARKERS
        before, _, rest = shell.partition(start)
        _, _, after = rest.partition(end)
        return before + fragment + after

    def page(self, result: str = "", call_id: str = "") -> str:
        """The whole page: the site's "Suivre mon ticket" page when there is one, a plain page otherwise."""
        shell = self._shell.text()
        if shell is None:
            return self._env.get_template("page.html").render(result=Markup(result), call_id=call_id)
        if 'name="call_id"' in shell:
            # The site's own form: give back what the customer typed, so that a typo is fixed, not retyped.
            filled = f'name="call_id" value="{escape(call_id)}"' if call_id else 'name="call_id"'
            return shell.replace('name="call_id"', filled, 1).replace(MARKER, result, 1)
        form = self._env.get_template("form.html").render(call_id=call_id)
        return shell.replace(MARKER, form + result, 1)


def _absolute_urls(page: str, built_at: str) -> str:
    # The page is served at /suivi (or /etat-du-service), not where it was built: its relative links must not move.
    return _RELATIVE_URL.sub(lambda m: f'{m.group(1)}{urljoin(built_at, m.group(2))}"', page)
