"""A wrong configuration stops `status-api serve` at once, with a message that says what to fix."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from status_api.config import Settings
from tests.hardening.test_faults import needs_root, tmpfs
from tests.postgres import Cluster
from tests.status_api.helpers import DATA, ROOT, TOKEN, free_port, status_api_command
from tests.status_api.helpers import serve as start


def serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it; it must exit by itself, without serving."""
    return subprocess.run(
        [status_api_command(), "serve", *(args or ("--port", str(free_port())))],
        env={**os.environ, "KB_DATA_DIR": str(DATA), "STATUS_API_TOKEN": TOKEN, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "db" / "status.sqlite3")


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert "Uvicorn running" not in result.stderr


def test_a_short_token(db: str) -> None:
    refused(serve(STATUS_API_DB=db, STATUS_API_TOKEN="court"), "STATUS_API_TOKEN", "32", "status-api token")


@pytest.mark.parametrize(
    "token",
    [
        "a" * 40,  # one repeated character
        "motdepassemotdepassemotdepasse1234",  # a word, repeated
        "passwordPASSWORD0123456789azertyqw",  # words and runs people reach for
        "abababababababababababababababab",
    ],
)
def test_a_weak_token(db: str, token: str) -> None:
    refused(serve(STATUS_API_DB=db, STATUS_API_TOKEN=token), "STATUS_API_TOKEN", "facile à deviner", "status-api token")


def test_a_token_no_client_can_send(db: str) -> None:
    # It would start, and no Authorization header could ever carry it intact.
    token = "jéton-" + "Xk3vQ9wZ2mLp7rTn4sYb8uJc1FdG5hKe"
    refused(serve(STATUS_API_DB=db, STATUS_API_TOKEN=token), "STATUS_API_TOKEN", "ASCII", "status-api token")


@pytest.mark.parametrize("name", ["STATUS_API_ZENDESK_SECRET", "STATUS_API_HOOK_SECRET"])
@pytest.mark.parametrize("secret", ["secret", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
def test_a_signing_secret_too_easy_to_find(db: str, name: str, secret: str) -> None:
    # From one signed delivery captured, a short secret is found offline; then anyone writes to tickets.
    refused(serve(STATUS_API_DB=db, **{name: secret}), name, "trop court ou trop simple", "24")


def test_a_good_token_starts(tmp_path: Path) -> None:
    good = subprocess.run([status_api_command(), "token"], capture_output=True, text=True, check=True).stdout.strip()
    env = {**os.environ, "KB_DATA_DIR": str(DATA), "STATUS_API_TOKEN": good, "STATUS_API_DB": str(tmp_path / "db")}
    server = start(env, tmp_path / "server.log")  # fails the test unless /healthz answers
    assert "STATUS_API_TOKEN" not in server.stop()


def test_a_missing_site_folder(db: str, tmp_path: Path) -> None:
    result = serve(STATUS_API_DB=db, STATUS_API_SITE_DIR=str(tmp_path / "nulle-part"))
    refused(result, "STATUS_API_SITE_DIR", "kb build")


def test_a_database_folder_that_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "fichier").write_text("pas un dossier")
    refused(serve(STATUS_API_DB=str(tmp_path / "fichier" / "status.sqlite3")), "STATUS_API_DB", "fichier")


def test_a_database_path_that_is_a_folder(tmp_path: Path) -> None:
    refused(serve(STATUS_API_DB=str(tmp_path)), "STATUS_API_DB", "est un dossier")


@needs_root
def test_a_read_only_database_folder(tmp_path: Path) -> None:
    for mount in _read_only(tmp_path / "ro"):
        refused(serve(STATUS_API_DB=str(mount / "status.sqlite3")), "STATUS_API_DB", "écrire")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STATUS_API_LOOKUP_RATE", "dix par minute"),
        ("STATUS_API_MISS_RATE", "0/hour"),
        ("STATUS_API_TRUSTED_PROXIES", "mon-proxy"),
        ("STATUS_API_TRUSTED_PROXIES", "0.0.0.0/0"),
        ("STATUS_API_TRUSTED_PROXIES", "::/0"),
        ("STATUS_API_PUBLIC_URL", "ftp://suivi.example.com"),
        ("STATUS_API_MAX_HEADER_BYTES", "un peu"),
        ("STATUS_API_BODY_TIMEOUT", "900"),
        ("STATUS_API_HSTS", "peut-être"),
        ("STATUS_API_LOG_LEVEL", "bavard"),
    ],
)
def test_a_setting_that_cannot_be_read(db: str, name: str, value: str) -> None:
    refused(serve(STATUS_API_DB=db, **{name: value}), name, value)


@pytest.mark.parametrize("port", ["99999", "-5", "0", "abc", "80 80"])
def test_a_port_that_cannot_be(db: str, port: str) -> None:
    refused(serve("--port", port, STATUS_API_DB=db), "--port", f"« {port} »", "entre 1 et 65535")
    assert not Path(db).exists()


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("STATUS_API_DB", "postgresql://u:motdepasse@[mauvais/x", "crochets"),
        ("STATUS_API_SMTP_URL", "smtp://[::1", "crochets"),
        ("STATUS_API_PUBLIC_URL", "https://[::1", "crochets"),
        ("STATUS_API_PUBLIC_URL", "https://suivi.example.com:99999", "port entre 1 et 65535"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "import"])
