"""The help center built for real by MkDocs: every fact of the source article on the right page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kb_build import load
from tests.conftest import ROOT, page_text

# A copy of the source article (../shared/seed/), so that the test runs wherever the repository is cloned.
SEED = ROOT / "tests" / "fixtures" / "support-process.fr.txt"
SHARED_SEED = ROOT.parent / "shared" / "seed" / "support-process.fr.txt"
KB = load(ROOT / "data")

# The source article's sections, by their first line, and the page that must carry each.
SECTION_PAGES = {
    "Comprendre le processus de support de Ringover": "processus/index.html",
    "Problèmes techniques courants": "types-de-problemes/index.html",
    "Délais de résolution typiques": "delais/index.html",
    "Communication pendant la résolution des problèmes": "communication/index.html",
    "Procédures d'escalade": "escalade/index.html",
    "Si vous avez besoin de suivre": "suivre-mon-ticket/index.html",
}


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def fold(text: str) -> str:
    """Compare sentences, not punctuation around them: the article ends some with " :"."""
    return " ".join(text.replace("\u2019", "'").split()).rstrip(" :.")


def article_sections() -> list[tuple[str, str]]:
    """(page, sentence) for every sentence of the source article."""
    pairs, page = [], ""
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("- ")
        for start, section_page in SECTION_PAGES.items():
            if line.startswith(start):
                page = section_page
        pairs += [(page, sentence) for sentence in re.split(r"(?<=\.) ", line) if sentence]
    return pairs


@pytest.mark.parametrize(("page", "sentence"), article_sections())
def test_every_sentence_of_the_article_is_on_its_page(built_site: Path, page: str, sentence: str) -> None:
    assert fold(sentence) in fold(page_text(read(built_site, page))), f"{page} lacks: {sentence}"


def test_copy_of_the_source_article_is_current() -> None:
    if SHARED_SEED.exists():
        assert SEED.read_text(encoding="utf-8") == SHARED_SEED.read_text(encoding="utf-8")


def test_process_page_shows_the_six_steps_as_a_timeline(built_site: Path) -> None:
    html = read(built_site, "processus/index.html")
    assert 'class="kb-timeline"' in html
    for number, step in enumerate(KB.process.steps, start=1):
        assert f'id="{step.id}"' in html
        assert f"{number}. {step.title}" in page_text(html)
    assert "si nécessaire" in page_text(html)
    assert 'href="../articles/trouver-call-id/"' in html


def test_each_issue_type_has_its_page_with_delay_team_escalation_and_what_to_provide(built_site: Path) -> None:
    for issue_type in KB.issue_types.issue_types:
        html = read(built_site, f"types-de-problemes/{issue_type.id}/index.html")
        text = page_text(html)
        timeline = KB.timeline(issue_type.timeline)
        assert issue_type.title in text and timeline.wording in text
        assert f'href="../../delais/#{timeline.id}"' in html
        assert KB.team(issue_type.handled_by).name in text
        for rule_id in issue_type.escalation:
            assert f'href="../../escalade/#{rule_id}"' in html
        for item in issue_type.provide:
            assert fold(item) in fold(text)
        assert ("Prioritaire" in text) == issue_type.prioritised
        assert 'href="../../articles/trouver-call-id/"' in html


def test_delays_communication_and_escalation_pages(built_site: Path) -> None:
    delays = page_text(read(built_site, "delais/index.html"))
    for timeline in KB.timelines.timelines:
        assert timeline.label in delays and KB.cadence(timeline.id).wording in delays
    assert fold(KB.timelines.examples[0].text) in fold(delays)

    communication = page_text(read(built_site, "communication/index.html"))
    for commitment in KB.communication.commitments:
        assert fold(commitment.text) in fold(communication)
    assert KB.site.contact.email in communication

    escalation = page_text(read(built_site, "escalade/index.html"))
    for team in KB.escalation.teams:
        assert team.name in escalation
    for rule in KB.escalation.rules:
        assert fold(rule.text) in fold(escalation)
    assert "portabilité des numéros" in escalation


def test_call_id_article_has_per_platform_tabs(built_site: Path) -> None:
    html = read(built_site, "articles/trouver-call-id/index.html")
    assert 'class="tabbed-set tabbed-alternate"' in html
    labels = re.findall(r'<label for="__tabbed_\d+_\d+">([^<]+)</label>', html)
    assert labels == [
        "Application web",
        "Application de bureau",
        "Application mobile",
        "Tableau de bord administrateur (journal des appels)",
    ]


def test_home_routes_to_what_a_customer_needs(built_site: Path) -> None:
    html = read(built_site, "index.html")
    for route in KB.site.home.routes:
        assert route.title in page_text(html)
    for target in ("types-de-problemes/", "suivre-mon-ticket/", "delais/", "communication/"):
        assert f'href="{target}"' in html


def test_tracking_page_has_a_form_that_works_without_javascript(built_site: Path) -> None:
    html = read(built_site, "suivre-mon-ticket/index.html")
    assert '<form class="kb-status-form" method="post" action="/suivi"' in html
    assert 'name="call_id"' in html and "<!-- status-result -->" in html
    assert 'href="../articles/trouver-call-id/"' in html


def test_site_is_french_and_searchable_in_french(built_site: Path) -> None:
    assert '<html lang="fr"' in read(built_site, "index.html")
    index = json.loads(read(built_site, "search/search_index.json"))
    assert index["config"]["lang"] == ["fr"]
    assert any("portabilité" in doc["text"] for doc in index["docs"])


def test_nothing_is_fetched_from_the_internet(built_site: Path) -> None:
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html, page


def test_every_page_links_to_the_service_status_and_carries_the_banner(built_site: Path) -> None:
    texts = KB.incidents.texts
    for page in ("index.html", "processus/index.html", "articles/trouver-call-id/index.html"):
        html = read(built_site, page)
        header = html[html.index('<header class="md-header') : html.index("</header>")]
        assert 'href="/etat-du-service"' in header and texts.header_link in header
        banner = re.search(r'<aside class="md-banner md-banner--warning kb-incident-banner" hidden[^>]*>', html)
        assert banner is not None, page
        assert 'data-source="/api/v1/incidents/current"' in banner.group(0)
        assert html.index("kb-incident-banner") < html.index('<header class="md-header')
        assert '<script src="/assets/javascripts/incidents.js' in html or "assets/javascripts/incidents.js" in html
        # No <link rel="alternate"> for the feed: Material reads those as translations of the page and fetches
        # a sitemap beside them, a 404 in every visitor's console. The status page links the feed instead.
        assert 'rel="alternate"' not in html
    assert (built_site / "assets" / "javascripts" / "incidents.js").is_file()


def test_disruption_and_communication_pages_explain_incidents(built_site: Path) -> None:
    help_texts = KB.incidents.help
    disruption = read(built_site, f"types-de-problemes/{KB.incidents.issue_type}/index.html")
    text = page_text(disruption)
    for sentence in (help_texts.intro, help_texts.status_page, help_texts.banner, help_texts.feed, help_texts.tickets):
        assert fold(sentence) in fold(text)
    for state in KB.incidents.states:
        assert state.title in text and fold(state.description) in fold(text)
    for service in KB.incidents.services:
        assert service.name in text
    for url in ("/etat-du-service", "/etat-du-service/flux.atom", "/api/v1/incidents/current"):
        assert f'href="{url}"' in disruption

    communication = read(built_site, "communication/index.html")
    assert fold(help_texts.feed) in fold(page_text(communication))
    assert 'href="/etat-du-service/flux.atom"' in communication
    assert f'href="../types-de-problemes/{KB.incidents.issue_type}/#etats-incident"' in communication


def test_the_status_page_of_the_help_center_is_the_service_shell(built_site: Path) -> None:
    html = read(built_site, "etat-du-service/index.html")
    assert "<!-- service-status -->" in html and "<!-- /service-status -->" in html
    assert 'href="/etat-du-service"' in html  # without the service at hand, a link to the live page
    for state in KB.incidents.states:
        assert state.title in page_text(html)
