"""`status-api zendesk …`: the trigger's body to paste into Zendesk, and the backfill of changed tickets."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from status_api.cli.common import Failed, core_for, knowledge_base
from status_api.config import Settings
from status_api.core import helpdesk
from status_api.domain.errors import CallIdTaken, Invalid
from status_api.helpdesk import export, zendesk


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("zendesk", help="relier le suivi à Zendesk (voir « Connecter Zendesk » du README)")
    actions = parser.add_subparsers(required=True, metavar="ACTION")
    body = actions.add_parser(
        "trigger-body", help="afficher le corps JSON à coller dans l'action webhook du déclencheur Zendesk"
    )
    body.set_defaults(command=_trigger_body)
    sync = actions.add_parser(
        "sync", help="reprendre l'état des tickets Zendesk modifiés depuis une date (export incrémental)"
    )
    sync.add_argument("--since", required=True, help="date ISO 8601 (2026-11-01 ou 2026-11-01T08:00:00+01:00)")
    sync.set_defaults(command=_sync)


def _sync(args: argparse.Namespace, settings: Settings) -> None:
    """Each exported ticket goes through the webhook's use case: created, moved, in order, once."""
    missing = [
        name
        for name, value in (
            ("STATUS_API_ZENDESK_URL", settings.zendesk_url),
            ("STATUS_API_ZENDESK_EMAIL", settings.zendesk_email),
            ("STATUS_API_ZENDESK_API_TOKEN", settings.zendesk_api_token),
        )
        if not value
    ]
    if missing:
        raise Failed(f"définissez {', '.join(missing)} (l'adresse du compte Zendesk, un agent et son jeton d'API)")
    assert settings.zendesk_url and settings.zendesk_email and settings.zendesk_api_token
    try:
        since = datetime.fromisoformat(args.since)
    except ValueError:
        raise Failed(f"--since : date invalide « {args.since} » (par exemple 2026-11-01)") from None
    since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    counts: dict[str, int] = {}
    with core_for(settings, creating=True) as core:  # a backfill makes the tickets it finds, as an import
        mapping = core.kb.helpdesk.zendesk
        try:
            for ticket in export.tickets(
                settings.zendesk_url, settings.zendesk_email, settings.zendesk_api_token, since
            ):
                outcome: str
                try:
                    change = zendesk.exported(ticket, mapping)
                    outcome = helpdesk.apply(core, mapping.reference_prefix + change.ticket, change)
                except (zendesk.Malformed, Invalid, CallIdTaken) as error:
                    print(f"ticket Zendesk {ticket.get('id')} ignoré : {error}", file=sys.stderr)
                    outcome = "refused"
                counts[outcome] = counts.get(outcome, 0) + 1
        except export.ExportFailed as error:
            raise Failed(str(error), _sync_summary(counts)) from None
    print(_sync_summary(counts))


def _sync_summary(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    details = ", ".join(f"{name} : {count}" for name, count in sorted(counts.items())) or "aucun"
    return f"{total} ticket(s) Zendesk lus ({details})"


def _trigger_body(args: argparse.Namespace, settings: Settings) -> None:
    """Built from data/helpdesk.yml: the ticket fields it names are those the body asks Zendesk for."""
    print(zendesk.trigger_body(knowledge_base(settings).helpdesk.zendesk))