def test_a_url_that_cannot_be_read(tmp_path: Path, name: str, value: str, said: str, command: str) -> None:
    env = {"STATUS_API_PUBLIC_URL": "https://suivi.example.com", "STATUS_API_DB": str(tmp_path / "status.sqlite3")}
    args = ("--port", str(free_port())) if command == "serve" else ("status_api/demo/tickets.yml",)
    result = subprocess.run(
        [status_api_command(), command, *args],
        env={**os.environ, "KB_DATA_DIR": str(DATA), "STATUS_API_TOKEN": TOKEN, **env, name: value},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    refused(result, name, said, "par exemple")
    assert "motdepasse" not in result.stderr


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("aide.example.com", "http:// ou https://"),
        ("https://aide.example.com/aide", "sans chemin"),
        ("https://aide.example.com, https://autre.example.com/?x=1", "sans chemin"),
        ("*, https://aide.example.com", "ne le mêlez pas"),
    ],
)
def test_a_cors_origin_no_browser_sends(db: str, value: str, said: str) -> None:
    refused(serve(STATUS_API_DB=db, STATUS_API_CORS_ORIGINS=value), "STATUS_API_CORS_ORIGINS", said)


def test_cors_origins_are_written_as_browsers_send_them() -> None:
    origins = "https://AIDE.example.com:443/, http://localhost:8000"
    settings = Settings.from_env({"STATUS_API_CORS_ORIGINS": origins})
    assert settings.cors_origins == ("https://aide.example.com", "http://localhost:8000")
    # Any site may read the JSON API; its forms stay refused to other sites.
    anyone = Settings.from_env({"STATUS_API_CORS_ORIGINS": "*"})
    assert anyone.cors_origins == ("*",) and anyone.form_origins == frozenset()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Pas une base\n" * 200)
    result = serve(STATUS_API_DB=str(notes))
    refused(result, "STATUS_API_DB", "ce fichier n'est pas une base SQLite")
    assert "file is not a database" not in result.stderr


def test_a_database_folder_under_a_folder_that_cannot_be_made() -> None:
    result = serve(STATUS_API_DB="/proc/nulle-part/status.sqlite3")
    refused(result, "STATUS_API_DB", "/proc/nulle-part", "le dossier n'existe pas et ne peut être créé")
    assert "No such file" not in result.stderr


def test_a_postgresql_server_that_does_not_answer() -> None:
    # Nothing listens on a port just freed: the pool retries for its 5 s, then gives up.
    result = serve(STATUS_API_DB=f"postgresql://suivi@127.0.0.1:{free_port()}/suivi")
    refused(result, "STATUS_API_DB", "aucune connexion à PostgreSQL en 5 s", "que le serveur tourne")
    assert "psycopg" not in result.stderr  # the pool's English retries are not shown when the start fails
    assert "pool" not in result.stderr


def test_a_postgresql_database_that_does_not_exist(pg_cluster: Cluster) -> None:
    result = serve(STATUS_API_DB=pg_cluster.url("nulle_part"))
    refused(result, "STATUS_API_DB", "cette base n'existe pas sur le serveur", "createdb")
    assert "psycopg" not in result.stderr


def test_a_port_already_taken(db: str) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = serve("--host", "127.0.0.1", "--port", str(port), STATUS_API_DB=db)
    refused(result, f"le port {port} de 127.0.0.1 est déjà utilisé", "--port")
    assert "Errno" not in result.stderr
    assert not Path(db).exists()  # said before the database was opened


@pytest.mark.parametrize("host", ["999.1.1.1", "nulle-part.invalid"])
def test_a_listening_address_that_does_not_exist(db: str, host: str) -> None:
    result = serve("--host", host, "--port", str(free_port()), STATUS_API_DB=db)
    refused(result, "adresse d'écoute inconnue", host)
    assert "Errno" not in result.stderr
    assert not Path(db).exists()


def test_every_wrong_setting_is_told_at_once(tmp_path: Path) -> None:
    result = serve(
        STATUS_API_DB="mysql://suivi@example.com/suivi",
        STATUS_API_DB_POOL="0",
        STATUS_API_LOOKUP_CACHE="x",
        STATUS_API_LOOKUP_RATE="dix",
        STATUS_API_TRUSTED_PROXIES="proxy-a,proxy-b",
        STATUS_API_TOKEN="court",
        STATUS_API_SITE_DIR=str(tmp_path / "nulle-part"),
    )
    refused(result, "STATUS_API_DB :", "STATUS_API_DB_POOL", "STATUS_API_LOOKUP_CACHE", "STATUS_API_LOOKUP_RATE")
    refused(result, "« proxy-a »", "« proxy-b »", "STATUS_API_TOKEN", "STATUS_API_SITE_DIR")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 9, result.stderr
    assert lines[-1] == "Le service ne démarre pas : corrigez la configuration ci-dessus."


@pytest.mark.parametrize(
    ("name", "value"),
    [("STATUS_API_DB_POOL", "0"), ("STATUS_API_LOOKUP_BURST", "x"), ("STATUS_API_SMTP_URL", "ftp://h")],
)
def test_the_closing_line_follows_any_wrong_setting(db: str, name: str, value: str) -> None:
    result = serve(STATUS_API_DB=db, **{name: value})
    refused(result, name)
    assert result.stderr.strip().splitlines()[-1] == "Le service ne démarre pas : corrigez la configuration ci-dessus."


def _read_only(folder: Path) -> Iterator[Path]:
    with tmpfs(folder, "1m") as mount:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount
