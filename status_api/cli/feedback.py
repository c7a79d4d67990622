"""`status-api feedback`: the readers' votes on the help center's pages, page by page, with their comments."""

from __future__ import annotations

import argparse
import json
from zoneinfo import ZoneInfo

from status_api.cli.common import core_for
from status_api.config import Settings
from status_api.core import feedback


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "feedback",
        help="les avis des lecteurs (« Cet article vous a-t-il été utile ? ») page par page, et leurs commentaires",
    )
    report.add_argument("--json", action="store_true", help="en JSON, pour un outil")
    report.set_defaults(command=_feedback)


def _feedback(args: argparse.Namespace, settings: Settings) -> None:
    with core_for(settings) as core:
        pages = feedback.report(core)
        zone = core.kb.site.timezone
    if args.json:
        rows = [
            {
                "page": page.page,
                "votes": page.votes,
                "useful": page.useful,
                "not_useful": page.not_useful,
                "share_useful": round(page.share_useful, 3),
                "comments": [{"at": c.at.isoformat(), "text": c.text} for c in page.comments],
            }
            for page in pages
        ]
        print(json.dumps({"pages": rows}, ensure_ascii=False, indent=2))
        return
    if not pages:
        print("Aucun avis pour l'instant.")
        return
    local = ZoneInfo(zone)
    print(f"{'Page':<40} {'Avis':>5} {'Oui':>5} {'Non':>5} {'Utile':>6}")
    for page in pages:
        share = f"{page.share_useful:.0%}"
        print(f"{page.page:<40} {page.votes:>5} {page.useful:>5} {page.not_useful:>5} {share:>6}")
    for page in pages:
        if page.comments:
            print()
            print(f"Commentaires sur {page.page} (du plus récent au plus ancien) :")
            for c in page.comments:
                print(f"  {c.at.astimezone(local):%Y-%m-%d %H:%M}  {' '.join(c.text.split())}")
