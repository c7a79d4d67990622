"""The `status-api` command: run the service, import tickets, and keep tickets and incidents up to date from a shell."""

from __future__ import annotations

import argparse
import logging
import secrets
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from kb_build import DataError, load
from kb_build.model import KnowledgeBase
from status_api import callid, messages
from status_api.bulk import BulkFailed, BulkReader, progress_stream
from status_api.config import ConfigError, Settings
from status_api.errors import PayloadError
from status_api.importer import ImportFailed, locate, read_file
from status_api.incidents import (
    Incident,
    IncidentIn,
    IncidentUpdateIn,
    apply_incident_update,
    incident_from_payload,
)
from status_api.store import CallIdTaken, SQLiteStore, StoreError, UnknownTicket
from status_api.tickets import TicketIn, UpdateIn, apply_update, ticket_from_payload, validate


class Failed(Exception):
    """A command that cannot be done: the lines to print, without a traceback."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    command: Callable[[argparse.Namespace, Settings], None] = args.command
    try:
        command(args, settings)
    except Failed as failure:
        for line in failure.lines:
            print(line, file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="status-api", description="Le service de suivi des tickets par Call ID.")
    commands = parser.add_subparsers(required=True, metavar="COMMANDE")

    serve = commands.add_parser("serve", help="démarrer le service (site, pages /suivi et API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(command=_serve)

    imports = commands.add_parser(
        "import", help="importer des tickets d'un fichier YAML, JSON ou JSON Lines (.jsonl, en masse), tout ou rien"
    )
    imports.add_argument("file", type=Path)
    imports.add_argument(
        "--shift-to-now", action="store_true", help="décaler les dates : la clé « now » devient maintenant"
    )
    imports.add_argument("--show-call-ids", action="store_true", help="afficher les Call ID importés (démo)")
    imports.set_defaults(command=_import)

    create = commands.add_parser("create", help="créer un ticket")
    create.add_argument("reference")
    create.add_argument("--issue-type", required=True)
    create.add_argument("--step", required=True)
    create.add_argument("--team")
    create.add_argument("--opened-at", help="date ISO 8601 avec fuseau ; par défaut maintenant")
    create.add_argument("--call-id", action="append", required=True, dest="call_ids", help="répétable")
    create.add_argument("--prioritised", action="store_true")
    create.set_defaults(command=_create)

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

    delete = commands.add_parser("delete", help="supprimer un ticket et tout ce qui s'y rattache")
    delete.add_argument("reference")
    delete.set_defaults(command=_delete)

    _incident_parser(commands.add_parser("incident", help="créer et tenir à jour les incidents (état du service)"))

    token = commands.add_parser("token", help="afficher un jeton d'écriture aléatoire, pour STATUS_API_TOKEN")
    token.set_defaults(command=lambda args, settings: print(secrets.token_urlsafe(32)))
    return parser


def _incident_parser(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(required=True, metavar="ACTION")

    create = commands.add_parser("create", help="ouvrir un incident")
    create.add_argument("reference")
    create.add_argument("--title", required=True)
    create.add_argument("--service", action="append", required=True, dest="services", help="répétable")
    create.add_argument("--state", help="par défaut : le premier état de data/incidents.yml")
    create.add_argument("--started-at", help="date ISO 8601 avec fuseau ; par défaut maintenant")
    create.set_defaults(command=_incident_create)

    update = commands.add_parser("update", help="publier une mise à jour, en changeant l'état si besoin")
    update.add_argument("reference")
    update.add_argument("text", nargs="?")
    update.add_argument("--state")
    update.set_defaults(command=_incident_update)

    link = commands.add_parser("link", help="rattacher un ticket à l'incident (il devient prioritaire)")
    link.add_argument("reference")
    link.add_argument("ticket")
    link.set_defaults(command=_incident_link)

    unlink = commands.add_parser("unlink", help="détacher un ticket de l'incident")
    unlink.add_argument("reference")
    unlink.add_argument("ticket")
    unlink.set_defaults(command=_incident_unlink)

    delete = commands.add_parser("delete", help="supprimer un incident ; ses tickets restent")
    delete.add_argument("reference")
    delete.set_defaults(command=_incident_delete)


def _knowledge_base(settings: Settings) -> KnowledgeBase:
    try:
        return load(settings.data_dir)
    except DataError as error:
        raise Failed(*error.report()) from None


def _store(settings: Settings) -> SQLiteStore:
    try:
        return SQLiteStore(settings.db_path, connections=settings.db_pool)
    except (StoreError, sqlite3.Error, OSError) as error:
        raise Failed(f"{settings.db_path}: base de données inutilisable : {error}") from None


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    from status_api import preflight, server
    from status_api.app import create_app

    problems = preflight.problems(settings)
    if problems:
        raise Failed(*problems, "Le service ne démarre pas : corrigez la configuration ci-dessus.")
    kb = _knowledge_base(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    if settings.token is None:
        logging.getLogger("status_api").warning("STATUS_API_TOKEN is not set: writes are refused")
    for warning in preflight.warnings(settings):
        logging.getLogger("status_api").warning(warning)
    app = create_app(settings, kb, _store(settings))
    limits = server.ConnectionLimits(
        max_header_bytes=settings.max_header_bytes,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections,
    )
    server.run(app, host=args.host, port=args.port, log_level=settings.log_level, limits=limits)


def _import(args: argparse.Namespace, settings: Settings) -> None:
    kb = _knowledge_base(settings)
    path: Path = args.file
    if path.suffix.lower() == ".jsonl":
        _import_lines(path, kb, settings)
        return
    try:
        contents = read_file(path, kb, now=datetime.now(UTC) if args.shift_to_now else None)
    except ImportFailed as failure:
        raise Failed(*failure.errors) from None
    tickets, incidents = contents.tickets, contents.incidents
    store = _store(settings)
    try:
        store.import_many(tickets, incidents)
    except UnknownTicket as unknown:
        index, position = next(
            (i, n.tickets.index(unknown.reference)) for i, n in enumerate(incidents) if unknown.reference in n.tickets
        )
        message = messages.UNKNOWN_TICKET.format(reference=unknown.reference)
        raise Failed(locate(path, ("incidents", index, "tickets", position), message)) from None
    except CallIdTaken as taken:
        index, position = next(
            (i, t.call_ids.index(taken.call_id)) for i, t in enumerate(tickets) if taken.call_id in t.call_ids
        )
        message = messages.CALL_ID_TAKEN.format(call_id=taken.call_id, reference=taken.reference)
        raise Failed(locate(path, ("tickets", index, "call_ids", position), message)) from None
    except StoreError as error:
        raise Failed(f"{settings.db_path}: {error}") from None
    finally:
        store.close()
    print(f"{len(tickets)} ticket(s) importé(s) dans {settings.db_path}")
    if incidents:
        print(f"{len(incidents)} incident(s) importé(s) : {', '.join(i.reference for i in incidents)}")
    if args.show_call_ids:
        for ticket in tickets:
            print(f"  {ticket.call_ids[0]}  {ticket.reference}  {kb.issue_type(ticket.issue_type).title}")


def _import_lines(path: Path, kb: KnowledgeBase, settings: Settings) -> None:
    """JSON Lines, for bulk imports: streamed from the file into one transaction, in bounded memory."""
    reader = BulkReader(path, kb, progress=progress_stream())
    store = _store(settings)
    try:
        count = store.import_many(reader)
    except BulkFailed as failure:
        raise Failed(*failure.errors) from None
    except CallIdTaken as taken:
        line = reader.line_of(taken.index) if taken.index is not None else 1
        message = messages.CALL_ID_TAKEN.format(call_id=taken.call_id, reference=taken.reference)
        raise Failed(f"{path}:{line}:1: {message}") from None
    except StoreError as error:
        raise Failed(f"{settings.db_path}: {error}") from None
    finally:
        store.close()
    print(f"{count} ticket(s) importé(s) dans {settings.db_path}")


def _create(args: argparse.Namespace, settings: Settings) -> None:
    kb = _knowledge_base(settings)
    payload = {
        "issue_type": args.issue_type,
        "step": args.step,
        "team": args.team,
        "opened_at": args.opened_at or datetime.now(UTC).isoformat(),
        "prioritised": args.prioritised,
        "call_ids": args.call_ids,
    }
    try:
        ticket = ticket_from_payload(args.reference, validate(TicketIn, payload, kb), kb)
    except PayloadError as error:
        raise Failed(*(problem.describe() for problem in error.problems)) from None
    store = _store(settings)
    try:
        if store.by_reference(ticket.reference) is not None:
            raise Failed(f"Le ticket « {ticket.reference} » existe déjà : utilisez update ou move.")
        store.put(ticket)
    except CallIdTaken as taken:
        raise Failed(messages.CALL_ID_TAKEN.format(call_id=taken.call_id, reference=taken.reference)) from None
    except StoreError as error:
        raise Failed(str(error)) from None
    finally:
        store.close()
    masked = ", ".join(callid.mask(c) for c in ticket.call_ids)
    print(f"Ticket {ticket.reference} créé ({kb.step(ticket.step).title}, Call ID {masked}).")


def _update(args: argparse.Namespace, settings: Settings) -> None:
    kb = _knowledge_base(settings)
    payload = {"text": args.text, "step": args.step, "team": args.team, "resolved": args.resolved}
    now = datetime.now(UTC)
    store = _store(settings)
    try:
        update = validate(UpdateIn, payload, kb)
        added = store.add_update(args.reference, lambda ticket: apply_update(ticket, update, kb, now))
    except PayloadError as error:
        raise Failed(*(problem.describe() for problem in error.problems)) from None
    except StoreError as error:
        raise Failed(str(error)) from None
    finally:
        store.close()
    if added is None:
        raise Failed(messages.TICKET_NOT_FOUND.format(reference=args.reference))
    ticket = added.ticket
    print(f"Ticket {ticket.reference} : {kb.step(ticket.step).title}, {kb.team(ticket.team).name}.")


def _delete(args: argparse.Namespace, settings: Settings) -> None:
    store = _store(settings)
    try:
        deleted = store.delete(args.reference)
    except StoreError as error:
        raise Failed(str(error)) from None
    finally:
        store.close()
    if not deleted:
        raise Failed(messages.TICKET_NOT_FOUND.format(reference=args.reference))
    print(f"Ticket {args.reference} supprimé.")


def _incident_create(args: argparse.Namespace, settings: Settings) -> None:
    kb = _knowledge_base(settings)
    payload = {
        "title": args.title,
        "services": args.services,
        "state": args.state,
        "started_at": args.started_at or datetime.now(UTC).isoformat(),
    }
    try:
        incident_in = validate(IncidentIn, payload, kb)

        def build(current: Incident | None) -> Incident:
            if current is not None:
                raise Failed(f"L'incident « {args.reference} » existe déjà : utilisez incident update.")
            return incident_from_payload(args.reference, incident_in, None, kb)

        _with_store(settings, lambda store: store.put_incident(args.reference, build))
    except PayloadError as error:
        raise Failed(*(problem.describe() for problem in error.problems)) from None
    state = kb.incident_state(incident_in.state or kb.incidents.states[0].id)
    print(f"Incident {args.reference} ouvert ({state.title}).")


def _incident_update(args: argparse.Namespace, settings: Settings) -> None:
    kb = _knowledge_base(settings)
    now = datetime.now(UTC)
    try:
        update = validate(IncidentUpdateIn, {"text": args.text, "state": args.state}, kb)
        added = _with_store(
            settings,
            lambda store: store.add_incident_update(
                args.reference, lambda incident: apply_incident_update(incident, update, kb, now)
            ),
        )
    except PayloadError as error:
        raise Failed(*(problem.describe() for problem in error.problems)) from None
    if added is None:
        raise Failed(messages.INCIDENT_NOT_FOUND.format(reference=args.reference))
    print(f"Incident {args.reference} : {kb.incident_state(added.incident.state).title}.")


def _incident_link(args: argparse.Namespace, settings: Settings) -> None:
    result = _with_store(settings, lambda store: store.link_ticket(args.ticket, args.reference))
    if result == "unknown_incident":
        raise Failed(messages.INCIDENT_NOT_FOUND.format(reference=args.reference))
    if result == "unknown_ticket":
        raise Failed(messages.TICKET_NOT_FOUND.format(reference=args.ticket))
    print(f"Ticket {args.ticket} rattaché à l'incident {args.reference}.")


def _incident_unlink(args: argparse.Namespace, settings: Settings) -> None:
    if not _with_store(settings, lambda store: store.unlink_ticket(args.ticket, args.reference)):
        raise Failed(messages.TICKET_NOT_LINKED.format(ticket=args.ticket, reference=args.reference))
    print(f"Ticket {args.ticket} détaché de l'incident {args.reference}.")


def _incident_delete(args: argparse.Namespace, settings: Settings) -> None:
    if not _with_store(settings, lambda store: store.delete_incident(args.reference)):
        raise Failed(messages.INCIDENT_NOT_FOUND.format(reference=args.reference))
    print(f"Incident {args.reference} supprimé.")


_R = TypeVar("_R")


def _with_store(settings: Settings, action: Callable[[SQLiteStore], _R]) -> _R:
    store = _store(settings)
    try:
        return action(store)
    except StoreError as error:
        raise Failed(str(error)) from None
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
