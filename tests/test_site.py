"""The help center built for real by MkDocs: every fact of the source article on the right page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kb_build import load
from kb_build.model import KnowledgeBase
from tests.conftest import ROOT, page_text
from tests.french import NBSP, NNBSP, _ReadText, spacing_mistakes

# The source article, kept with the data that quotes it (a copy of ../shared/seed/, so that the test runs wherever
# the repository is cloned).
SEED = ROOT / "data" / "sources" / "support-process.fr.txt"
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


def article(html: str) -> str:
    """The page's content: Material's <article>, without the header, navigation and footer around it."""
    return html[html.index("<article") : html.index("</article>")]


def fold(text: str) -> str:
    """Compare sentences, not punctuation or spacing around them: the article ends some with " :", and the pages
    put no-break spaces where French wants them (str.split() takes them as spaces)."""
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
        assert fold(route.title) in fold(page_text(html))
    for target in ("types-de-problemes/", "suivre-mon-ticket/", "delais/", "communication/"):
        assert f'href="{target}"' in html


def test_tracking_page_has_a_form_that_works_without_javascript(built_site: Path) -> None:
    html = read(built_site, "suivre-mon-ticket/index.html")
    assert '<form class="kb-status-form" method="post" action="/suivi#kb-status-result"' in html
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
        # a sitemap beside them, a 404 in every visitor's console. The status page links the feed instead. The
        # only ones are the page in each language (hreflang), whose probes languages.js sends to a real sitemap.
        assert re.findall(r'<link rel="alternate"(?![^>]*hreflang=)[^>]*>', html) == []
    assert (built_site / "assets" / "javascripts" / "incidents.js").is_file()


def test_disruption_and_communication_pages_explain_incidents(built_site: Path) -> None:
    help_texts = KB.incidents.help
    disruption = read(built_site, f"types-de-problemes/{KB.incidents.issue_type}/index.html")
    text = page_text(disruption)
    for sentence in (help_texts.intro, help_texts.status_page, help_texts.banner, help_texts.tickets):
        assert fold(sentence) in fold(text)
    for state in KB.incidents.states:
        assert state.title in text and fold(state.description) in fold(text)
    for service in KB.incidents.services:
        assert service.name in text
    assert 'href="/etat-du-service"' in disruption
    assert 'href="../../etat-du-service/#pour-vos-outils"' in disruption

    communication = read(built_site, "communication/index.html")
    assert 'href="../etat-du-service/#pour-vos-outils"' in communication
    assert f'href="../types-de-problemes/{KB.incidents.issue_type}/#etats-incident"' in communication
    # The feed and the JSON list are for customers' tools: named and linked in that part only.
    for html in (disruption, communication):
        assert "flux.atom" not in article(html) and "/api/" not in article(html)


def test_the_feed_and_the_json_list_are_in_a_part_for_tools(built_site: Path) -> None:
    help_texts, texts = KB.incidents.help, KB.incidents.texts
    content = article(read(built_site, "etat-du-service/index.html"))
    tools = content[content.rindex("<h2", 0, content.index('id="pour-vos-outils"')) :]
    for sentence in (help_texts.tools_intro, help_texts.feed, help_texts.json_api, help_texts.api_docs):
        assert fold(sentence) in fold(page_text(f"<article>{tools}</article>"))
    assert f'<a href="/etat-du-service/flux.atom">{texts.feed_link}</a>' in tools
    assert f'<a href="/api/v1/incidents/current">{texts.json_link}</a>' in tools
    assert 'href="/api/openapi.json"' in tools


def test_the_status_page_of_the_help_center_is_the_service_shell(built_site: Path) -> None:
    html = read(built_site, "etat-du-service/index.html")
    assert "<!-- service-status -->" in html and "<!-- /service-status -->" in html
    assert 'href="/etat-du-service"' in html  # without the service at hand, a link to the live page
    for state in KB.incidents.states:
        assert state.title in page_text(html)


# --- French as a French reader expects it, on every page -------------------------------------------------------


def test_spacing_mistakes_are_found() -> None:
    spaced = f"Un problème{NNBSP}? Exemple{NBSP}: «{NBSP}Call ID{NBSP}» à 16{NBSP}h{NBSP}28, 14:05."
    assert spacing_mistakes(spaced) == []
    assert len(spacing_mistakes("Un problème ? Exemple: « Call ID » à 16 h 28")) == 6
    assert spacing_mistakes("Voir https://example.com/?a=b:c ; ou") != []
    assert spacing_mistakes("Voir https://example.com/?a=b:c") == []


def in_french(pages: list[Path], site: Path) -> list[Path]:
    """The pages of the French site: the other languages' folders (site/en/) left out."""
    others = set(KB.languages[1:])
    return [page for page in pages if page.relative_to(site).parts[0] not in others]


