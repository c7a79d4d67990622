"""What browsers are told: a CSP that allows only the site's own and hashed scripts, and cache rules per kind."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kb_build.csp import HASHES_FILE, HEADERS_FILE, inline_script_hashes, policy
from status_api.views.watched import RELOAD_INTERVAL
from tests.hardening.conftest import CALL_ID


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_inline_scripts_are_hashed_as_browsers_hash_them() -> None:
    # The example of the CSP specification and MDN.
    page = "<script>alert('Hello, world.');</script>"
    assert inline_script_hashes(page) == {"'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"}
    # Data blocks and external scripts are not run inline: nothing to allow.
    assert not inline_script_hashes('<script type="application/json">{"a": 1}</script><script src="x.js"></script>')
    assert len(inline_script_hashes('<script type="module">a()</script><SCRIPT>\nb()\n</SCRIPT >')) == 2


def test_the_build_writes_the_hashes_and_the_headers_for_a_static_host(built_site: Path) -> None:
    hashes = json.loads((built_site / HASHES_FILE).read_text(encoding="utf-8"))["script-src"]
    every_page = set().union(*(inline_script_hashes(p.read_text(encoding="utf-8")) for p in built_site.rglob("*.html")))
    assert set(hashes) == every_page
    assert len(hashes) >= 3  # Material's own inline scripts, at least
    headers = (built_site / HEADERS_FILE).read_text(encoding="utf-8")
    assert f"Content-Security-Policy: {policy(hashes)}\n" in headers
    assert "X-Content-Type-Options: nosniff" in headers


def check_page(response_headers: dict[str, str], page: str) -> None:
    csp = directives(response_headers["content-security-policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert inline_script_hashes(page) <= set(csp["script-src"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response_headers["x-content-type-options"] == "nosniff"
    assert response_headers["referrer-policy"] == "same-origin"
    assert response_headers["x-frame-options"] == "DENY"


def test_every_html_answer_carries_the_policy(with_ticket: Callable[..., TestClient], built_site: Path) -> None:
    client = with_ticket(limits=None, lookup_floor=0, site_dir=built_site)
    pages = {
        "home": client.get("/"),
        "article": client.get("/articles/trouver-call-id/"),
        "form": client.get("/suivi"),
        "found": client.post("/suivi", data={"call_id": CALL_ID}),
        "unknown": client.post("/suivi", data={"call_id": "99999999999999999999"}),
        "missing page": client.get("/nulle-part/"),
    }
    for name, response in pages.items():
        assert response.headers["content-type"].startswith("text/html"), name
        check_page(dict(response.headers), response.text)
        assert "strict-transport-security" not in response.headers
    assert pages["home"].headers["cache-control"] == "no-cache"
    assert pages["found"].headers["cache-control"] == "no-store"


def test_the_service_alone_has_a_policy_too(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    response = client.post("/suivi", data={"call_id": CALL_ID})
    check_page(dict(response.headers), response.text)
    assert directives(response.headers["content-security-policy"])["script-src"] == ["'self'"]


def test_api_answers_are_never_cached(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    for response in (
        client.post("/api/v1/lookup", json={"call_id": CALL_ID}),
        client.post("/api/v1/lookup", json={"call_id": "x"}),
        client.get("/api/openapi.json"),
        client.get("/api/v1/nulle-part"),
        client.get("/healthz"),
        client.get("/readyz"),
    ):
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff"


def test_fingerprinted_assets_are_cached_for_good_and_the_others_briefly(
    with_ticket: Callable[..., TestClient], built_site: Path
) -> None:
    client = with_ticket(limits=None, lookup_floor=0, site_dir=built_site)
    home = client.get("/").text
    bundle = re.search(r'src="(assets/javascripts/bundle\.[0-9a-f]+\.min\.js)"', home)
    assert bundle is not None
    assert client.get("/" + bundle.group(1)).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/javascripts/status.js").headers["cache-control"] == "public, max-age=600"


def test_text_is_compressed(with_ticket: Callable[..., TestClient], built_site: Path) -> None:
    client = with_ticket(limits=None, lookup_floor=0, site_dir=built_site)
    for path in ("/", "/api/openapi.json", "/assets/javascripts/status.js"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip", path
    found = client.post("/api/v1/lookup", json={"call_id": CALL_ID}, headers={"Accept-Encoding": "gzip"})
    assert found.headers["content-encoding"] == "gzip"
    # The answer depends on the client's language too (Accept-Language picks it).
    assert [v.strip() for v in found.headers["vary"].split(",")] == ["Accept-Language", "Accept-Encoding"]
    # A client that does not ask for gzip gets the plain answer, the same JSON.
    plain = client.post("/api/v1/lookup", json={"call_id": CALL_ID}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == found.json()


@pytest.mark.parametrize("hsts", [True, False])
def test_hsts_only_when_configured(with_ticket: Callable[..., TestClient], hsts: bool) -> None:
    client = with_ticket(limits=None, lookup_floor=0, hsts=hsts)
    response = client.get("/suivi")
    assert ("strict-transport-security" in response.headers) is hsts
    if hsts:
        assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_a_rebuilt_site_brings_its_new_hashes(
    with_ticket: Callable[..., TestClient], built_site: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    client = with_ticket(limits=None, lookup_floor=0, site_dir=site)
    assert "'sha256-new='" not in client.get("/").headers["content-security-policy"]
    hashes = json.loads((site / HASHES_FILE).read_text(encoding="utf-8"))
    hashes["script-src"].append("'sha256-new='")
    (site / HASHES_FILE).write_text(json.dumps(hashes), encoding="utf-8")
    # The service looks at the file again at most once per RELOAD_INTERVAL.
    time.sleep(RELOAD_INTERVAL)
    assert "'sha256-new='" in client.get("/").headers["content-security-policy"]
