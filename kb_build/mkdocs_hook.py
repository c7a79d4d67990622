"""MkDocs hook: feed the pages rendered from data/*.yml into the build (the only module that knows MkDocs)."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from kb_build import DataError, KnowledgeBase, read
from kb_build.csp import write_policy_files
from kb_build.languages import LANGUAGE_SETTING, SITE_ROOT_SETTING, alternates, language_root
from kb_build.render import feedback_settings, navigation, render, theme_labels, theme_settings
from kb_build.settings import data_dir
from kb_build.typography import spaced_html

log = logging.getLogger("mkdocs.plugins.kb_build")


class HelpCenterHook:
    """One build's state: what on_config loaded, for the events that follow.

    MkDocs loads this file once per process and calls on_config again for each build (`mkdocs serve` on every
    save), which replaces everything the previous build knew.
    """

    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.service_url = ""
        self.language = ""
        self.site_url = ""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            loaded = read(data_dir(root=Path(config.config_file_path).parent))
        except DataError as error:
            raise Abort("Les données du centre d'aide contiennent des erreurs :\n" + str(error)) from None
        # Commitments still to confirm: shown to a writer under `mkdocs serve`, never a warning that fails
        # a strict build (site.yml's « publication: stricte » makes them errors instead).
        for warning in (*loaded.warnings, *loaded.gaps):
            log.info("%s", warning)
        # One build per language (kb build runs them all, the others into site/<code>/): this one's language is
        # extra.kb_language (KB_LANGUAGE=en mkdocs serve previews English), French when unset.
        language = str(config.extra.get(LANGUAGE_SETTING) or loaded.kb.site.language)
        if language not in loaded.kb.languages:
            known = ", ".join(loaded.kb.languages)
            raise Abort(f"Langue « {language} » inconnue : site.yml (languages) déclare {known}")
        self.language = language
        kb = self.kb = loaded.kb.in_language(language)
        # Material's words (search, buttons, the 404 page's fallbacks) and the search index's language follow it.
        config.theme["language"] = language
        config.extra[LANGUAGE_SETTING] = language
        config.extra["alternate"] = []
        # The whole site's address (kb build gives each other language's build its own, site_url + "en/").
        self.site_url = str(config.extra.get("kb_site_url") or config.site_url or "")
        base = self.site_url.rstrip("/") + "/"
        # For the sitemap (overrides/sitemap.xml): each language's home, from which its pages' addresses follow.
        config.extra["kb_languages"] = [{"lang": code, "home": base + language_root(kb, code)} for code in kb.languages]
        config.extra["kb_home"] = base + language_root(kb, language)
        self.service_url = str(config.extra.get("status_service_url") or "").rstrip("/")
        config.site_name = kb.site.site_name
        config.site_description = kb.site.description
        if not (Path(config.docs_dir) / kb.site.logo).is_file():
            raise Abort(f"site.yml : le logo « {kb.site.logo} » est introuvable dans {config.docs_dir}")
        config.theme["logo"] = kb.site.logo
        config.copyright = html.escape(kb.site.footer)
        if config.nav is None:
            config.nav = navigation(kb)
        # For overrides/: the "État du service" link and the incident banner on every page, and Material's
        # words that the help center says its own way (header buttons, breadcrumbs, the 404 page).
        config.extra["kb_incidents"] = theme_settings(kb, self.service_url)
        config.extra["kb_theme"] = theme_labels(kb)
        config.extra["kb_feedback"] = feedback_settings(kb, self.service_url)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        if self.kb is None:
            raise Abort("kb_build/mkdocs_hook.py : on_files sans on_config")
        in_nav = set(_nav_paths(config.nav or []))
        for path, markdown in render(self.kb, service_url=self.service_url).items():
            existing = files.get_file_from_path(path)
            if existing is not None:
                files.remove(existing)
            # Pages the navigation leaves out on purpose (when there are many issue types) are not a mistake.
            inclusion = InclusionLevel.UNDEFINED if path in in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, path, content=markdown, inclusion=inclusion))
        return files

    # French spacing everywhere a French page shows text: in the content before the search index reads it, then
    # over the whole page (Material's header, navigation and footer), and on the 404 page, which is a template.
    # Other languages are left as their translators typed them.
    def on_page_content(self, content: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        return spaced_html(content, self.language)

    def on_page_context(
        self, context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Navigation
    ) -> dict[str, Any]:
        # The same page in every language, for Material's language menu and its <link rel="alternate" hreflang>:
        # `extra.alternate` is the site's, so it is set for each page as it is rendered, and emptied after it
        # (the 404 page and the sitemap, rendered apart, have no one page to point to).
        if self.kb is not None and len(self.kb.languages) > 1:
            config.extra["alternate"] = alternates(self.kb, page.url, self.site_url)
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        config.extra["alternate"] = []
        return spaced_html(output, self.language)

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        return spaced_html(output_content, self.language) if template_name.endswith(".html") else output_content

    def on_post_build(self, config: MkDocsConfig) -> None:
        # Material emits inline scripts in every page: hash them, so that a CSP can allow them and nothing else.
        # kb build builds each other language into site/<code>/ after French, and gives each build the whole
        # site's folder: the last hashes every language's pages.
        write_policy_files(Path(config.extra.get(SITE_ROOT_SETTING) or config.site_dir), self.service_url)


def _nav_paths(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [path for value in nav.values() for path in _nav_paths(value)]
    if isinstance(nav, list):
        return [path for item in nav for path in _nav_paths(item)]
    return []


# MkDocs registers a hook file's on_* names as event handlers: here, the methods of this file's one hook object.
_hook = HelpCenterHook()


@event_priority(100)  # first: Material's search plugin reads the theme's language in its own on_config
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    return _hook.on_config(config)


on_page_context = _hook.on_page_context
on_files = _hook.on_files
on_page_content = _hook.on_page_content
on_post_page = _hook.on_post_page
on_post_template = _hook.on_post_template
on_post_build = _hook.on_post_build
