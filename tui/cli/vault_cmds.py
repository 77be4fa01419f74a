"""Vault-level verbs: ``init``, ``passwd``, ``env list|add|use|rm``, ``components``."""

from __future__ import annotations

import argparse

from tui.cli.common import Context
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent
from tui.core.session import Session, read_passphrase


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's verbs to the top-level parser."""
    p = sub.add_parser("init", help="create a new vault")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("passwd", help="change the vault's passphrase")
    p.set_defaults(handler=cmd_passwd)

    env = sub.add_parser("env", help="list, add, switch or remove environments")
    env_sub = env.add_subparsers(dest="env_command", metavar="{list,add,use,rm}")
    env_sub.required = True
    p = env_sub.add_parser("list", help="list environments (* marks the current one)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_env_list)
    for verb, helptext, handler in (
        ("add", "add an environment", cmd_env_add),
        ("use", "make an environment the current one", cmd_env_use),
        ("rm", "remove an environment and its tokens", cmd_env_rm),
    ):
        p = env_sub.add_parser(verb, help=helptext)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(handler=handler)

    p = sub.add_parser("components", help="list components and their variables")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_components)


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    """Create the vault; refuse to overwrite one."""
    from vault import VaultExists

    path = ctx.vault_path
    if path.exists():
        raise VaultExists(f"a vault already exists at {path}", hint="nothing was changed")
    Session.create(path, read_passphrase(confirm=True))
    ctx.print(f"Created vault {path} (environments: Test, Production; current: Test)")
    return 0


def cmd_passwd(args: argparse.Namespace, ctx: Context) -> int:
    """Re-wrap the vault key under a new passphrase."""
    session = ctx.session()
    session.change_passphrase(read_passphrase(confirm=True, new=True))
    ctx.print("Passphrase changed (the backup of the previous generation was removed)")
    return 0


def cmd_env_list(args: argparse.Namespace, ctx: Context) -> int:
    """Print the environments, marking the current one."""
    records = ctx.session().records
    if args.json:
        ctx.print_json(
            {"current": records.current_environment, "environments": records.environments}
        )
        return 0
    for name in records.environments:
        ctx.print(f"{'*' if name == records.current_environment else ' '} {name}")
    return 0


def cmd_env_add(args: argparse.Namespace, ctx: Context) -> int:
    """Add an environment."""
    with ctx.session().edit() as records:
        records.add_environment(args.name)
    ctx.print(f"Added environment {args.name}")
    return 0


def cmd_env_use(args: argparse.Namespace, ctx: Context) -> int:
    """Switch the current environment."""
    with ctx.session().edit() as records:
        records.use_environment(args.name)
    ctx.print(f"Current environment: {args.name}")
    return 0


def cmd_env_rm(args: argparse.Namespace, ctx: Context) -> int:
    """Remove an environment and its tokens."""
    with ctx.session().edit() as records:
        records.remove_environment(args.name)
    ctx.print(f"Removed environment {args.name} and its tokens")
    return 0


def cmd_components(args: argparse.Namespace, ctx: Context) -> int:
    """List every component with its kind and variable or reference."""
    records = ctx.session().records
    rows = []
    for comp in records.components.values():
        if isinstance(comp, OAuthComponent):
            rows.append(
                {"name": comp.name, "kind": "oauth", "type": comp.type, "variable": comp.reference}
            )
        else:
            rows.append(
                {
                    "name": comp.name,
                    "kind": "mail" if isinstance(comp, MailComponent) else "smtp",
                    "host": comp.host,
                    "auth": comp.auth,
                    "token": comp.token_ref if comp.auth == "oauth" else "",
                }
            )
    if args.json:
        ctx.print_json(rows)
        return 0
    if not rows:
        ctx.print("No components yet: add one with 'tokendesk oauth add' or 'tokendesk mail add'")
        return 0
    table = []
    for r in rows:
        if r["kind"] == "oauth":
            table.append((r["name"], f"OAuth2 ({r['type']})", r["variable"]))
        else:
            what = "Inbound email" if r["kind"] == "mail" else "Outbound email"
            table.append((r["name"], what, f"{r['host']}  {r['auth']} {r['token']}".rstrip()))
    # Columns as wide as their widest cell, so "OAuth2 (microsoft)" and "Inbound email"
    # rows line up.
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    for name, kind, detail in table:
        ctx.print(f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {detail}")
    return 0
