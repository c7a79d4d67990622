from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Settings
from status_api.storage import SQLiteStore
from status_api.views.html import MARKER
from tests.status_api.helpers import AUTH, CALL_ID, TOKEN

PutTicket = Callable[..., dict[str, Any]]


def _text(page: str) -> str:
    return html.unescape(page)


def test_the_form_works_without_javascript(client: TestClient, kb: KnowledgeBase) -> None:
    response = client.get("/suivi")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<form class="kb-status-form" method="post" action="/suivi#kb-status-result">' in page
    assert 'name="call_id"' in page
    assert "<script" not in page
    assert kb.site.labels.call_id_submit in _text(page)
    assert kb.tracking.title in _text(page)


def test_a_found_ticket_is_shown_as_a_page(client: TestClient, put_ticket: PutTicket, kb: KnowledgeBase) -> None:
    put_ticket()
    response = client.post("/suivi", data={"call_id": "2026-1124-1200-0000-0001"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = _text(response.text)
    assert "Ticket RGV-1" in page
    assert kb.process.steps[0].title in page
    assert kb.team(kb.process.steps[0].team).name in page
    assert 'aria-current="step"' in response.text
    assert kb.tracking.result.no_updates in page
    assert CALL_ID not in response.text  # the page does not echo the call ID once found


def test_an_unknown_call_id_gets_the_generic_answer_with_help(client: TestClient, kb: KnowledgeBase) -> None:
    response = client.post("/suivi", data={"call_id": "99999999999999999999"})
    assert response.status_code == 404
    page = _text(response.text)
    assert kb.tracking.result.not_found_title in page
    assert kb.tracking.result.not_found in page
    assert f'href="/articles/{kb.site.call_id.howto_article}/"' in response.text
    assert 'href="/communication/#contact"' in response.text
    assert kb.site.contact.email in page


def test_a_malformed_call_id_says_what_one_looks_like(client: TestClient, kb: KnowledgeBase) -> None:
    response = client.post("/suivi", data={"call_id": "mon numéro"})
    assert response.status_code == 422
    page = _text(response.text)
    assert kb.site.call_id.description in page
    assert kb.site.call_id.example in page
    assert 'value="mon numéro"' in page  # kept in the field, to correct it


def test_pushed_text_is_escaped_in_the_page(client: TestClient, put_ticket: PutTicket) -> None:
    put_ticket()
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    added = client.post("/api/v1/tickets/RGV-1/updates", json={"text": attack}, headers=AUTH)
    assert added.status_code == 201
    page = client.post("/suivi", data={"call_id": CALL_ID}).text
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    echoed = client.post("/suivi", data={"call_id": '"><script>alert(1)</script>'}).text
    assert "<script>" not in echoed
    assert "&#34;&gt;&lt;script&gt;" in echoed


def test_the_call_id_is_never_read_from_the_url(client: TestClient, put_ticket: PutTicket) -> None:
    put_ticket()
    page = client.get(f"/suivi?call_id={CALL_ID}").text
    assert "Ticket RGV-1" not in page


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [({"json": {"call_id": CALL_ID}}, 415), ({"content": b"call_id=" + b"1" * 5000}, 413)],
)
def test_a_form_that_is_not_a_form_gets_a_page_too(client: TestClient, kwargs: dict[str, Any], status: int) -> None:
    headers = {} if "json" in kwargs else {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/suivi", headers=headers, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="status-result admonition failure"' in response.text


def test_without_a_site_the_root_leads_to_the_form(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/suivi")
    missing = client.get("/nulle-part")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")


SHELL = """<!doctype html><html><head>
<link rel="stylesheet" href="../assets/stylesheets/main.css">
<script src="../assets/javascripts/status.js"></script></head>
<body><header><a href="../">Centre d'aide</a> <a href="./">Suivre mon ticket</a>
<a href="https://example.com/x">ext</a> <a href="#main">saut</a></header>
{form}
<div id="kb-status-result">
{marker}
</div></body></html>
"""
SITE_FORM = '<form class="kb-status-form" method="post" action="/suivi#kb-status-result"><input name="call_id"></form>'


def _site(tmp_path: Path, form: str = SITE_FORM, marker: str = MARKER) -> Path:
    site = tmp_path / "site"
    (site / "suivre-mon-ticket").mkdir(parents=True)
    (site / "suivre-mon-ticket" / "index.html").write_text(SHELL.format(form=form, marker=marker), encoding="utf-8")
    (site / "index.html").write_text("<h1>Accueil du centre d'aide</h1>", encoding="utf-8")
    (site / "suivi").mkdir()
    (site / "suivi" / "index.html").write_text("a static file must not shadow the service", encoding="utf-8")
    return site


def test_pages_use_the_help_center_page_as_their_shell(
    app_for: Callable[..., TestClient], put_ticket: PutTicket, tmp_path: Path
) -> None:
    client = app_for(token=TOKEN, site_dir=_site(tmp_path))
    put_ticket()
    form = client.get("/suivi").text
    assert 'href="/assets/stylesheets/main.css"' in form
    assert 'src="/assets/javascripts/status.js"' in form
    assert 'href="/suivre-mon-ticket/"' in form and 'href="/"' in form
    assert 'href="https://example.com/x"' in form and 'href="#main"' in form
    assert form.count('name="call_id"') == 1  # the site's own form, not a second one
    result = client.post("/suivi", data={"call_id": CALL_ID}).text
    assert result.index('<div id="kb-status-result">') < result.index("Ticket RGV-1") < result.index("</body>")
    assert MARKER not in result


def test_a_shell_without_a_form_gets_the_service_form(app_for: Callable[..., TestClient], tmp_path: Path) -> None:
    client = app_for(site_dir=_site(tmp_path, form=""))
    page = client.get("/suivi").text
    assert page.count('name="call_id"') == 1
    assert "Centre d'aide" in page


def test_a_page_without_the_marker_is_not_used_as_shell(app_for: Callable[..., TestClient], tmp_path: Path) -> None:
    client = app_for(site_dir=_site(tmp_path, marker=""))
    assert '<header><a href="/">' in client.get("/suivi").text  # the standalone page


def test_the_built_site_is_served_beside_the_service(app_for: Callable[..., TestClient], tmp_path: Path) -> None:
    client = app_for(site_dir=_site(tmp_path))
    assert "Accueil du centre d'aide" in client.get("/").text
    assert "status-result" in client.get("/suivre-mon-ticket/").text
    assert "must not shadow" not in client.get("/suivi").text
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/nulle-part").status_code == 404


def test_the_real_help_center_page_is_the_shell(
    app_for: Callable[..., TestClient], put_ticket: PutTicket, built_site: Path, kb: KnowledgeBase
) -> None:
    client = app_for(token=TOKEN, site_dir=built_site)
    put_ticket()
    form = client.get("/suivi").text
    assert 'class="md-header' in form  # Material's own header, nav and theme
    assert form.count('name="call_id"') == 1
    result = client.post("/suivi", data={"call_id": CALL_ID})
    assert result.status_code == 200
    page = result.text
    assert MARKER not in page
    start = page.index('id="kb-status-result"')
    assert start < page.index("Ticket RGV-1") < page.index("</article>")
    assert kb.process.steps[0].title in _text(page)
    for asset in ("/assets/javascripts/status.js", "/assets/stylesheets/kb.css"):
        assert f'"{asset}"' in page
        assert client.get(asset).status_code == 200
    assert client.get("/").status_code == 200


def test_a_refused_call_id_comes_back_in_the_site_form(tmp_path: Path, kb: KnowledgeBase, store: SQLiteStore) -> None:
    site = tmp_path / "site" / "suivre-mon-ticket"
    site.mkdir(parents=True)
    (site / "index.html").write_text(
        '<form><input id="kb-call-id" name="call_id" type="text"></form><!-- status-result -->', encoding="utf-8"
    )
    client = TestClient(create_app(Settings(site_dir=tmp_path / "site"), kb, store))
    page = client.post("/suivi", data={"call_id": '12"><script>x</script>'}).text
    assert 'name="call_id" value="12&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "<script>x" not in page
