"""The `status-api` command: run the service, import tickets, and keep tickets and incidents up to date from a shell.

Each staff command calls the use case the API calls (status_api/core/), so that the two cannot drift.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kb_build import DataError, load
from kb_build.model import KnowledgeBase
from status_api import config
from status_api.config import ConfigError, Settings
from status_api.core import Core, feedback, helpdesk, incidents, tickets
from status_api.domain import callid
from status_api.domain.errors import CallIdTaken, DomainError, Invalid
from status_api.helpdesk import export, zendesk
from status_api.importers.files import ImportFailed, import_file
from status_api.importers.lines import BulkFailed, import_lines, progress_stream
from status_api.storage import open_store


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
    except Invalid as error:
        for problem in error.problems:
            print(problem.describe(), file=sys.stderr)
        return 1
    except DomainError as error:
        print(error.message, file=sys.stderr)
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

    report = commands.add_parser(
        "feedback",
        help="les avis des lecteurs (« Cet article vous a-t-il été utile ? ») page par page, et leurs commentaires",
    )
    report.add_argument("--json", action="store_true", help="en JSON, pour un outil")
    report.set_defaults(command=_feedback)

    _incident_parser(commands.add_parser("incident", help="créer et tenir à jour les incidents (état du service)"))

    token = commands.add_parser("token", help="afficher un jeton d'écriture aléatoire, pour STATUS_API_TOKEN")
    token.set_defaults(command=lambda args, settings: print(secrets.token_urlsafe(32)))

    helpdesk = commands.add_parser("zendesk", help="relier le suivi à Zendesk (voir « Connecter Zendesk » du README)")
    actions = helpdesk.add_subparsers(required=True, metavar="ACTION")
    body = actions.add_parser(
        "trigger-body", help="afficher le corps JSON à coller dans l'action webhook du déclencheur Zendesk"
    )
    body.set_defaults(command=_trigger_body)
    sync = actions.add_parser(
        "sync", help="reprendre l'état des tickets Zendesk modifiés depuis une date (export incrémental)"
    )
    sync.add_argument("--since", required=True, help="date ISO 8601 (2026-11-01 ou 2026-11-01T08:00:00+01:00)")
    sync.set_defaults(command=_sync)
    return parser


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
    with _core(settings) as core:
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
    print(zendesk.trigger_body(_knowledge_base(settings).helpdesk.zendesk))


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


@contextmanager
def _core(settings: Settings) -> Iterator[Core]:
    """The use cases' context for one command: the data, and the store, closed whatever happens."""
    kb = _knowledge_base(settings)
    try:
        store = open_store(settings, recent_updates=kb.tracking.updates_shown)
    except (DomainError, sqlite3.Error, OSError) as error:
        raise Failed(f"{settings.database}: base de données inutilisable : {error}") from None
    try:
        yield Core(kb, store)
    finally:
        store.close()


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    from status_api import server
    from status_api.app import create_app

    problems = config.problems(settings)
    if problems:
        raise Failed(*problems, "Le service ne démarre pas : corrigez la configuration ci-dessus.")
    kb = _knowledge_base(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    if settings.token is None:
        logging.getLogger("status_api").warning("STATUS_API_TOKEN is not set: writes are refused")
    for warning in config.warnings(settings):
        logging.getLogger("status_api").warning(warning)
    try:
        store = open_store(settings, recent_updates=kb.tracking.updates_shown)
    except (DomainError, sqlite3.Error, OSError) as error:
        raise Failed(f"{settings.database}: base de données inutilisable : {error}") from None
    app = create_app(settings, kb, store)
    limits = server.ConnectionLimits(
        max_header_bytes=settings.max_header_bytes,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections,
    )
    server.run(app, host=args.host, port=args.port, log_level=settings.log_level, limits=limits)


def _import(args: argparse.Namespace, settings: Settings) -> None:
    path: Path = args.file
    with _core(settings) as core:
        if path.suffix.lower() == ".jsonl":
            # JSON Lines, for bulk imports: streamed from the file into one transaction, in bounded memory.
            try:
                count = import_lines(core, path, progress=progress_stream())
            except BulkFailed as failure:
                raise Failed(*failure.errors) from None
            print(f"{count} ticket(s) importé(s) dans {settings.database}")
            return
        try:
            contents = import_file(core, path, now=datetime.now(UTC) if args.shift_to_now else None)
        except ImportFailed as failure:
            raise Failed(*failure.errors) from None
    print(f"{len(contents.tickets)} ticket(s) importé(s) dans {settings.database}")
    if contents.incidents:
        print(
            f"{len(contents.incidents)} incident(s) importé(s) : {', '.join(i.reference for i in contents.incidents)}"
        )
    if contents.maintenances:
        references = ", ".join(m.reference for m in contents.maintenances)
        print(f"{len(contents.maintenances)} maintenance(s) importée(s) : {references}")
    if args.show_call_ids:
        for ticket in contents.tickets:
            print(f"  {ticket.call_ids[0]}  {ticket.reference}  {core.kb.issue_type(ticket.issue_type).title}")


def _create(args: argparse.Namespace, settings: Settings) -> None:
    payload = {
        "issue_type": args.issue_type,
        "step": args.step,
        "team": args.team,
        "opened_at": args.opened_at or _now(),
        "prioritised": args.prioritised,
        "call_ids": args.call_ids,
    }
    with _core(settings) as core:
        # As the API's PUT with If-None-Match: * : created, never replaced.
        ticket = tickets.put(core, args.reference, payload, if_absent=True).record
        step = core.kb.step(ticket.step).title
    masked = ", ".join(callid.mask(c) for c in ticket.call_ids)
    print(f"Ticket {ticket.reference} créé ({step}, Call ID {masked}).")


def _update(args: argparse.Namespace, settings: Settings) -> None:
    payload = {"text": args.text, "step": args.step, "team": args.team, "resolved": args.resolved}
    with _core(settings) as core:
        ticket = tickets.add_update(core, args.reference, payload).record
        print(f"Ticket {ticket.reference} : {core.kb.step(ticket.step).title}, {core.kb.team(ticket.team).name}.")


def _delete(args: argparse.Namespace, settings: Settings) -> None:
    with _core(settings) as core:
        tickets.delete(core, args.reference)
    print(f"Ticket {args.reference} supprimé.")


def _feedback(args: argparse.Namespace, settings: Settings) -> None:
    with _core(settings) as core:
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


def _incident_create(args: argparse.Namespace, settings: Settings) -> None:
    payload = {
        "title": args.title,
        "services": args.services,
        "state": args.state,
        "started_at": args.started_at or _now(),
    }
    with _core(settings) as core:
        incident = incidents.put(core, args.reference, payload, if_absent=True).record
        print(f"Incident {incident.reference} ouvert ({core.kb.incident_state(incident.state).title}).")


def _incident_update(args: argparse.Namespace, settings: Settings) -> None:
    with _core(settings) as core:
        incident = incidents.add_update(core, args.reference, {"text": args.text, "state": args.state}).record
        print(f"Incident {incident.reference} : {core.kb.incident_state(incident.state).title}.")


def _incident_link(args: argparse.Namespace, settings: Settings) -> None:
    with _core(settings) as core:
        incidents.link(core, args.reference, args.ticket)
    print(f"Ticket {args.ticket} rattaché à l'incident {args.reference}.")


def _incident_unlink(args: argparse.Namespace, settings: Settings) -> None:
    with _core(settings) as core:
        incidents.unlink(core, args.reference, args.ticket)
    print(f"Ticket {args.ticket} détaché de l'incident {args.reference}.")


def _incident_delete(args: argparse.Namespace, settings: Settings) -> None:
    with _core(settings) as core:
        incidents.delete(core, args.reference)
    print(f"Incident {args.reference} supprimé.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


if __name__ == "__main__":
    sys.exit(main())
