"""Sending: ``mail send NAME --to ADDR --subject S [--body-file F|-] [--attach FILE]...``.

Thin over `tui.core.mail.compose` (the MIME message) and `tui.core.mail.service.open_sender`
(connect, STARTTLS rule, login with the token or password, refresh once on rejection).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.common import Context, add_env_option, mail_verbs
from tui.core.errors import UsageError

MAX_BODY = 10 * 1024 * 1024
"""Largest message body read from --body-file (or standard input)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail send`` to the ``mail`` verb."""
    verbs = mail_verbs(sub)
    p = verbs.add_parser("send", help="send a message with an outbound (SMTP) component")
    p.add_argument("name", metavar="NAME", help="outbound component")
    p.add_argument(
        "--to", metavar="ADDR", action="append", required=True, help="recipient (repeatable)"
    )
    p.add_argument("--subject", metavar="S", required=True, help="subject line")
    p.add_argument(
        "--body-file", metavar="F", help="UTF-8 text file with the body; - reads standard input"
    )
    p.add_argument(
        "--attach", metavar="FILE", action="append", default=[], help="attach a file (repeatable)"
    )
    add_env_option(p)
    p.set_defaults(handler=cmd_send)


def _body(value: str | None) -> str:
    if value is None:
        return ""
    try:
        if value == "-":
            data = sys.stdin.buffer.read(MAX_BODY + 1) if sys.stdin else b""
        else:
            with open(value, "rb") as f:
                data = f.read(MAX_BODY + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the body file {value}: {exc.strerror or exc}") from None
    if len(data) > MAX_BODY:
        raise UsageError(f"the body is larger than {MAX_BODY // 2**20} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the body must be UTF-8 text (send other files with --attach)") from None


def cmd_send(args: argparse.Namespace, ctx: Context) -> int:
    """Build the message, connect, log in, submit."""
    from tui.core.mail.compose import build_message
    from tui.core.mail.service import connect_sender

    body = _body(args.body_file)
    files = [Path(a).expanduser() for a in args.attach]
    for f in files:
        if not f.is_file():
            raise UsageError(f"--attach {f}: no such file")
    access = ctx.mail_access(args.name, args.env, outbound=True)
    with connect_sender(access) as sender:
        message = build_message(sender.from_address, args.to, args.subject, body, files)
        sender.send(message)
    ctx.print(f"Sent to {', '.join(args.to)} from {message['From']} ({message['Message-ID']})")
    return 0
