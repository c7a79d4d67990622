"""Rendering is a pure function from the model to Markdown; its output is compared with golden files."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kb_build import KnowledgeBase, load
from kb_build.render import (
    INDEX_PAGE_SIZE,
    NAV_ISSUE_TYPES_MAX,
    RELATED_SHOWN,
    french_date,
    navigation,
    page_paths,
    render,
    theme_settings,
)

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
# UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing it.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return render(load(HERE / "minimal"))


def test_pages_match_golden_files(pages: dict[str, str]) -> None:
    if UPDATE:
        for path, markdown in pages.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown, encoding="utf-8")
    golden = {path.relative_to(GOLDEN).as_posix() for path in GOLDEN.rglob("*.md")}
    assert set(pages) == golden
    for path, markdown in pages.items():
        assert markdown == (GOLDEN / path).read_text(encoding="utf-8"), f"{path} differs from its golden file"


def test_links_are_relative_markdown_links(pages: dict[str, str]) -> None:
    issue_type = pages["types-de-problemes/reglage.md"]
    assert "](../delais.md#court)" in issue_type
    assert "](../escalade.md#equipe-support)" in issue_type
    assert "](../articles/trouver-id.md)" in issue_type
    assert "](articles/trouver-id.md)" in pages["processus.md"]
    assert "](articles/trouver-id.md)" in pages["suivre-mon-ticket.md"]


def test_service_url_is_used_by_the_tracking_form() -> None:
    pages = render(load(HERE / "minimal"), service_url="https://statut.example.com")
    assert 'action="https://statut.example.com/suivi#kb-status-result"' in pages["suivre-mon-ticket.md"]


def test_incident_links_follow_the_service_url() -> None:
    kb = load(HERE / "minimal")
    pages = render(kb, service_url="https://statut.example.com")
    # The feed and the JSON list are for customers' tools: only the status page's "Pour vos outils" part has them,
    # and the pages that explain incidents link there.
    tools = pages["etat-du-service.md"].split("{ #pour-vos-outils }")[1]
    assert '<a href="https://statut.example.com/etat-du-service/flux.atom">' in tools
    assert '<a href="https://statut.example.com/api/v1/incidents/current">' in tools
    assert '<a href="https://statut.example.com/api/openapi.json">' in tools
    assert 'href="https://statut.example.com/etat-du-service"' in pages["etat-du-service.md"]
    for page in ("communication.md", f"types-de-problemes/{kb.incidents.issue_type}.md"):
        assert "flux.atom" not in pages[page] and "/api/" not in pages[page]
        assert "etat-du-service.md#pour-vos-outils)" in pages[page]
    assert "## Incidents { #incidents }" not in pages["types-de-problemes/reglage.md"]  # only the disruption page
    settings = theme_settings(kb, "https://statut.example.com")
    assert settings["current_url"] == "https://statut.example.com/api/v1/incidents/current"
    assert settings["status_url"] == "https://statut.example.com/etat-du-service"
    assert settings["feed_title"] == "Acme\u00a0: état"


def test_navigation_follows_the_data() -> None:
    nav = navigation(load(HERE / "minimal"))
    assert nav[0] == {"Accueil Acme": "index.md"}
    assert nav[2] == {
        "Problèmes": [
            {"Problèmes": "types-de-problemes/index.md"},
            {"Panne": "types-de-problemes/panne.md"},
            {"Réglage": "types-de-problemes/reglage.md"},
        ]
    }
    assert nav[-2:] == [{"Suivre": "suivre-mon-ticket.md"}, {"État": "etat-du-service.md"}]


def test_render_does_not_import_mkdocs() -> None:
    code = (
        "import sys; from kb_build import load; from kb_build.render import render; "
        "render(load('tests/kb_build/minimal')); "
        "sys.exit(any(name.split('.')[0] in ('mkdocs', 'material') for name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent.parent, check=False)
    assert result.returncode == 0


def many_issue_types(count: int) -> KnowledgeBase:
    kb = load(HERE / "minimal")
    model = kb.issue_types.issue_types[1]
    copies = tuple(model.model_copy(update={"id": f"cas-{n}", "title": f"Cas {n}"}) for n in range(count - 2))
    issue_types = kb.issue_types.issue_types + copies
    return kb.model_copy(update={"issue_types": kb.issue_types.model_copy(update={"issue_types": issue_types})})


def test_many_issue_types_keep_every_page_light() -> None:
    kb = many_issue_types(INDEX_PAGE_SIZE + 5)
    pages = render(kb)

    assert pages["types-de-problemes/index.md"].count("\n- **[") == INDEX_PAGE_SIZE
    assert pages["types-de-problemes/liste/2.md"].count("\n- **[") == 5
    assert "\n\n**Pages\u00a0:** **1** · [2](liste/2.md)" in pages["types-de-problemes/index.md"]
    assert "\n\n**Pages\u00a0:** [1](../index.md) · **2**" in pages["types-de-problemes/liste/2.md"]
    assert navigation(kb)[2] == {"Problèmes": [{"Problèmes": "types-de-problemes/index.md"}]}
    short_delay = pages["delais.md"].split("## Court")[1].split("## Urgent")[0]
    assert short_delay.count("\n- [") == RELATED_SHOWN + 1
    assert short_delay.endswith("- [Tous les problèmes](types-de-problemes/index.md)\n\n")


def test_few_issue_types_are_listed_in_the_navigation() -> None:
    nav = navigation(many_issue_types(NAV_ISSUE_TYPES_MAX))
    assert len(nav[2]["Problèmes"]) == NAV_ISSUE_TYPES_MAX + 1


def test_a_page_shows_the_latest_date_of_the_files_it_draws_from(pages: dict[str, str]) -> None:
    # articles.yml changed on 2 December, tracking.yml on 15 November, every other file on 30 November.
    assert '<time datetime="2026-12-02">2 décembre 2026</time>' in pages["articles/trouver-id.md"]
    assert '<time datetime="2026-12-02">' in pages["suivre-mon-ticket.md"]  # it names the how-to article
    assert '<time datetime="2026-11-30">30 novembre 2026</time>' in pages["delais.md"]
    assert french_date(date(2026, 12, 1)) == "1er décembre 2026"


def test_texts_are_spaced_the_french_way_as_they_load_and_addresses_are_not() -> None:
    kb = load(HERE / "minimal")
    assert kb.site.labels.timeline_label == "Résumé\u00a0:"
    assert kb.tracking.result.invalid_call_id.endswith("Exemple\u00a0: {example}.")
    assert kb.site.contact.phone == "+33 1 00 00 00 00" and kb.site.contact.email == "aide@example.com"


def test_commitments_say_whether_they_are_confirmed() -> None:
    kb = load(HERE / "minimal")
    assert [(t.id, t.confirmed) for t in kb.timelines.timelines] == [("court", True), ("urgent", False)]
    assert [(c.timeline, c.confirmed) for c in kb.communication.cadence] == [("court", True), ("urgent", False)]
    source = kb.timeline("court").source
    assert source is not None and source.confirmed_on == date(2026, 11, 28) and not source.article
    assert kb.site.call_id.confirmed and kb.step("ouverture").confirmed and not kb.step("cloture").confirmed


def test_page_paths_are_the_rendered_pages_without_rendering() -> None:
    # The status service takes votes for these pages only ("Cet article vous a-t-il été utile ?").
    for kb in (load(HERE / "minimal"), load(HERE.parents[1] / "data"), many_issue_types(INDEX_PAGE_SIZE * 2 + 1)):
        assert page_paths(kb) == set(render(kb))
