"""Write a synthetic knowledge base with N issue types: the real data, its issue types varied N times."""

from __future__ import annotations

import argparse
import shutil
from itertools import cycle
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Words to vary the text with, so that pages and the search index look like real ones, not copies.
_PLACES = ["à Paris", "à Lyon", "à Lille", "à Nantes", "à Bordeaux", "en télétravail", "au siège", "en agence"]
_DEVICES = ["l'application web", "l'application de bureau", "l'application mobile", "un téléphone fixe"]


class _PlainDumper(yaml.SafeDumper):
    """Writes shared lists out in full: the loader refuses anchors and aliases, as writers' files have none."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write(target: Path, count: int) -> Path:
    """A data folder under `target` holding the real data with `count` issue types; returns it."""
    data = target / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("schema"))
    source = yaml.safe_load((ROOT / "data" / "issue_types.yml").read_text(encoding="utf-8"))
    originals = source["issue_types"]
    issue_types = list(originals)
    models = cycle(originals)
    for number in range(len(originals), count):
        model = next(models)
        place, device = _PLACES[number % len(_PLACES)], _DEVICES[number % len(_DEVICES)]
        issue_types.append(
            {
                **model,
                "id": f"{model['id']}-{number}",
                "title": f"{model['title']} ({device}, site {number})",
                "summary": f"{model['summary']}, constatés {place} avec {device}",
                "description": f"{model['description']} Ce cas concerne les équipes {place} qui utilisent {device}.",
                "examples": [f"{example} (site {number})" for example in model.get("examples", [])],
            }
        )
    source["issue_types"] = issue_types[:count]
    text = yaml.dump(source, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=100)
    (data / "issue_types.yml").write_text(text, encoding="utf-8")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    print(write(args.target, args.count))


if __name__ == "__main__":
    main()