def test_every_page_is_spaced_the_french_way(built_site: Path) -> None:
    mistakes = []
    pages = in_french(sorted(built_site.rglob("*.html")), built_site)
    assert len(pages) > 10 and built_site / "404.html" in pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        reader = _ReadText()
        reader.feed(html)
        texts = [*reader.lines, *reader.attributes]
        # Material's own words that its scripts show (search results, copy button): in the page's __config.
        config = re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.DOTALL)
        if config:
            texts += json.loads(config.group(1))["translations"].values()
        mistakes += [f"{page.relative_to(built_site)}: {found}" for text in texts for found in spacing_mistakes(text)]
    assert mistakes == [], f"{len(mistakes)} places:\n" + "\n".join(mistakes[:60])


# --- what help centers have -------------------------------------------------------------------------------------


def generated_pages(site: Path) -> list[Path]:
    """The pages of one language's site (site/ for French, site/en/ for English)."""
    others = set(KB.languages[1:]) - {site.name}
    return sorted(
        page
        for page in site.rglob("index.html")
        if page.parent.name != "search" and page.relative_to(site).parts[0] not in others
    )


def language_site(built_site: Path, language: str) -> tuple[Path, KnowledgeBase]:
    return (built_site if language == "fr" else built_site / language), KB.in_language(language)


@pytest.mark.parametrize("language", KB.languages)
def test_every_page_but_the_home_page_has_breadcrumbs_ending_with_itself(built_site: Path, language: str) -> None:
    built_site, KB = language_site(built_site, language)  # the same checks, in each language
    label = KB.site.labels.breadcrumb
    assert "md-path" not in read(built_site, "index.html")
    for page in generated_pages(built_site):
        if page == built_site / "index.html":
            continue
        html = page.read_text(encoding="utf-8")
        pattern = rf'<nav class="md-path" aria-label="{re.escape(label)}">(.*?)</nav>'
        trail = re.search(pattern, html.replace("&#39;", "'"), re.S)
        assert trail is not None, page
        items = re.findall(r'<li class="md-path__item">(.*?)</li>', trail.group(1), re.S)
        assert 'href="' in items[0] and fold(KB.site.home.title) in fold(page_text(f"<article>{items[0]}</article>"))
        assert 'aria-current="page"' in items[-1] and "href=" not in items[-1]
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert h1 is not None
        title = page_text(f"<article>{h1.group(1)}</article>").rstrip("¶")
        assert fold(title) == fold(page_text(f"<article>{items[-1]}</article>")), page
    issue_type = read(built_site, f"types-de-problemes/{KB.issue_types.issue_types[0].id}/index.html")
    start = issue_type.index('class="md-path"')
    trail_text = issue_type[start : issue_type.index("</nav>", start)]
    assert fold(KB.issue_types.title) in fold(page_text(f"<article>{trail_text}</article>"))


