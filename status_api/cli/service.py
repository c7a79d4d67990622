"""`status-api serve | import`: the service run, and tickets, incidents and maintenance imported from a file."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
from datetime import UTC, datetime
from pathlib import Path

from status_api import config
from status_api.cli import database
from status_api.cli.common import Failed, core_for, knowledge_base
from status_api.config import Settings
from status_api.importers.files import ImportFailed, import_file
from status_api.importers.lines import BulkFailed, import_lines, progress_stream


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="démarrer le service (site, pages /suivi et API)")
    serve.add_argument("--host", default="127.0.0.1")
    # Read here rather than by argparse, whose refusals are in English: see _port.
    serve.add_argument("--port", default="8000", help="entre 1 et 65535 ; par défaut 8000")
    # `starts`: the settings are checked as the service needs them (config.problems) before it runs.
    serve.set_defaults(command=_serve, starts=True)

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

    port = _port(args.port)  # the settings were checked before (see cli/__init__.py)
    # Before the data and the database: a port taken or an unknown address is said at once, and touches nothing.
    sockets = _listening(args.host, port)
    kb = knowledge_base(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    if settings.token is None:
        logging.getLogger("status_api").warning("STATUS_API_TOKEN is not set: writes are refused")
    for warning in config.warnings(settings):
        logging.getLogger("status_api").warning(warning)
    store = database.opened(settings, recent_updates=kb.tracking.updates_shown)
    app = create_app(settings, kb, store)
    limits = server.ConnectionLimits(
        max_header_bytes=settings.max_header_bytes,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections,
    )
    server.run(app, host=args.host, port=port, log_level=settings.log_level, limits=limits, sockets=sockets)


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


# What uvicorn asks of the system when it listens itself.
_BACKLOG = 2048


def _listening(host: str, port: int) -> list[socket.socket]:
    """The service's sockets on `host` and `port`, bound and listening (every address the host name has, as
    asyncio's create_server binds them), or a French message saying why not."""
    shown = f"[{host}]" if ":" in host else host
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise Failed(
            f"--host : adresse d'écoute inconnue « {host} » ; indiquez une adresse de cette machine (127.0.0.1 pour "
            "elle seule, 0.0.0.0 pour toutes ses adresses IPv4, :: pour IPv6) ou un nom qu'elle sait résoudre."
        ) from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            # A restart must not wait for the last run's connections in TIME_WAIT to expire.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # the IPv4 address has its own
            sock.bind(address)
            # Listening now, not when uvicorn starts: with SO_REUSEADDR, Linux lets two sockets bind one port
            # as long as neither listens, so only this makes the port ours.
            sock.listen(_BACKLOG)
    except OSError as error:
        for sock in sockets:
            sock.close()
        raise Failed(_not_listening(shown, port, error)) from None
    return sockets


def _not_listening(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"--port : le port {port} de {host} est déjà utilisé : arrêtez l'autre service qui l'occupe "
            f"(ss -ltnp 'sport = :{port}' le montre) ou choisissez --port avec un autre numéro."
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"--host : {host} n'est pas une adresse de cette machine ; indiquez-en une (ip -brief address les "
            "liste), 127.0.0.1 pour elle seule ou 0.0.0.0 pour toutes."
        )
    if error.errno == errno.EACCES:
        return (
            f"--port : le port {port} est réservé à l'administrateur (ports sous 1024) ; choisissez un port à "
            "partir de 1024 et, pour le port 80 ou 443, placez un proxy devant le service."
        )
    code = errno.errorcode.get(error.errno or 0, str(error.errno))
    return f"--host, --port : impossible d'écouter sur {host}:{port} (erreur système {code}) ; choisissez-en d'autres."


def _import(args: argparse.Namespace, settings: Settings) -> None:
    path: Path = args.file
    with core_for(settings, creating=True) as core:
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
