"""overrides/ copies a few of Material's templates to fix them: each copy must follow the installed Material."""

from __future__ import annotations

from pathlib import Path

import material

from tests.conftest import ROOT

MATERIAL_TEMPLATES = Path(material.__file__).parent / "templates"
# Each copied template, and the changes made to Material's own: (Material's text, ours).
CHANGES: dict[str, list[tuple[str, str]]] = {
    "partials/search.html": [
        (
            'data-md-component="search" role="dialog">',
            'data-md-component="search" role="dialog" aria-label="{{ lang.t(\'search\') }}">',
        ),
    ],
    "partials/header.html": [
        (
            '<label class="md-header__button md-icon" for="__drawer">',
            '<label class="md-header__button md-icon" for="__drawer"'
            ' title="{{ config.extra.kb_theme.menu_button | e }}">'
            '<span class="kb-visually-hidden">{{ config.extra.kb_theme.menu_button | e }}</span>',
        ),
        (
            '<label class="md-header__button md-icon" for="__search">',
            '<label class="md-header__button md-icon" for="__search"'
            ' title="{{ config.extra.kb_theme.search_button | e }}">'
            '<span class="kb-visually-hidden">{{ config.extra.kb_theme.search_button | e }}</span>',
        ),
        (
            "    {% if config.theme.palette %}\n      {% if not config.theme.palette is mapping %}",
            '    {% include "partials/kb-status-link.html" %}\n'
            "    {% if config.theme.palette %}\n      {% if not config.theme.palette is mapping %}",
        ),
    ],
    "partials/alternate.html": [
        (
            '<a href="{{ alt.link | url }}" hreflang="{{ alt.lang }}" class="md-select__link">',
            '<a href="{{ alt.link | url }}" hreflang="{{ alt.lang }}" lang="{{ alt.lang }}" class="md-select__link"'
            ' target="_self">',
        ),
    ],
    "partials/logo.html": [
        (
            '<img src="{{ config.theme.logo | url }}" alt="logo">',
            '<img src="{{ config.theme.logo | url }}" alt="{{ config.extra.kb_theme.brand | e }}">',
        ),
    ],
}


def without_comments(template: str) -> str:
    return "\n".join(line for line in template.split("-#}", 1)[-1].strip().splitlines())


def test_each_copied_template_is_materials_own_with_its_changes() -> None:
    for name, changes in CHANGES.items():
        ours = without_comments((ROOT / "overrides" / name).read_text(encoding="utf-8"))
        theirs = without_comments((MATERIAL_TEMPLATES / name).read_text(encoding="utf-8"))
        for original, changed in changes:
            assert theirs.count(original) == 1, f"Material's {name} changed: copy it again and reapply the fixes"
            theirs = theirs.replace(original, changed)
        assert ours == theirs, f"overrides/{name} drifted from Material's: copy it again and reapply the fixes"
