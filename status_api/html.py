"""The /suivi pages: result fragments from Jinja2 templates, set in the help center's own page when built."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kb_build.model import KnowledgeBase
from status_api.lookup import Found, Invalid, NotFound, Outcome, fill, help_links

MARKER = "<!-- status-result -->"
SHELL_PAGE = Path("suivre-mon-ticket/index.html")
# Where the shell page lives on the site: its relative links are resolved from there.
SHELL_URL = "/suivre-mon-ticket/"
_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*)"')


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
        self._env.filters["fill"] = fill
        self._shell_path = site_dir / SHELL_PAGE if site_dir else None
        self._shell: tuple[int, str | None] | None = None

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

    def page(self, result: str = "", call_id: str = "") -> str:
        """The whole page: the site's "Suivre mon ticket" page when there is one, a plain page otherwise."""
        shell = self._site_shell()
        if shell is None:
            return self._env.get_template("page.html").render(result=Markup(result), call_id=call_id)
        form = "" if 'name="call_id"' in shell else self._env.get_template("form.html").render(call_id=call_id)
        return shell.replace(MARKER, form + result, 1)

    def _site_shell(self) -> str | None:
        if self._shell_path is None:
            return None
        try:
            stamp = self._shell_path.stat().st_mtime_ns
        except OSError:
            return None
        # Read once per build of the site, not once per request.
        if self._shell is None or self._shell[0] != stamp:
            text = self._shell_path.read_text(encoding="utf-8")
            self._shell = (stamp, _absolute_urls(text) if MARKER in text else None)
        return self._shell[1]


def _absolute_urls(page: str) -> str:
    # The page is served at /suivi, not where it was built for: its relative links must not move.
    return _RELATIVE_URL.sub(lambda m: f'{m.group(1)}{urljoin(SHELL_URL, m.group(2))}"', page)
