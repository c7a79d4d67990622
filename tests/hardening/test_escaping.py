"""Markup pushed through the write API stays text: escaped in the /suivi page, as stored in the widget's JSON
(stored as it came, but for the French spacing it is given on the way in)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import escape
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from kb_build.typography import french_plain
from tests.hardening.conftest import AUTH, CALL_ID
from tests.status_api.helpers import ROOT, ticket_body

HOSTILE = [
    '<script>alert("suivi")</script>',
    '"><img src=x onerror=alert(1)>',
    "<a href=\"javascript:alert('x')\">cliquez</a> & <b>gras</b> {{ 7*7 }} ${7*7}",
    "</textarea></p><svg onload=alert(1)><!--",
]


class Elements(HTMLParser):
    """Every element and attribute of a page, to check that nothing hostile became one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def test_markup_in_updates_is_inert_on_the_page_and_verbatim_in_the_json(
    with_ticket: Callable[..., TestClient], built_site: Path
) -> None:
    client = with_ticket(limits=None, lookup_floor=0, site_dir=built_site)
    for text in HOSTILE:
        response = client.post("/api/v1/tickets/RGV-1/updates", json={"text": text}, headers=AUTH)
        assert response.status_code == 201

    # The widget's JSON carries the text as it was written; status.js sets it with textContent.
    found = client.post("/api/v1/lookup", json={"call_id": CALL_ID})
    texts = {update["text"] for update in found.json()["updates"]}
    assert {french_plain(text) for text in HOSTILE} <= texts

    page = client.post("/suivi", data={"call_id": CALL_ID})
    assert page.status_code == 200
    for text in HOSTILE:
        assert str(escape(french_plain(text))) in page.text  # as Jinja2's autoescape writes it
    before = elements(client.get("/suivi").text)
    after = elements(page.text)
    # Scripts, images and handlers on the answer page are exactly those of the empty form page.
    assert [t for t, _ in after if t in ("script", "img", "svg", "iframe")] == [
        t for t, _ in before if t in ("script", "img", "svg", "iframe")
    ]
    assert not [attrs for _, attrs in after if any(name.startswith("on") for name in attrs)]
    assert not [attrs for _, attrs in after if str(attrs.get("href", "")).startswith("javascript:alert")]


def test_what_the_customer_typed_is_escaped_when_echoed(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    typed = '"><script>alert(1)</script>'
    page = client.post("/suivi", data={"call_id": typed})
    assert page.status_code == 422
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_markup_cannot_enter_through_the_fields_that_are_not_free_text(
    with_ticket: Callable[..., TestClient], kb: KnowledgeBase
) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    assert client.put("/api/v1/tickets/<b>x</b>", json=ticket_body(kb), headers=AUTH).status_code in (404, 422)
    response = client.put("/api/v1/tickets/RGV-9", json=ticket_body(kb, step="<script>"), headers=AUTH)
    assert response.status_code == 422
    response = client.put("/api/v1/tickets/RGV-9", json=ticket_body(kb, call_ids=["<img src=x>"]), headers=AUTH)
    assert response.status_code == 422


def test_the_widget_never_parses_text_as_html() -> None:
    script = (ROOT / "docs" / "assets" / "javascripts" / "status.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script
    assert "createTextNode" in script
