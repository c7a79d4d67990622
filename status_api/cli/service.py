"""`status-api serve | import`: the service run, and tickets, incidents and maintenance imported from a file."""

from __future__ import annotations

import argparse
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from status_api import config
from status_api.cli.common import Failed, core_for, knowledge_base
from status_api.config import Settings
from status_api.domain.errors import DomainError
from status_api.importers.files import ImportFailed, import_file
from status_api.importers.lines import BulkFailed, import_lines, progress_stream
from status_api.storage import open_store


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="démarrer le service (site, pages /suivi et API)")
    serve.add_argument("--host", default="127.0.0.1")
    # Read here rather than by argparse, whose refusals are in English: see _port.
    serve.add_argument("--port", default="8000", help="entre 1 et 65535 ; par défaut 8000")
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


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    from status_api import server
    from status_api.app import create_app

    port = _port(args.port)
    problems = config.problems(settings)
    if problems:
        raise Failed(*problems, "Le service ne démarre pas : corrigez la configuration ci-dessus.")
    kb = knowledge_base(settings)
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
    server.run(app, host=args.host, port=port, log_level=settings.log_level, limits=limits)


def _port(text: str) -> int:
    # 0 (any free port, picked by the system) is refused: a proxy, `make run` and the people told the address
    # all need to know it in advance.
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise Failed(
            f"--port : « {text} » n'est pas un numéro de port ; indiquez un nombre entier entre 1 et 65535, "
            "par exemple --port 8000."
        )
    return int(value)


def _import(args: argparse.Namespace, settings: Settings) -> None:
    path: Path = args.file
    with core_for(settings) as core:
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
