"""Inbound email verbs: ``mail add|edit|rm|test|folders|list|show``.

Thin over `tui.core.mail.service` (the TUI uses the same functions). Listing and reading are
read-only on the server (EXAMINE and BODY.PEEK): nothing is marked as seen.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import Context, add_env_option, parse_int
from tui.core.errors import UsageError, ValidationError
from tui.core.models.mail import DEFAULT_PORTS, MailComponent

if TYPE_CHECKING:
    from tui.core.mail.client import MailClient
    from tui.core.mail.models import MessageSummary, MessageView
    from tui.core.records import Records


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail`` and its sub-verbs to the top-level parser."""
    mail = sub.add_parser("mail", help="inbound email (IMAP) components: add, test, list, read")
    verbs = mail.add_subparsers(dest="mail_command", metavar="{add,edit,rm,test,folders,list,show}")
    verbs.required = True

    p = verbs.add_parser("add", help="add an IMAP component")
    p.add_argument("name", metavar="NAME")
    _component_options(p, adding=True)
    p.set_defaults(handler=cmd_add)

    p = verbs.add_parser("edit", help="change an IMAP component (only the options given)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--rename", metavar="NEW", help="new component name")
    _component_options(p, adding=False)
    p.set_defaults(handler=cmd_edit)

    p = verbs.add_parser("rm", help="delete an IMAP component")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_rm)

    p = verbs.add_parser(
        "test", help="connect, log in, open the folder; report the server and message count"
    )
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.set_defaults(handler=cmd_test)

    p = verbs.add_parser("folders", help="list the mailbox's folders")
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_folders)

    p = verbs.add_parser("list", help="list messages, newest first")
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.add_argument("--folder", metavar="F", help="folder (default: the component's)")
    p.add_argument("--limit", metavar="N", default="50", help="messages per page (default 50)")
    p.add_argument(
        "--before-uid", metavar="UID", help="list messages older than this UID (next page)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_list)

    p = verbs.add_parser("show", help="show one message (without marking it as seen)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("uid", metavar="UID")
    add_env_option(p)
    p.add_argument("--folder", metavar="F", help="folder (default: the component's)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)


def _component_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    p.add_argument("--host", metavar="H", required=adding, help="IMAP server host")
    p.add_argument("--port", metavar="P", help="port (default 993 for imaps, 143 for imap)")
    p.add_argument(
        "--protocol",
        choices=("imaps", "imap"),
        help="imaps: implicit TLS (default); imap: STARTTLS",
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
    p.add_argument("--folder", metavar="F", help="folder to read (default INBOX)")
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
    args: argparse.Namespace, current: MailComponent | None, password: str | None
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


def _warn_issuer(ctx: Context, records: Records, comp: MailComponent, env: str | None) -> None:
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


def _describe(comp: MailComponent) -> str:
    how = f"OAuth {comp.token_ref} ({comp.sasl})" if comp.auth == "oauth" else "password"
    user = comp.username or "(token's account)"
    return f"{comp.protocol}://{comp.host}:{comp.port}, {user}, {how}, folder {comp.folder}"


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    """Create a mail component."""
    fields = _changes(args, None, _read_password() if args.password_stdin else None)
    session = ctx.session()
    with session.edit() as records:
        comp = MailComponent(name=args.name, **fields)
        records.add(comp)
    ctx.print(f"Added mail component {comp.name}: {_describe(comp)}")
    _warn_issuer(ctx, session.records, comp, None)
    return 0


def cmd_edit(args: argparse.Namespace, ctx: Context) -> int:
    """Change the given fields of a mail component (validated like a new one)."""
    password = _read_password() if args.password_stdin else None  # not under the vault lock
    session = ctx.session()
    with session.edit() as records:
        current = records.get_mail(args.name)
        fields = _changes(args, current, password)
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
        records.get_mail(args.name)
        records.remove(args.name)
    ctx.print(f"Removed mail component {args.name}")
    return 0


# -- server verbs ---------------------------------------------------------------------------


def _open(args: argparse.Namespace, ctx: Context) -> MailClient:
    from tui.core.mail.service import open_client

    session = ctx.session()
    return open_client(session, args.name, ctx.env(args))


def _folder(args: argparse.Namespace, ctx: Context) -> str:
    if getattr(args, "folder", None):
        return str(args.folder)
    return ctx.session().records.get_mail(args.name).folder


_CAP_HIGHLIGHTS = ("IMAP4REV1", "IMAP4REV2", "IDLE", "CONDSTORE", "QRESYNC", "ESEARCH", "MOVE")


def cmd_test(args: argparse.Namespace, ctx: Context) -> int:
    """Connect, authenticate, open the folder; print what happened at each step."""
    from tui.core.mail.service import client_for

    session = ctx.session()
    env = ctx.env(args)
    comp = session.records.get_mail(args.name)
    _warn_issuer(ctx, session.records, comp, env)
    client, credential = client_for(session, args.name, env)
    with client:
        info = client.connect()
        if info.tls_version:
            tls = f"{info.tls}, {info.tls_version}, {info.cipher}"
        else:
            tls = "plaintext, no TLS" if info.tls.startswith("none") else info.tls
        ctx.print(f"Connected:    {comp.host}:{comp.port} ({tls})")
        ctx.print(f"Greeting:     {info.greeting}")
        client.login(credential)
        how = comp.sasl.upper() if comp.auth == "oauth" else "password"
        ctx.print(f"Logged in:    {client.username} ({how})")
        caps = client.capabilities()
        shown = [c for c in caps if c.upper() in _CAP_HIGHLIGHTS]
        ctx.print(f"Capabilities: {len(caps)} ({', '.join(shown) or 'none of note'})")
        count = client.select(comp.folder)
        ctx.print(f"Folder:       {comp.folder}: {count} message{'s' if count != 1 else ''}")
    ctx.print("OK")
    return 0


def cmd_folders(args: argparse.Namespace, ctx: Context) -> int:
    """Print the folders (one per line, or JSON)."""
    with _open(args, ctx) as client:
        folders = client.folders()
    if args.json:
        ctx.print_json([f.to_json() for f in folders])
    else:
        for f in folders:
            ctx.print(f.name if f.selectable else f"{f.name} (container)")
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    """Print a page of messages, newest first."""
    from tui.core.mail.client import MAX_LIMIT

    limit = parse_int(args.limit, "--limit", low=1, high=MAX_LIMIT)
    before = None
    if args.before_uid is not None:
        before = parse_int(args.before_uid, "--before-uid", low=1)
    folder = _folder(args, ctx)
    with _open(args, ctx) as client:
        page = client.page(folder, before_uid=before, limit=limit)
    if args.json:
        ctx.print_json([m.to_json() for m in page.messages])
        return 0
    width = shutil.get_terminal_size((100, 24)).columns
    for m in page.messages:
        ctx.print(_row(m, width))
    shown = len(page.messages)
    footer = f"-- {shown} message{'s' if shown != 1 else ''} of {page.total} in {folder}"
    if page.next_before_uid is not None:
        footer += f"; older: --before-uid {page.next_before_uid}"
    ctx.print(footer)
    return 0


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "K", "M", "G"):
        if size < 1024 or unit == "G":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return f"{n}B"


def _cells(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _fit(text: str, width: int) -> str:
    """``text`` clipped (with an ellipsis) and padded to ``width`` terminal cells."""
    used, out = 0, []
    total = sum(_cells(c) for c in text)
    limit = width if total <= width else width - 1
    for ch in text:
        w = _cells(ch)
        if used + w > limit:
            break
        out.append(ch)
        used += w
    if total > width:
        out.append("…")
        used += 1
    return "".join(out) + " " * max(0, width - used)


_NAME_ADDR = re.compile(r"^(.+?)\s*<[^<>]*>$")


def _short_sender(sender: str) -> str:
    """The display name of "Name <addr>" (the address when there is no name)."""
    m = _NAME_ADDR.match(sender)
    return m.group(1).strip().strip('"') if m and "," not in sender else sender


def _row(m: MessageSummary, width: int) -> str:
    date = m.date.astimezone().strftime("%Y-%m-%d %H:%M") if m.date else "-" * 16
    mark = ("N" if not m.seen else " ") + ("F" if "\\Flagged" in m.flags else " ")
    head = f"{m.uid:>7}  {date}  {mark} "
    size = f"{_human_size(m.size):>7}"
    room = max(30, width - len(head) - len(size) - 3)
    sender_w = min(24, room // 3)
    subject = m.subject or "(no subject)"
    sender = _fit(_short_sender(m.sender), sender_w)
    return f"{head}{sender}  {_fit(subject, room - sender_w - 1)} {size}"


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    """Print one message: headers, text body, attachments."""
    uid = parse_int(args.uid, "UID", low=1)
    folder = _folder(args, ctx)
    with _open(args, ctx) as client:
        view = client.message(uid, folder)
    if args.json:
        ctx.print_json(view.to_json())
        return 0
    _print_view(ctx, view)
    return 0


def _print_view(ctx: Context, v: MessageView) -> None:
    ctx.print(f"From:    {v.sender}")
    if v.to:
        ctx.print(f"To:      {v.to}")
    if v.cc:
        ctx.print(f"Cc:      {v.cc}")
    ctx.print(f"Date:    {v.date.isoformat() if v.date else '(none)'}")
    ctx.print(f"Subject: {v.subject or '(no subject)'}")
    flags = " ".join(v.flags) or "(none)"
    ctx.print(f"Flags:   {flags}   UID {v.uid} in {v.folder}, {_human_size(v.size)}")
    ctx.print("")
    if v.body_type == "text/html":
        ctx.print("[HTML message shown as text]")
    ctx.print(v.body.rstrip("\n") if v.body else "(no text body)")
    if v.attachments:
        ctx.print("")
        ctx.print(f"Attachments ({len(v.attachments)}):")
        for a in v.attachments:
            name = a.filename or "(unnamed)"
            ctx.print(f"  {a.part:>5}  {name}  {a.content_type}  {_human_size(a.size)}")
