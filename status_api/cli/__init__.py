"""The `status-api` command: run the service, import tickets, and keep tickets and incidents up to date from a shell.

Each staff command calls the use case the API calls (status_api/core/), so that the two cannot drift; each
group of commands is a module here that adds its own subcommands.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Callable, Sequence

from status_api import config
from status_api.cli import feedback, incidents, service, tickets, zendesk
from status_api.cli.common import Failed
from status_api.config import Settings
from status_api.domain.errors import DomainError, Invalid

__all__ = ["Failed", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not getattr(args, "configured", True):
        args.command(args, Settings())  # needs no setting: a wrong one must not stand in its way
        return 0
    settings, unread = Settings.read()
    # Every setting that is wrong is told at once, so that one run shows all there is to fix.
    wrong = [*unread.messages, *(config.problems(settings, unread.names) if getattr(args, "starts", False) else [])]
    if wrong:
        for line in wrong:
            print(line, file=sys.stderr)
        closing = "Le service ne démarre pas" if getattr(args, "starts", False) else "La commande n'est pas faite"
        print(f"{closing} : corrigez la configuration ci-dessus.", file=sys.stderr)
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
    service.add(commands)
    tickets.add(commands)
    feedback.add(commands)
    incidents.add(commands)
    token = commands.add_parser("token", help="afficher un jeton d'écriture aléatoire, pour STATUS_API_TOKEN")
    token.set_defaults(command=lambda args, settings: print(secrets.token_urlsafe(32)), configured=False)
    zendesk.add(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
