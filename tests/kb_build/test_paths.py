"""Addresses are written once: the status service's table in kb_build/paths.py, used by pages, templates and scripts."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from kb_build.paths import FIXED_PAGES, SERVICE, site_path
from tests.conftest import ROOT


def test_the_status_page_address_is_the_help_center_page_of_that_name() -> None:
    assert SERVICE.status_page == site_path(FIXED_PAGES["etat-du-service"]).rstrip("/") == "/etat-du-service"
    assert SERVICE.feed.startswith(SERVICE.status_page + "/")


def test_addresses_move_under_the_service_url() -> None:
    moved = SERVICE.under("https://statut.example.com/")
    for name, path in asdict(SERVICE).items():
        assert getattr(moved, name) == "https://statut.example.com" + path
    assert SERVICE.under("") == SERVICE


def test_each_language_has_its_pages_under_its_folder_and_shares_the_api() -> None:
    english = SERVICE.in_language("en/")
    pages = {"tracking", "status_page", "feed", "subscribe", "subscription_confirm", "unsubscribe"}
    for name, path in asdict(SERVICE).items():
        assert getattr(english, name) == ("/en" + path if name in pages else path), name
    assert english.status_page == "/en/etat-du-service" and english.feed == "/en/etat-du-service/flux.atom"
    assert english.incident_anchor("INC-1") == "/en/etat-du-service#incident-INC-1"
    assert SERVICE.in_language("") == SERVICE


def test_no_template_or_script_writes_a_service_address_itself() -> None:
    sources = [
        *(ROOT / "kb_build" / "templates").glob("*.j2"),
        *(ROOT / "docs" / "assets" / "javascripts").glob("*.js"),
        *(ROOT / "overrides").rglob("*.html"),
        ROOT / "kb_build" / "render.py",
    ]
    paths = [path for path in asdict(SERVICE).values() if path.count("/") > 1 or path == SERVICE.tracking]
    for source in sources:
        code = "\n".join(line for line in _lines(source) if not line.lstrip().startswith(("//", "#", "{#")))
        written = [path for path in paths if path in code]
        assert written == [], f"{source.relative_to(ROOT)} writes {written}: use kb_build.paths.SERVICE"


def _lines(source: Path) -> list[str]:
    return source.read_text(encoding="utf-8").splitlines()
