""" "Cet article vous a-t-il été utile ?" through a real `status-api serve`: votes and comments without JavaScript
(form posts, HTML answers) and as the page's script sends them (JSON), the budget, cross-site posts, pages that
are none of the help center's, what is stored (nothing about who), and the writers' report (`status-api
feedback`)."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx2
import psycopg
import pytest

from kb_build import load
from status_api.domain.records import Vote
from tests.status_api.helpers import DATA, NOW, Server, opened, run_cli

TEXTS = load(DATA).site.feedback
ELSEWHERE = {"Origin": "https://ailleurs.example"}
# What a browser sends about its user with every post: none of it may be kept.
WHO = {
    "User-Agent": "Mozilla/5.0 (TestBrowser-7f3a9c)",
    "Cookie": "session=cookie-7f3a9c",
    "X-Forwarded-For": "198.51.100.77",
}


def _key(page: str) -> str:
    found = re.search(r'name="comment_key" value="([^"]+)"', page)
    assert found, "no comment form on the page"
    return found.group(1)


def _rows(db: str, query: str) -> list[tuple[object, ...]]:
    """What a query finds in the database itself, SQLite file or PostgreSQL, past the store."""
    if db.startswith("postgresql://"):
        with psycopg.connect(db) as pg:
            return pg.execute(query.encode()).fetchall()
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def _votes(db: str) -> list[tuple[object, ...]]:
    return [(page, bool(useful), comment) for page, useful, comment in _rows(db, _VOTES)]


_VOTES = "SELECT page, useful, comment FROM votes ORDER BY id"


@pytest.fixture
def served(database: str, start_server: Callable[..., Server], built_site: Path) -> tuple[Server, str]:
    """`status-api serve` on the test's backend (both, one after the other), and its STATUS_API_DB."""
    return start_server(STATUS_API_DB=database, STATUS_API_SITE_DIR=str(built_site)), database


def test_a_yes_without_javascript_is_thanked_in_the_page_shell(served: tuple[Server, str]) -> None:
    server, db = served
    answer = httpx2.post(f"{server.url}/avis", data={"page": "/delais/", "vote": "oui"}, headers=WHO)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    page = html.unescape(answer.text)
    assert TEXTS.thanks_title in page and TEXTS.thanks_useful in page
    assert f"<title>{TEXTS.thanks_title} \u2013 " in page
    assert '<a href="/delais/">' + TEXTS.back_link in page
    assert 'name="comment_key"' not in page  # a yes takes no comment
    assert 'class="md-header' in page  # the help center's own shell, not the plain page
    assert _votes(db) == [("/delais/", True, None)]


def test_a_no_offers_a_comment_attached_once(served: tuple[Server, str]) -> None:
    server, db = served
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        answer = http.post("/avis", data={"page": "/escalade/", "vote": "non"})
        assert answer.status_code == 200
        page = html.unescape(answer.text)
        assert TEXTS.thanks_not_useful in page and TEXTS.comment_help in page
        assert f'maxlength="{TEXTS.comment_max_length}"' in page
        key = _key(answer.text)
        commented = http.post("/avis", data={"comment_key": key, "page": "/escalade/", "comment": " Un exemple ? "})
        assert commented.status_code == 200
        assert TEXTS.comment_thanks in html.unescape(commented.text)
        assert '<a href="/escalade/">' in commented.text
        # The key is spent: the same form again, or someone who saw it, changes nothing.
        again = http.post("/avis", data={"comment_key": key, "comment": "Remplacé"})
        assert again.status_code == 409
        assert TEXTS.comment_closed in html.unescape(again.text)
        forged = http.post("/avis", data={"comment_key": key[:-1] + ("A" if key[-1] != "A" else "B"), "comment": "x"})
        assert forged.status_code == 409
        empty = http.post(
            "/avis", data={"comment_key": _key(http.post("/avis", data={"page": "/", "vote": "non"}).text)}
        )
        assert empty.status_code == 422
        assert TEXTS.invalid_comment in html.unescape(empty.text)
        # A refusal thanks nobody: titled by the question, not « Merci pour votre avis ».
        assert f"<title>{html.escape(TEXTS.question)}" in empty.text and TEXTS.thanks_title not in empty.text
        too_long = http.post("/avis", data={"comment_key": key, "comment": "x" * (TEXTS.comment_max_length + 1)})
        assert too_long.status_code == 422
    assert _votes(db) == [("/escalade/", False, "Un exemple ?"), ("/", False, None)]


def test_the_page_script_votes_and_comments_in_json(served: tuple[Server, str]) -> None:
    server, db = served
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        yes = http.post("/avis", json={"page": "/", "useful": True})
        assert yes.status_code == 201
        assert yes.json() == {"page": "/", "useful": True, "comment_key": None}
        no = http.post("/avis", json={"page": "/processus/", "useful": False})
        assert no.status_code == 201
        key = no.json()["comment_key"]
        assert isinstance(key, str) and len(key) >= 20
        assert http.post("/avis", json={"comment_key": key, "comment": "Trop long"}).json() == {"page": "/processus/"}
        closed = http.post("/avis", json={"comment_key": key, "comment": "Encore"})
        assert (closed.status_code, closed.json()["error"]["code"]) == (409, "comment_closed")
        for body, code in (
            ({"page": "/", "useful": "oui"}, "invalid_vote"),
            ({"page": "/"}, "invalid_vote"),
            ({"page": "/nulle-part/", "useful": True}, "invalid_page"),
            ({"comment_key": key}, "invalid_comment"),
            ({"page": "/", "useful": True, "visitor": "x"}, "invalid_vote"),
            ({"comment_key": key, "comment": "x", "page": "/"}, "invalid_comment"),
        ):
            refused = http.post("/avis", json=body)
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, code), body
        assert http.post("/avis", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
        extra = http.post("/avis", data={"page": "/", "vote": "oui", "visitor": "x"})
        assert extra.status_code == 422
    assert _votes(db) == [("/", True, None), ("/processus/", False, "Trop long")]


def test_an_english_page_is_voted_on_apart_and_answered_in_english(
    served: tuple[Server, str], built_site: Path
) -> None:
    server, db = served
    english = load(DATA).in_language("en").site.feedback
    # The English page's own form names the English page.
    form = (built_site / "en" / "delais" / "index.html").read_text(encoding="utf-8")
    assert 'name="page" value="/en/delais/"' in form and 'name="page" value="/delais/"' not in form
    answer = httpx2.post(f"{server.url}/avis", data={"page": "/en/delais/", "vote": "non"})
    assert answer.status_code == 200, answer.text[:300]
    shown = html.unescape(answer.text)
    assert '<html lang="en"' in answer.text and english.thanks_title in shown and TEXTS.thanks_title not in shown
    comment = httpx2.post(
        f"{server.url}/avis", data={"comment_key": _key(answer.text), "comment": "Too short", "page": "/en/delais/"}
    )
    assert comment.status_code == 200 and '<html lang="en"' in comment.text
    assert _votes(db) == [("/en/delais/", False, "Too short")]


def test_refusals_on_an_english_page_are_in_english(served: tuple[Server, str]) -> None:
    server, db = served
    english = load(DATA).in_language("en").site.feedback
    assert english.invalid_vote != TEXTS.invalid_vote and english.comment_closed != TEXTS.comment_closed
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        form = http.post("/avis", data={"page": "/en/delais/", "vote": "peut-être"})
        assert form.status_code == 422 and '<html lang="en"' in form.text
        assert english.invalid_vote in html.unescape(form.text) and form.headers["content-language"] == "en"
        script = http.post("/avis", json={"page": "/en/delais/", "useful": "yes"})
        assert script.status_code == 422 and script.json()["error"]["message"] == english.invalid_vote
        # A comment's JSON names no page: the browser's language decides, and French without one.
        late = http.post("/avis", json={"comment_key": "k" * 40, "comment": "x"}, headers={"Accept-Language": "en"})
        assert late.status_code == 409 and late.headers["content-language"] == "en"
        assert late.json()["error"] == {"code": "comment_closed", "message": english.comment_closed}
        french = http.post("/avis", json={"comment_key": "k" * 40, "comment": "x"})
        assert french.json()["error"]["message"] == TEXTS.comment_closed
        # The same refusal on the French page stays French.
        same = http.post("/avis", data={"page": "/delais/", "vote": "peut-être"}, headers={"Accept-Language": "en"})
        assert TEXTS.invalid_vote in html.unescape(same.text) and '<html lang="fr"' in same.text
    assert _votes(db) == []


@pytest.mark.parametrize(
    "page",
    ["/nulle-part/", "delais/", "/delais", "/delais/../escalade/", "/" + "a" * 5000, "/délais/", "", "/delais/?x=1"],
)
def test_a_vote_names_a_page_of_the_help_center_or_is_refused(served: tuple[Server, str], page: str) -> None:
    server, db = served
    answer = httpx2.post(f"{server.url}/avis", data={"page": page, "vote": "oui"})
    assert answer.status_code == 422
    assert TEXTS.invalid_page in html.unescape(answer.text)
    assert _votes(db) == []


def test_a_vote_posted_from_another_site_is_refused(served: tuple[Server, str]) -> None:
    server, db = served
    form = httpx2.post(f"{server.url}/avis", data={"page": "/delais/", "vote": "oui"}, headers=ELSEWHERE)
    assert form.status_code == 403
    assert TEXTS.cross_site in html.unescape(form.text)
    script = httpx2.post(f"{server.url}/avis", json={"page": "/delais/", "useful": True}, headers=ELSEWHERE)
    assert (script.status_code, script.json()["error"]["code"]) == (403, "cross_site")
    same = httpx2.post(f"{server.url}/avis", data={"page": "/delais/", "vote": "oui"}, headers={"Origin": server.url})
    assert same.status_code == 200
    assert _votes(db) == [("/delais/", True, None)]


def test_a_vote_posted_from_another_site_on_an_english_page_is_refused_in_english(
    served: tuple[Server, str],
) -> None:
    server, db = served
    english = load(DATA).in_language("en").site.feedback
    assert english.cross_site != TEXTS.cross_site
    form = httpx2.post(f"{server.url}/avis", data={"page": "/en/delais/", "vote": "oui"}, headers=ELSEWHERE)
    assert form.status_code == 403
    assert '<html lang="en"' in form.text and form.headers["content-language"] == "en"
    assert english.cross_site in html.unescape(form.text)
    script = httpx2.post(f"{server.url}/avis", json={"page": "/en/delais/", "useful": True}, headers=ELSEWHERE)
    assert script.status_code == 403 and script.json()["error"]["message"] == english.cross_site
    # Without a page of ours to go by: French, as before.
    unnamed = httpx2.post(f"{server.url}/avis", data={"vote": "oui"}, headers=ELSEWHERE)
    assert unnamed.status_code == 403 and TEXTS.cross_site in html.unescape(unnamed.text)
    assert _votes(db) == []


def test_votes_have_a_modest_budget_of_their_own(database: str, start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_DB=database, STATUS_API_RATE_LIMIT="on")
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        statuses = [http.post("/avis", json={"page": "/", "useful": True}).status_code for _ in range(12)]
        assert statuses[:10] == [201] * 10
        assert statuses[10:] == [429, 429]
        refused = http.post("/avis", json={"page": "/", "useful": True})
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) > 0
        form = http.post("/avis", data={"page": "/", "vote": "oui"})
        assert form.status_code == 429
        assert TEXTS.rate_limited in html.unescape(form.text)
        # Refused on an English page: in English, in its shell.
        english = load(DATA).in_language("en").site.feedback
        form = http.post("/avis", data={"page": "/en/delais/", "vote": "oui"})
        assert form.status_code == 429 and english.rate_limited in html.unescape(form.text)
        script = http.post("/avis", json={"page": "/en/delais/", "useful": True})
        assert script.status_code == 429 and script.json()["error"]["message"] == english.rate_limited
        # The lookups' budget is untouched by the votes.
        assert http.post("/api/v1/lookup", json={"call_id": "20261124120000000999"}).status_code == 404
    assert len(_votes(database)) == 10


def test_nothing_about_the_voter_is_stored(served: tuple[Server, str]) -> None:
    server, db = served
    with httpx2.Client(base_url=server.url, timeout=10, headers=WHO) as http:
        http.post("/avis", data={"page": "/delais/", "vote": "oui"})
        key = _key(http.post("/avis", data={"page": "/delais/", "vote": "non"}).text)
        http.post("/avis", data={"comment_key": key, "comment": "Rien de personnel"})
        key2 = http.post("/avis", json={"page": "/", "useful": False}).json()["comment_key"]
    if db.startswith("postgresql://"):
        query = (
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'votes' ORDER BY ordinal_position"
        )
        columns = [name for (name,) in _rows(db, query)]
    else:
        columns = [row[1] for row in _rows(db, "PRAGMA table_info(votes)")]
    assert columns == ["id", "page", "useful", "at", "comment", "comment_key"]
    values = " ".join(str(value) for row in _rows(db, "SELECT * FROM votes") for value in row)
    for sent in ["127.0.0.1", "198.51.100.77", "7f3a9c", key, key2]:
        assert sent not in values
    # Nor anywhere in the database's files, its write-ahead log included (PostgreSQL's files are the cluster's,
    # shared by every test's database: they are not looked through).
    if not db.startswith("postgresql://"):
        file = Path(db)
        for path in file.parent.glob(file.name + "*"):
            content = path.read_bytes()
            for sent in [b"198.51.100.77", b"7f3a9c", key.encode(), key2.encode()]:
                assert sent not in content, (path.name, sent)


