"""Mail component verbs: ``mail add|edit|rm|test``, for inbound and outbound components.

``--protocol`` picks the kind: imaps/imap/pop3s/pop3 make an inbound component
(`MailComponent`), smtps/smtp an outbound one (`OutboundComponent`). The reading verbs
are in `tui.cli.mail_read_cmds`, ``mail send`` in `tui.cli.mail_send_cmds`; all of them
sit under one ``mail`` verb (`tui.cli.common.mail_verbs`).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import Context, add_env_option, mail_verbs, parse_int
from tui.core.errors import UsageError, ValidationError
from tui.core.models.mail import CONTENTS, DEFAULT_PORTS, PROTOCOLS, MailComponent
from tui.core.models.outbound import SMTP_PROTOCOLS, OutboundComponent

if TYPE_CHECKING:
    from tui.core.mail.models import ServerInfo
    from tui.core.records import Records


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail`` and its sub-verbs to the top-level parser."""
    verbs = mail_verbs(sub)

    p = verbs.add_parser("add", help="add a mail component (IMAP, POP3 or SMTP submission)")
    p.add_argument("name", metavar="NAME")
    _component_options(p, adding=True)
    p.set_defaults(handler=cmd_add)

    p = verbs.add_parser("edit", help="change a mail component (only the options given)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--rename", metavar="NEW", help="new component name")
    _component_options(p, adding=False)
    p.set_defaults(handler=cmd_edit)

    p = verbs.add_parser("rm", help="delete a mail component")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_rm)

    p = verbs.add_parser(
        "test",
        help="connect, log in (inbound: open the folder); report the server and message count",
    )
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.set_defaults(handler=cmd_test)


def _component_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    p.add_argument("--host", metavar="H", required=adding, help="server host")
    p.add_argument(
        "--port",
        metavar="P",
        help="port (default: imaps 993, imap 143, pop3s 995, pop3 110, smtps 465, smtp 587)",
    )
    p.add_argument(
        "--protocol",
        choices=(*PROTOCOLS, *SMTP_PROTOCOLS),
        help="inbound: imaps (default), imap (STARTTLS), pop3s, pop3 (STLS); "
        "outbound: smtps (implicit TLS), smtp (STARTTLS)",
    )
    p.add_argument(
        "--username", metavar="U", help="login name (OAuth: defaults to the token's email)"
    )
    auth = p.add_mutually_exclusive_group(required=adding)
    auth.add_argument("--token", metavar="@VAR", help="OAuth: the token variable, @Var or @{Var}")
    auth.add_argument(
        "--password-stdin", action="store_true", help="password login: read it from stdin"
    )
    p.add_argument(
        "--sasl", choices=("xoauth2", "oauthbearer"), help="OAuth SASL mechanism (default xoauth2)"
    )
    p.add_argument("--folder", metavar="F", help="inbound: folder to read (default INBOX)")
    p.add_argument(
        "--content",
        choices=CONTENTS,
        help="inbound: what reading gives: both (default), body, attachments",
    )
    p.add_argument("--from", dest="from_address", metavar="ADDR", help="outbound: sender address")
    p.add_argument("--ca-file", metavar="PATH", help="PEM CA file for private/corporate CAs")
    p.add_argument("--timeout", metavar="SECONDS", help="network timeout (default 30)")
    if adding:
        p.add_argument(
            "--allow-plaintext",
            action="store_true",
            help="allow login without TLS when STARTTLS is missing (loopback hosts only)",
        )
    else:
        p.add_argument(
            "--allow-plaintext",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="allow login without TLS when STARTTLS is missing (loopback hosts only)",
        )


# -- add / edit / rm ------------------------------------------------------------------------


def _read_password() -> str:
    from tui.cli.common import read_secret

    # No echo on a terminal; otherwise the first line, one trailing newline removed.
    return read_secret("--password-stdin", "password", "IMAP password: ")


def _ca_file(value: str) -> str:
    if not value:
        return ""
    import ssl

    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise ValidationError(f"CA file {str(path)!r} does not exist", field="ca_file")
    try:
        ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError, ValueError):
        raise ValidationError(
            f"CA file {str(path)!r} holds no PEM certificate", field="ca_file"
        ) from None
    return str(path)


def _changes(
    args: argparse.Namespace,
    current: MailComponent | OutboundComponent | None,
    password: str | None,
) -> dict[str, Any]:
    """Component fields set by the command line options (``password`` read beforehand)."""
    out: dict[str, Any] = {}
    if args.host is not None:
        out["host"] = args.host
    if args.protocol is not None:
        out["protocol"] = args.protocol
        if args.port is None and current is not None:
            if current.port == DEFAULT_PORTS[current.protocol]:
                out["port"] = 0  # follow the new protocol's default port
    if args.port is not None:
        out["port"] = parse_int(args.port, "--port", low=1, high=65535)
    if args.username is not None:
        out["username"] = args.username
    if args.token is not None:
        out.update(auth="oauth", token_ref=args.token, password="")
    if password is not None:
        out.update(auth="password", password=password, token_ref="")
    if args.sasl is not None:
        out["sasl"] = args.sasl
    if args.folder is not None:
        out["folder"] = args.folder
    if args.content is not None:
        out["content"] = args.content
    if args.from_address is not None:
        out["from_address"] = args.from_address
    if args.ca_file is not None:
        out["ca_file"] = _ca_file(args.ca_file)
    if args.timeout is not None:
        try:
            out["timeout"] = float(args.timeout)
        except ValueError:
            raise UsageError(
                f"--timeout must be a number of seconds, got {args.timeout!r}"
            ) from None
    if args.allow_plaintext is not None:
        out["allow_plaintext"] = bool(args.allow_plaintext)
    return out


