"""The e-mail subscription form in Chromium, as a customer uses it: no JavaScript needed, each page it leads to
(the answer, the confirmation page, the unsubscribe page) free of axe violations and comfortable on a phone."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import Page

from kb_build.paths import SERVICE
from tests.e2e.helpers import axe_violations, horizontal_overflow, small_targets
from tests.status_api.helpers import Server
from tests.status_api.mail_server import Inbox, text_of

MINIMUM_TARGET = 24


def _checked(page: Page, axe_source: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        violations = axe_violations(page, axe_source)
        assert violations == [], f"{page.url} ({scheme}):\n" + "\n".join(violations)


def test_subscribing_in_the_browser_then_confirming(
    page: Page, phone_page: Page, axe_source: str, inbox: Inbox, server: Server
) -> None:
    to = f"navigateur-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(SERVICE.status_page)
    form = page.locator("section.kb-subscribe form")
    page.get_by_label("Votre adresse e-mail").fill(to)
    page.get_by_label("SMS").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**{SERVICE.subscribe}")
    assert "Vérifiez votre boîte de réception" in page.locator("h1").inner_text()
    _checked(page, axe_source)

    (message,) = inbox.wait(lambda: inbox.to(to))
    confirm = next(link for link in re.findall(r"https://\S+", text_of(message)) if "confirmer" in link)
    parts = urlsplit(confirm)
    page.goto(f"{parts.path}?{parts.query}")
    _checked(page, axe_source)
    phone_page.goto(f"{parts.path}?{parts.query}")
    assert horizontal_overflow(phone_page) <= 0
    assert not small_targets(phone_page, MINIMUM_TARGET)
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    assert "Abonnement confirmé" in page.locator("h1").inner_text()
    _checked(page, axe_source)
