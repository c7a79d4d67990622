"""A local mail sink for `make run`: an SMTP server on the loopback that prints each e-mail it receives.

Nothing leaves the machine: a newcomer subscribing in the demo sees the confirmation e-mail in the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import sys
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class Printer:
    """aiosmtpd's handler: each message, its headers and its plain text, printed."""

    def __init__(self, out: Any = None) -> None:
        self._out = out

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        out = self._out or sys.stdout
        raw = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        print("\n" + "=" * 30 + " e-mail reçu par le puits local " + "=" * 30, file=out)
        for name in ("From", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"):
            if message[name]:
                print(f"{name}: {message[name]}", file=out)
        body = message.get_body(("plain",))
        print("", file=out)
        print(body.get_content() if body is not None else "", file=out)
        print("=" * 92, file=out, flush=True)
        return "250 OK"


async def serve(host: str, port: int, ready: Any = None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Printer(), hostname="localhost"), host, port)
    bound = server.sockets[0].getsockname()[1]
    print(f"Puits de courrier local (SMTP) : smtp://{host}:{bound}", flush=True)
    if ready is not None:
        ready(bound)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """python -m status_api.mail.sink [PORT [PORT_FILE]]: port 0 takes a free one, written to PORT_FILE."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 2525

    def ready(bound: int) -> None:
        if len(args) > 1:
            Path(args[1]).write_text(f"{bound}\n", encoding="utf-8")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve("127.0.0.1", port, ready))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
