"""The help center and the status checker as a person uses them: `status-api serve` for real, Chromium for real.

One server and one browser for the whole session; each test opens the pages it needs in a shared context.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

from kb_build import load
from kb_build.model import KnowledgeBase
from tests.status_api.helpers import DATA, DEMO, ROOT, Server, run_cli, serve
from tests.status_api.mail_server import Inbox

# Debian's Chromium (`apt-get install chromium`, done by .ci/run); never a browser that a tool downloads.
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
# As root, without a sandbox; and no call home: this machine's network is closed, CI's too.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# axe-core, installed into node_modules/ by `make` (npm ci) from the committed package-lock.json.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000
# Assertions wait as long as actions: Material's search worker loads its index in a few seconds on a busy
# machine, past the 5 s `expect` waits by default.
expect.set_options(timeout=TIMEOUT_MS)

DEMO_TICKETS = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["tickets"]
# A ticket whose optional step was skipped: its progress view shows every state.
DEMO_TICKET = next(t for t in DEMO_TICKETS if t.get("skipped_steps"))
UNKNOWN_CALL_ID = "99999999999999999999"
MALFORMED_CALL_ID = "mon appel d'hier"


def missing_tool(what: str) -> None:
    """In CI a missing browser or axe-core fails the run (never a silent skip); locally it skips, saying why."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set: the end-to-end tests must run, .ci/run installs it)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load(DATA)


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) the e2e server sends its e-mails to."""
    running = Inbox().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Server]:
    """`status-api serve` on a free port: the site built by `kb build`, the demo tickets in a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("e2e")
    db = folder / "status.sqlite3"
    imported = run_cli("import", str(DEMO), "--shift-to-now", env={"STATUS_API_DB": str(db)})
    assert imported.returncode == 0, imported.stderr
    env = {
        **os.environ,
        "KB_DATA_DIR": str(DATA),
        "STATUS_API_DB": str(db),
        "STATUS_API_SITE_DIR": str(built_site),
        # One client (this browser) makes every lookup of the suite: far more than a customer's budget.
        "STATUS_API_RATE_LIMIT": "off",
        # E-mail subscriptions on, so that their form and pages are checked too (tests/e2e/test_subscriptions.py).
        "STATUS_API_SMTP_URL": inbox.url,
        "STATUS_API_PUBLIC_URL": "https://etat.example.test",
    }
    env.pop("STATUS_API_TOKEN", None)
    served = serve(env, folder / "server.log")
    yield served
    served.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        missing_tool(f"Chromium is missing at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class Outside:
    """Requests that tried to leave the machine: the help center loads nothing from the internet."""

    urls: list[str] = field(default_factory=list)

    def guard(self, route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.urls.append(request.url)
            route.abort()


@pytest.fixture(scope="session")
def outside() -> Outside:
    return Outside()


def _context(
    browser: Browser,
    outside: Outside,
    server: Server,
    viewport: ViewportSize,
    *,
    phone: bool = False,
    javascript: bool = True,
) -> BrowserContext:
    context = browser.new_context(
        base_url=server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route(lambda url: not url.startswith(("data:", "blob:")), outside.guard)
    return context


@pytest.fixture(scope="session")
def desktop(browser: Browser, outside: Outside, server: Server) -> Iterator[BrowserContext]:
    context = _context(browser, outside, server, DESKTOP)
    yield context
    context.close()


@pytest.fixture(scope="session")
def phone(browser: Browser, outside: Outside, server: Server) -> Iterator[BrowserContext]:
    context = _context(browser, outside, server, PHONE, phone=True)
    yield context
    context.close()


@pytest.fixture(scope="session")
def no_js(browser: Browser, outside: Outside, server: Server) -> Iterator[BrowserContext]:
    context = _context(browser, outside, server, DESKTOP, javascript=False)
    yield context
    context.close()


def _page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture
def page(desktop: BrowserContext) -> Iterator[Page]:
    yield from _page(desktop)


@pytest.fixture
def phone_page(phone: BrowserContext) -> Iterator[Page]:
    yield from _page(phone)


@pytest.fixture
def no_js_page(no_js: BrowserContext) -> Iterator[Page]:
    yield from _page(no_js)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing_tool(f"axe-core is missing at {AXE}: run `make node` (npm ci)")
    return AXE.read_text(encoding="utf-8")
