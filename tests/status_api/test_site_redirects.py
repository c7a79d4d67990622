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
