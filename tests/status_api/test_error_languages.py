"""The service's own error pages outside the API, through a real `status-api serve`: in the language of the
address's folder (English under /en/), in that language's frame, saying so in Content-Language; the API's
errors stay its JSON."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import httpx2

from kb_build import load
from tests.status_api.helpers import DATA, Server

KB = load(DATA)
EN = KB.in_language("en")


def _english(answer: httpx2.Response, status: int, text: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="en"' in answer.text
    assert answer.headers["content-language"] == "en"
    assert text in html.unescape(answer.text)


def test_error_pages_under_en_are_english(start_server: Callable[..., Server], built_site: Path) -> None:
    server = start_server(STATUS_API_SITE_DIR=str(built_site))
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        _english(http.put("/en/suivi"), 405, EN.tracking.result.method_not_allowed.format(method="PUT"))
        _english(http.get("/en/" + "a" * 300), 404, EN.site.not_found.text)
        french = http.put("/suivi")
        assert french.status_code == 405 and '<html lang="fr"' in french.text
        assert KB.tracking.result.method_not_allowed.format(method="PUT") in html.unescape(french.text)
        assert http.put("/api/v1/lookup").json()["error"]["code"] == "method_not_allowed"


def test_the_unavailable_page_under_en_is_english(
    start_server: Callable[..., Server], built_site: Path, tmp_path: Path
) -> None:
    database = tmp_path / "gone.sqlite3"
    server = start_server(STATUS_API_SITE_DIR=str(built_site), STATUS_API_DB=str(database))
    database.unlink()
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        _english(http.get("/en/etat-du-service"), 503, EN.tracking.result.unavailable)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Forms no browser of ours sends: not UTF-8, past the size limit, JSON where a form was expected.
UNREADABLE = [(b"call_id=%ff%fe", FORM, 400), (b"call_id=" + b"1" * 20_000, FORM, 413), (b"{}", {}, 415)]


def test_an_unreadable_form_is_told_in_the_page_s_language(
    start_server: Callable[..., Server], built_site: Path
) -> None:
    # The visitor reads the site's wording, not the API's message about encodings, in the page's language.
    server = start_server(STATUS_API_SITE_DIR=str(built_site))
    assert EN.site.unreadable_form != KB.site.unreadable_form
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        for body, headers, status in UNREADABLE:
            # Too long for the form's one field: an entry no call ID is, which the call ID help answers.
            en, fr = (
                (EN.site.call_id.example, KB.site.call_id.example)
                if status == 413
                else (EN.site.unreadable_form, KB.site.unreadable_form)
            )
            _english(http.post("/en/suivi", content=body, headers=headers), status, en)
            french = http.post("/suivi", content=body, headers=headers)
            assert french.status_code == status and '<html lang="fr"' in french.text
            assert fr in html.unescape(french.text)
        # A vote the service could not read names no page it can trust: the browser's language decides.
        for body, headers, status in UNREADABLE[:2]:
            vote = http.post("/avis", content=body, headers={**headers, "Accept-Language": "en"})
            _english(vote, status, EN.site.unreadable_form)
    assert "Traceback" not in server.stop()
