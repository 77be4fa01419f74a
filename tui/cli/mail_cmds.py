"""Mail component verbs: ``mail add|edit|rm|test``.

The reading verbs are in `tui.cli.mail_read_cmds`; all of them sit under one ``mail`` verb
(`tui.cli.common.mail_verbs`).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import Context, add_env_option, mail_verbs, parse_int
from tui.core.errors import UsageError, ValidationError
from tui.core.models.mail import DEFAULT_PORTS, MailComponent

if TYPE_CHECKING:
    from tui.core.records import Records


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail`` and its sub-verbs to the top-level parser."""
    verbs = mail_verbs(sub)

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


# -- test -----------------------------------------------------------------------------------


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
