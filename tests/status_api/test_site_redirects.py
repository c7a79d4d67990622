"""The built site's folder redirects through a real `status-api serve`: relative to the site, never to the host
the request names (Host is the client's to choose, and a cache in front would keep the poisoned redirect)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.status_api.helpers import Server, served_on


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built_site: Path
) -> Iterator[Server]:
    running = served_on("sqlite", request, tmp_path_factory.mktemp("redirects"), STATUS_API_SITE_DIR=str(built_site))
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/en", "/en/"),
        ("/delais", "/delais/"),
        ("/en/delais", "/en/delais/"),
        ("/en/delais?x=1&y=%C3%A9", "/en/delais/?x=1&y=%C3%A9"),
        ("//en", "/en/"),
        ("/en//delais", "/en/delais/"),
    ],
)
def test_a_folder_without_its_slash_is_redirected_on_this_site(server: Server, path: str, location: str) -> None:
    answer = httpx2.get(server.url + path, headers={"Host": "evil.example"}, timeout=10)
    assert answer.status_code == 307, answer.text[:200]
    assert answer.headers["location"] == location


@pytest.mark.parametrize(("path", "location"), [("/suivi/", "/suivi"), ("/en/suivi/", "/en/suivi")])
def test_a_tracking_page_typed_with_a_slash_leads_to_it_on_this_site(server: Server, path: str, location: str) -> None:
    answer = httpx2.get(server.url + path, headers={"Host": "evil.example"}, timeout=10)
    assert (answer.status_code, answer.headers["location"]) == (307, location)
    # A form posted there is not sent on anywhere.
    posted = httpx2.post(server.url + path, data={"call_id": "1"}, headers={"Host": "evil.example"}, timeout=10)
    assert posted.status_code == 405 and "location" not in posted.headers


@pytest.mark.parametrize("path", ["/api/v1/lookup/", "/healthz/", "/etat-du-service/flux.atom/"])
def test_no_address_redirects_to_the_host_the_request_names(server: Server, path: str) -> None:
    answer = httpx2.get(server.url + path, headers={"Host": "evil.example"}, timeout=10)
    assert "evil.example" not in answer.headers.get("location", "")
    assert answer.status_code == 404
