"""MkDocs hook: feed the pages rendered from data/*.yml into the build (the only module that knows MkDocs)."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files, InclusionLevel

from kb_build import DataError, KnowledgeBase, load
from kb_build.csp import write_policy_files
from kb_build.render import navigation, render, theme_settings

# Set by `kb build --data-dir` and by tests; otherwise data/ beside mkdocs.yml.
DATA_DIR_ENV = "KB_DATA_DIR"

_loaded: dict[str, KnowledgeBase] = {}


def data_dir(config: MkDocsConfig) -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(config.config_file_path).parent / "data"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Load once a build (mkdocs serve reloads the config, and so this, on every save).
    try:
        kb = load(data_dir(config))
    except DataError as error:
        raise Abort("Les données du centre d'aide contiennent des erreurs :\n" + str(error)) from None
    _loaded[config.config_file_path] = kb
    config.site_name = kb.site.site_name
    config.site_description = kb.site.description
    if config.nav is None:
        config.nav = navigation(kb)
    # For overrides/main.html: the "État du service" link and the incident banner on every page.
    config.extra["kb_incidents"] = theme_settings(kb, _service_url(config))
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    kb = _loaded[config.config_file_path]
    service_url = _service_url(config)
    in_nav = set(_nav_paths(config.nav or []))
    for path, markdown in render(kb, service_url=service_url).items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        # Pages the navigation leaves out on purpose (when there are many issue types) are not a mistake.
        inclusion = InclusionLevel.UNDEFINED if path in in_nav else InclusionLevel.NOT_IN_NAV
        files.append(File.generated(config, path, content=markdown, inclusion=inclusion))
    return files


def on_post_build(config: MkDocsConfig) -> None:
    # Material emits inline scripts in every page: hash them, so that a CSP can allow them and nothing else.
    write_policy_files(Path(config.site_dir), _service_url(config))


def _nav_paths(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [path for value in nav.values() for path in _nav_paths(value)]
    if isinstance(nav, list):
        return [path for item in nav for path in _nav_paths(item)]
    return []


def _service_url(config: MkDocsConfig) -> str:
    return str(config.extra.get("status_service_url") or "").rstrip("/")