def _warn_issuer(
    ctx: Context, records: Records, comp: MailComponent | OutboundComponent, env: str | None
) -> None:
    from tui.core.mail.service import issuer_warning

    if comp.auth != "oauth":
        return
    try:
        oauth = records.get_oauth(comp.token_ref)
        token = records.token(env or records.current_environment, oauth.name)
    except Exception:  # noqa: BLE001 - only a warning; validation reports real problems
        return
    warning = issuer_warning(comp, oauth.token_url, token)
    if warning:
        ctx.warn(f"warning: {warning}")


def _describe(comp: MailComponent | OutboundComponent) -> str:
    how = f"OAuth {comp.token_ref} ({comp.sasl})" if comp.auth == "oauth" else "password"
    user = comp.username or "(token's account)"
    where = f"{comp.protocol}://{comp.host}:{comp.port}, {user}, {how}"
    if isinstance(comp, OutboundComponent):
        return f"{where}, from {comp.from_address or user}"
    return f"{where}, folder {comp.folder}, content {comp.content}"


def _build(name: str, fields: dict[str, Any]) -> MailComponent | OutboundComponent:
    if fields.get("protocol") in SMTP_PROTOCOLS:
        if "folder" in fields or "content" in fields:
            raise UsageError("--folder and --content are for inbound components, not smtp(s)")
        return OutboundComponent(name=name, **fields)
    if "from_address" in fields:
        raise UsageError("--from is for outbound components (protocol smtps or smtp)")
    return MailComponent(name=name, **fields)


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    """Create a mail component (outbound for protocol smtps/smtp)."""
    fields = _changes(args, None, _read_password() if args.password_stdin else None)
    session = ctx.session()
    with session.edit() as records:
        comp = _build(args.name, fields)
        records.add(comp)
    ctx.print(f"Added mail component {comp.name}: {_describe(comp)}")
    _warn_issuer(ctx, session.records, comp, None)
    return 0


def cmd_edit(args: argparse.Namespace, ctx: Context) -> int:
    """Change the given fields of a mail component (validated like a new one)."""
    password = _read_password() if args.password_stdin else None  # not under the vault lock
    session = ctx.session()
    with session.edit() as records:
        current = _mail_kind(records, args.name)
        fields = _changes(args, current, password)
        outbound = isinstance(current, OutboundComponent)
        if fields.get("protocol", current.protocol) in SMTP_PROTOCOLS and not outbound:
            raise UsageError("an inbound component cannot become outbound: add a new one")
        if outbound and fields.get("protocol", "smtp") not in SMTP_PROTOCOLS:
            raise UsageError("an outbound component cannot become inbound: add a new one")
        if args.rename is not None:
            fields["name"] = args.rename
        if not fields:
            raise UsageError("nothing to change: give at least one option")
        comp = dataclasses.replace(current, **fields)
        records.replace(args.name, comp)
    ctx.print(f"Updated mail component {comp.name}: {_describe(comp)}")
    _warn_issuer(ctx, session.records, comp, None)
    return 0


def cmd_rm(args: argparse.Namespace, ctx: Context) -> int:
    """Delete a mail component."""
    with ctx.session().edit() as records:
        _mail_kind(records, args.name)
        records.remove(args.name)
    ctx.print(f"Removed mail component {args.name}")
    return 0


# -- test -----------------------------------------------------------------------------------


_CAP_HIGHLIGHTS = (
    "IMAP4REV1", "IMAP4REV2", "IDLE", "CONDSTORE", "QRESYNC", "ESEARCH", "MOVE",
    "STLS", "UIDL", "TOP", "PIPELINING",
)  # fmt: skip


def _mail_kind(records: Records, name: str) -> MailComponent | OutboundComponent:
    comp = records.get(name)
    if not isinstance(comp, MailComponent | OutboundComponent):
        raise UsageError(f"{name!r} is not a mail component")
    return comp


def cmd_test(args: argparse.Namespace, ctx: Context) -> int:
    """Connect, authenticate (inbound: open the folder); print each step's outcome."""
    from tui.core.mail.service import client_for, sender_for

    session = ctx.session()
    env = ctx.env(args)
    comp = _mail_kind(session.records, args.name)
    _warn_issuer(ctx, session.records, comp, env)
    if isinstance(comp, OutboundComponent):
        sender, credential = sender_for(session, args.name, env)
        with sender:
            _connect(ctx, comp, sender.connect())
            sender.login(credential)
            how = comp.sasl.upper() if comp.auth == "oauth" else "password"
            ctx.print(f"Logged in:    {sender.settings.username} ({how})")
            ctx.print(f"Sends from:   {sender.from_address}")
        ctx.print("OK")
        return 0
    client, credential = client_for(session, args.name, env)
    with client:
        _connect(ctx, comp, client.connect())
        client.login(credential)
        how = comp.sasl.upper() if comp.auth == "oauth" else "password"
        ctx.print(f"Logged in:    {client.settings.username} ({how})")
        caps = client.capabilities()
        shown = [c for c in caps if c.upper() in _CAP_HIGHLIGHTS]
        ctx.print(f"Capabilities: {len(caps)} ({', '.join(shown) or 'none of note'})")
        count = client.select(comp.folder)
        ctx.print(f"Folder:       {comp.folder}: {count} message{'s' if count != 1 else ''}")
    ctx.print("OK")
    return 0


def _connect(ctx: Context, comp: MailComponent | OutboundComponent, info: ServerInfo) -> None:
    if info.tls_version:
        tls = f"{info.tls}, {info.tls_version}, {info.cipher}"
    else:
        tls = "plaintext, no TLS" if info.tls.startswith("none") else info.tls
    ctx.print(f"Connected:    {comp.host}:{comp.port} ({tls})")
    ctx.print(f"Greeting:     {info.greeting}")
