"""MkDocs hook: feed the pages rendered from data/*.yml into the build (the only module that knows MkDocs)."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from kb_build import DataError, KnowledgeBase, read
from kb_build.csp import write_policy_files
from kb_build.render import feedback_settings, navigation, render, theme_labels, theme_settings
from kb_build.settings import data_dir
from kb_build.typography import french_html

log = logging.getLogger("mkdocs.plugins.kb_build")


class HelpCenterHook:
    """One build's state: what on_config loaded, for the events that follow.

    MkDocs loads this file once per process and calls on_config again for each build (`mkdocs serve` on every
    save), which replaces everything the previous build knew.
    """

    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.service_url = ""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            loaded = read(data_dir(root=Path(config.config_file_path).parent))
        except DataError as error:
            raise Abort("Les données du centre d'aide contiennent des erreurs :\n" + str(error)) from None
        # Commitments still to confirm: shown to a writer under `mkdocs serve`, never a warning that fails
        # a strict build (site.yml's « publication: stricte » makes them errors instead).
        for warning in loaded.warnings:
            log.info("%s", warning)
        kb = self.kb = loaded.kb
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

    # French spacing everywhere a page shows text: in the content before the search index reads it, then over
    # the whole page (Material's header, navigation and footer), and on the 404 page, which is a template.
    def on_page_content(self, content: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        return french_html(content)

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        return french_html(output)

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        return french_html(output_content) if template_name.endswith(".html") else output_content

    def on_post_build(self, config: MkDocsConfig) -> None:
        # Material emits inline scripts in every page: hash them, so that a CSP can allow them and nothing else.
        write_policy_files(Path(config.site_dir), self.service_url)


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
on_config = _hook.on_config
on_files = _hook.on_files
on_page_content = _hook.on_page_content
on_post_page = _hook.on_post_page
on_post_template = _hook.on_post_template
on_post_build = _hook.on_post_build
