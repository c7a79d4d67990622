"""Write a JSON Lines import file of N realistic tickets, and the call IDs to look up (found and missing)."""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import ROOT
from kb_build import load

_TEXTS = [
    "Nous avons bien reçu votre signalement et analysons les appels concernés.",
    "Nos ingénieurs télécoms ont reproduit le problème ; la cause est en cours d'identification.",
    "Un correctif est en préparation ; nous vous tiendrons informé de son déploiement.",
    "Le correctif a été déployé : merci de nous confirmer que tout fonctionne de votre côté.",
]


def call_id(number: int) -> str:
    # 20 digits, as the brand's telephony shows them; spread so that lookups hit the whole index.
    return f"{(number * 2654435761) % 10**12:012d}{number:08d}"


def reference(number: int) -> str:
    return f"RGV-{number:07d}"


def missing_call_id(number: int) -> str:
    return f"9{number:019d}"


def write(path: Path, count: int, seed: int = 7) -> None:
    """Streamed to disk: a million tickets need not sit in memory as Python objects to be written."""
    kb = load(ROOT / "data")
    rng = random.Random(seed)
    steps = [step.id for step in kb.process.steps]
    issue_types = [issue_type.id for issue_type in kb.issue_types.issue_types]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            opened = start + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
            step_index = rng.randrange(0, len(steps) - 1)
            updates = [
                {"at": (opened + timedelta(hours=6 * (n + 1))).isoformat(), "text": _TEXTS[n]}
                for n in range(rng.randrange(0, 3))
            ]
            ticket = {
                "reference": reference(number),
                "issue_type": issue_types[number % len(issue_types)],
                "step": steps[step_index],
                "opened_at": opened.isoformat(),
                "call_ids": [call_id(number)],
                "updates": updates,
            }
            out.write(json.dumps(ticket, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    write(args.path, args.count)


if __name__ == "__main__":
    main()
