"""overrides/ copies a few of Material's templates to fix them: each copy must follow the installed Material."""

from __future__ import annotations

from pathlib import Path

import material

from tests.conftest import ROOT

MATERIAL_TEMPLATES = Path(material.__file__).parent / "templates"
# Each copied template, and the one change made to Material's own.
CHANGES = {
    "partials/search.html": (
        'data-md-component="search" role="dialog">',
        'data-md-component="search" role="dialog" aria-label="{{ lang.t(\'search\') }}">',
    ),
}


def without_comments(template: str) -> str:
    return "\n".join(line for line in template.split("-#}", 1)[-1].strip().splitlines())


def test_each_copied_template_is_materials_own_with_its_one_change() -> None:
    for name, (original, changed) in CHANGES.items():
        ours = without_comments((ROOT / "overrides" / name).read_text(encoding="utf-8"))
        theirs = without_comments((MATERIAL_TEMPLATES / name).read_text(encoding="utf-8"))
        assert original in theirs, f"Material's {name} changed: copy it again into overrides/ and reapply the fix"
        assert ours == theirs.replace(original, changed), (
            f"overrides/{name} drifted from Material's: copy it again and reapply the fix"
        )