def test_the_writers_report_lists_pages_by_votes_with_the_comments(database: str) -> None:
    store = opened(database)
    try:
        for minutes, (page, useful) in enumerate(
            [("/delais/", False), ("/delais/", True), ("/delais/", False), ("/", True), ("/escalade/", False)]
        ):
            store.add_vote(Vote(page=page, useful=useful, at=NOW + timedelta(minutes=minutes)), f"k{minutes}")
        store.add_comment("k0", "Le plus ancien", since=NOW)
        store.add_comment("k2", "Le plus récent", since=NOW)
        store.add_comment("k4", "Sur l'escalade", since=NOW)
    finally:
        store.close()
    env = {"STATUS_API_DB": database}
    text = run_cli("feedback", env=env)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    table = [line.split() for line in lines[1:4]]
    assert table == [
        ["/delais/", "3", "1", "2", "33%"],
        ["/escalade/", "1", "0", "1", "0%"],
        ["/", "1", "1", "0", "100%"],
    ]
    out = text.stdout
    assert out.index("Le plus récent") < out.index("Le plus ancien")
    assert "Sur l'escalade" in out
    report = json.loads(run_cli("feedback", "--json", env=env).stdout)
    first = report["pages"][0]
    assert (first["page"], first["votes"], first["useful"], first["not_useful"]) == ("/delais/", 3, 1, 2)
    assert first["share_useful"] == pytest.approx(0.333)
    assert [c["text"] for c in first["comments"]] == ["Le plus récent", "Le plus ancien"]


def test_the_report_of_no_votes(database: str) -> None:
    opened(database).close()  # made as the service makes it, with no vote yet
    result = run_cli("feedback", env={"STATUS_API_DB": database})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Aucun avis pour l'instant."


@pytest.mark.parametrize(
    "command", [("feedback",), ("feedback", "--json"), ("delete", "RGV-1"), ("incident", "delete", "INC-1")]
)
def test_a_database_that_does_not_exist_is_refused_and_not_made(tmp_path: Path, command: tuple[str, ...]) -> None:
    missing = tmp_path / "ailleurs" / "status.sqlite3"
    result = run_cli(*command, env={"STATUS_API_DB": str(missing)})
    assert result.returncode == 1
    assert "STATUS_API_DB" in result.stderr and str(missing) in result.stderr and "n'existe pas" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert not (tmp_path / "ailleurs").exists()
