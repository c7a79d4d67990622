"""`status-api create | update | move | delete`: a ticket kept up to date from a shell, as the API does."""

from __future__ import annotations

import argparse

from status_api.cli.common import add_reference_command, core_for, create, now
from status_api.config import Settings
from status_api.core import Core, tickets
from status_api.domain import callid
from status_api.domain.records import Ticket


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("create", help="créer un ticket")
    parser.add_argument("reference")
    parser.add_argument("--issue-type", required=True)
    parser.add_argument("--step", required=True)
    parser.add_argument("--team")
    parser.add_argument("--opened-at", help="date ISO 8601 avec fuseau ; par défaut maintenant")
    parser.add_argument("--call-id", action="append", required=True, dest="call_ids", help="répétable")
    parser.add_argument("--prioritised", action="store_true")
    parser.set_defaults(command=_create)

    update = commands.add_parser("update", help="ajouter une mise à jour publique")
    update.add_argument("reference")
    update.add_argument("text")
    update.add_argument("--step")
    update.add_argument("--team")
    update.add_argument("--resolved", action="store_true", help="le ticket est résolu (dernière étape)")
    update.set_defaults(command=_update)

    move = commands.add_parser("move", help="changer l'étape ou l'équipe d'un ticket")
    move.add_argument("reference")
    move.add_argument("--step")
    move.add_argument("--team")
    move.add_argument("--text", help="mise à jour publique qui accompagne le changement")
    move.set_defaults(command=_update, resolved=False)

    add_reference_command(commands, "delete", "supprimer un ticket et tout ce qui s'y rattache", _delete)


def _create(args: argparse.Namespace, settings: Settings) -> None:
    payload = {
        "issue_type": args.issue_type,
        "step": args.step,
        "team": args.team,
        "opened_at": args.opened_at or now(),
        "prioritised": args.prioritised,
        "call_ids": args.call_ids,
    }

    def say(core: Core, ticket: Ticket) -> str:
        masked = ", ".join(callid.mask(c) for c in ticket.call_ids)
        return f"Ticket {ticket.reference} créé ({core.kb.step(ticket.step).title}, Call ID {masked})."

    create(settings, tickets.put, args.reference, payload, say)


def _update(args: argparse.Namespace, settings: Settings) -> None:
    payload = {"text": args.text, "step": args.step, "team": args.team, "resolved": args.resolved}
    with core_for(settings) as core:
        ticket = tickets.add_update(core, args.reference, payload).record
        print(f"Ticket {ticket.reference} : {core.kb.step(ticket.step).title}, {core.kb.team(ticket.team).name}.")


def _delete(args: argparse.Namespace, settings: Settings) -> None:
    with core_for(settings) as core:
        tickets.delete(core, args.reference)
    print(f"Ticket {args.reference} supprimé.")
