"""`status-api incident …`: incidents opened, updated, linked to tickets and deleted from a shell."""

from __future__ import annotations

import argparse

from status_api.cli.common import add_reference_command, core_for, create, now
from status_api.config import Settings
from status_api.core import Core, incidents
from status_api.domain.records import Incident


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("incident", help="créer et tenir à jour les incidents (état du service)")
    actions = parser.add_subparsers(required=True, metavar="ACTION")

    opening = actions.add_parser("create", help="ouvrir un incident")
    opening.add_argument("reference")
    opening.add_argument("--title", required=True)
    opening.add_argument("--service", action="append", required=True, dest="services", help="répétable")
    opening.add_argument("--state", help="par défaut : le premier état de data/incidents.yml")
    opening.add_argument("--started-at", help="date ISO 8601 avec fuseau ; par défaut maintenant")
    opening.set_defaults(command=_create)

    update = actions.add_parser("update", help="publier une mise à jour, en changeant l'état si besoin")
    update.add_argument("reference")
    update.add_argument("text", nargs="?")
    update.add_argument("--state")
    update.set_defaults(command=_update)

    add_reference_command(actions, "link", "rattacher un ticket à l'incident (il devient prioritaire)", _link, "ticket")
    add_reference_command(actions, "unlink", "détacher un ticket de l'incident", _unlink, "ticket")
    add_reference_command(actions, "delete", "supprimer un incident ; ses tickets restent", _delete)


def _create(args: argparse.Namespace, settings: Settings) -> None:
    payload = {
        "title": args.title,
        "services": args.services,
        "state": args.state,
        "started_at": args.started_at or now(),
    }

    def say(core: Core, incident: Incident) -> str:
        return f"Incident {incident.reference} ouvert ({core.kb.incident_state(incident.state).title})."

    create(settings, incidents.put, args.reference, payload, say)


def _update(args: argparse.Namespace, settings: Settings) -> None:
    with core_for(settings) as core:
        incident = incidents.add_update(core, args.reference, {"text": args.text, "state": args.state}).record
        print(f"Incident {incident.reference} : {core.kb.incident_state(incident.state).title}.")


def _link(args: argparse.Namespace, settings: Settings) -> None:
    with core_for(settings) as core:
        incidents.link(core, args.reference, args.ticket)
    print(f"Ticket {args.ticket} rattaché à l'incident {args.reference}.")


def _unlink(args: argparse.Namespace, settings: Settings) -> None:
    with core_for(settings) as core:
        incidents.unlink(core, args.reference, args.ticket)
    print(f"Ticket {args.ticket} détaché de l'incident {args.reference}.")


def _delete(args: argparse.Namespace, settings: Settings) -> None:
    with core_for(settings) as core:
        incidents.delete(core, args.reference)
    print(f"Incident {args.reference} supprimé.")