@pytest.mark.parametrize("language", KB.languages)
def test_every_page_says_when_it_was_last_updated(built_site: Path, language: str) -> None:
    built_site, KB = language_site(built_site, language)  # the same checks, in each language
    latest = max(
        record.updated
        for record in (KB.site, KB.process, KB.issue_types, KB.timelines, KB.communication, KB.escalation,
                       KB.articles, KB.tracking, KB.incidents)
    )  # fmt: skip
    for page in generated_pages(built_site):
        html = page.read_text(encoding="utf-8")
        found = re.search(r'<p class="kb-updated">([^<]*)<time datetime="(\d{4}-\d{2}-\d{2})">([^<]*)</time></p>', html)
        assert found is not None, page
        assert fold(found.group(1)) == fold(KB.site.labels.updated)
        assert found.group(2) <= latest.isoformat()


@pytest.mark.parametrize("language", KB.languages)
def test_issue_type_pages_list_related_articles(built_site: Path, language: str) -> None:
    built_site, KB = language_site(built_site, language)  # the same checks, in each language
    howto = KB.article(KB.site.call_id.howto_article)
    for issue_type in KB.issue_types.issue_types:
        html = read(built_site, f"types-de-problemes/{issue_type.id}/index.html")
        related = html[html.index('id="articles-lies"') :]
        related = related[: related.index("</ul>")]
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', related)
        assert 2 <= len(links) <= 5, issue_type.id
        assert (f"../../articles/{howto.id}/", howto.title) in links
        for page_id in issue_type.related:
            assert links[0][0] == f"../{page_id}/"
        assert f"../{issue_type.id}/" not in [href for href, _ in links]


@pytest.mark.parametrize("language", KB.languages)
def test_a_page_that_sends_the_reader_to_support_ends_with_the_contact(built_site: Path, language: str) -> None:
    built_site, KB = language_site(built_site, language)  # the same checks, in each language: its own prompts
    contact = KB.site.contact
    prompts = [re.compile(rf"(?<![\w-]){re.escape(p)}(?![\w-])", re.I) for p in contact.prompts]
    with_contact = set()
    for page in generated_pages(built_site):
        # What the page says, not the texts its script may show (the status checker's answers bring their own links).
        content = re.sub(r"<script\b.*?</script>", "", article(page.read_text(encoding="utf-8")), flags=re.S)
        block = content.find('<div class="kb-contact">')
        text = page_text(f"{content[: block if block >= 0 else len(content)]}</article>")
        sends = any(prompt.search(text) for prompt in prompts)
        assert (block >= 0) == sends, f"{page}: sends the reader to support: {sends}, contact block: {block >= 0}"
        if block >= 0:
            with_contact.add(page.parent.relative_to(built_site).as_posix())
            shown = page_text(f"<article>{content[block:]}</article>")
            assert fold(KB.site.labels.contact_title) in fold(shown) and contact.email in shown
            assert fold(KB.site.labels.contact_example) in fold(shown)  # the demo contact says it is an example
            assert 'id="contact"' in content[block:]
    # Every issue type page asks for information to send to support; the delays page sends nobody anywhere.
    assert {f"types-de-problemes/{item.id}" for item in KB.issue_types.issue_types} <= with_contact
    assert {".", "processus", "communication", f"articles/{KB.site.call_id.howto_article}"} <= with_contact
    assert "delais" not in with_contact


@pytest.mark.parametrize("language", KB.languages)
def test_the_brand_the_footer_and_the_404_page_speak_the_data(built_site: Path, language: str) -> None:
    built_site, KB = language_site(built_site, language)  # the same checks, in each language
    home = read(built_site, "index.html")
    header = home[home.index('<header class="md-header') : home.index("</header>")]
    assert f'<img src="assets/images/logo.svg" alt="{KB.site.brand}">' in header
    assert (built_site / "assets" / "images" / "logo.svg").is_file()
    footer = home[home.index("<footer") :]
    assert fold(KB.site.footer) in fold(page_text(f"<article>{footer}</article>"))
    missing = read(built_site, "404.html")
    assert fold(KB.site.not_found.title) in fold(page_text(missing)) and "Not found" not in missing
    for page in [*generated_pages(built_site), built_site / "404.html"]:
        html = page.read_text(encoding="utf-8")
        assert "Made with" not in html and 'alt="logo"' not in html, page
