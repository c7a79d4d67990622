"""Under /api/, every answer of `status-api serve` is the API's JSON, the help center mounted at / or not:
an unknown address is a JSON 404, a wrong method a JSON 405 whose Allow names what the route really takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from kb_build import read
from tests.status_api.helpers import DATA, Server

# What every address answers besides its operations: HEAD with GET (Starlette), OPTIONS never (no CORS here).
_IMPLIED = {"GET": {"HEAD"}}


@pytest.fixture
def http(start_server: Callable[..., Server], built_site: Path) -> Iterator[httpx2.Client]:
    server = start_server(STATUS_API_SITE_DIR=str(built_site))
    with httpx2.Client(base_url=server.url, timeout=10) as client:
        yield client


def _json_error(response: httpx2.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_unknown_api_addresses_are_json_404(http: httpx2.Client) -> None:
    unknown = ("/api", "/api/", "/api/v1/nothing", "/api/v2/nothing.json", "/api/v1/tickets/RGV-1/nope")
    for path in unknown:
        _json_error(http.get(path), 404, "not_found")
    # Outside /api/, the help center's own page answers, in HTML.
    page = http.get("/nulle-part/")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_an_unknown_address_of_the_english_site_gets_the_english_404(http: httpx2.Client) -> None:
    english, french = read(DATA).kb.in_language("en").site.not_found.title, read(DATA).kb.site.not_found.title
    for path in ("/en/nowhere/", "/en/types-de-problemes/nothing"):
        page = http.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="en"' in page.text and english in page.text, path
    assert french in http.get("/nowhere/").text and english not in http.get("/nowhere/").text


def test_a_wrong_method_is_a_json_405_naming_the_methods(http: httpx2.Client) -> None:
    response = http.get("/api/v1/lookup")
    _json_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    response = http.options("/api/v1/tickets/RGV-1")
    _json_error(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].split(", ")) == {"PUT", "DELETE"}


def test_allow_says_what_the_openapi_document_says(http: httpx2.Client) -> None:
    document = http.get("/api/openapi.json").json()
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method != "parameters"}
        concrete = path.replace("{reference}", "RGV-1").replace("{ticket}", "RGV-2")
        response = http.request("PATCH", concrete)
        assert response.status_code == 405, (path, response.status_code)
        allowed = set(response.headers["allow"].split(", "))
        expected = documented | {implied for method in documented for implied in _IMPLIED.get(method, ())}
        assert allowed == expected, path
        if path.startswith("/api/"):
            _json_error(response, 405, "method_not_allowed")
