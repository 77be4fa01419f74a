"""The token's life after sign-in: ``inspect``, and the parts of ``oauth add|edit --issuer``,
``oauth forget|rm`` (revocation) and ``status`` (health lines) that the CLI renders.

Imports only the standard library at load time; the core's services load in the handlers.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tui.cli.common import Context, add_env_option
from tui.core.errors import UsageError

LABEL_WIDTH = 17


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``inspect`` to the top-level parser."""
    p = sub.add_parser(
        "inspect",
        help="what a token grants: account, issuer, audience, scopes, times, health "
        "(never the token itself)",
    )
    p.add_argument("name", metavar="NAME|@VAR")
    add_env_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--refresh", action="store_true", help="refresh the token first (it is not printed)"
    )
    p.add_argument(
        "--no-introspect",
        action="store_true",
        help="do not ask the provider's introspection endpoint (local data only)",
    )
    p.set_defaults(handler=cmd_inspect)


# ------------------------------------------------------------------ next steps
def health_hint(health: Any, comp: Any, env: str) -> str:
    """The health's advice and next step as the ``hint:`` text ("" when there is none)."""
    from tui.cli.next_step import hint

    return hint(health.advice, health.next_step(comp.name, env)) or ""


def health_lines(records: Any, env: str, now: float | None = None) -> list[str]:
    """One ``health:`` line per component with tokens in ``env`` (plus a hint when due)."""
    from tui.core.oauth.health import token_health

    lines = []
    for comp, tok in records.iter_tokens(env):
        if tok is None:
            continue
        health = token_health(comp, tok, now)
        lines.append(f"{comp.name}: health: {health.level}: {health.summary}")
        step = health_hint(health, comp, env)
        if step:
            lines.append(f"{comp.name}: hint: {step}")
    return lines


def health_json(records: Any, env: str, now: float | None = None) -> dict[str, Any]:
    """Component name -> health as JSON, for ``status --json``."""
    from tui.core.oauth.health import token_health

    return {
        comp.name: token_health(comp, tok, now).to_dict() for comp, tok in records.iter_tokens(env)
    }


# ------------------------------------------------------------------ inspect
def cmd_inspect(args: argparse.Namespace, ctx: Context) -> int:
    """Print what the token of a component grants, and what is wrong with it."""
    from tui.core.errors import TokendeskError
    from tui.core.oauth.inspect import build_report, introspect
    from tui.core.oauth.tokens import fresh_token, resolve

    session = ctx.session()
    env = ctx.env(args)
    comp = resolve(session.records, args.name)
    if args.refresh:
        fresh_token(session, comp.name, env, force=True)
    tok = session.records.token(env, comp.name)
    answer, failure = None, ""
    if tok is not None and tok.access_token and comp.introspection_url and not args.no_introspect:
        try:
            answer = introspect(comp, tok.access_token)
        except TokendeskError as exc:
            failure = exc.message
    report = build_report(comp, tok, env, introspection=answer, introspection_error=failure)
    if args.json:
        ctx.print_json(report.to_dict())
        return 0
    _print_report(ctx, comp, report)
    return 0


def _print_report(ctx: Context, comp: Any, r: Any) -> None:
    from tui.core.oauth.inspect import report_rows

    ctx.print(f"{r.component} ({r.variable}) in {r.environment}")
    for label, value in report_rows(r):
        ctx.print(f"  {label + ':':<{LABEL_WIDTH}} {value}")
    if r.health is not None and r.health.level not in ("ok", "not authorized") and r.health.step:
        step = health_hint(r.health, comp, r.environment)
        ctx.print(f"  {'':<{LABEL_WIDTH}} next: {step}")
    for finding in r.findings:
        ctx.warn(f"warning: {finding.message}")
        ctx.warn(f"hint: {finding.hint}")


# ------------------------------------------------------------------ discovery
def discover_fields(ctx: Context, args: argparse.Namespace, fields: dict[str, Any],
                    has_secret: bool, current_method: str) -> None:  # fmt: skip
    """Read ``--issuer``'s metadata, show it, confirm on a terminal, and fill ``fields``.

    Endpoints given on the command line win over discovered ones.

    Raises:
        UsageError: the user declined on the terminal.
    """
    from tui.core.oauth.discovery import discover
    from tui.core.text import one_line

    found = discover(args.issuer)
    ctx.print(f"Discovered from {one_line(found.source, 200)}:")
    for name, value in found.component_fields().items():
        label = _label(name)
        given = f"  (kept: {fields[name]})" if name in fields and name != "issuer" else ""
        ctx.print(f"  {label + ':':<26} {value or '(none)'}{given}")
    if "auth_method" not in fields:
        method = found.auth_method_for(has_secret, current_method)
        if method != current_method:
            ctx.print(f"  {'Client authentication:':<26} {method} (the provider's choice)")
            fields["auth_method"] = method
    if not args.yes and _interactive():
        answer = _ask("Save these endpoints [y/N]: ")
        if answer.strip().lower() not in ("y", "yes"):
            raise UsageError("not saved: the discovered endpoints were not confirmed")
    for name, value in found.component_fields().items():
        fields.setdefault(name, value)


def _label(name: str) -> str:
    from tui.core.models.field_help import FIELD_HELP

    return FIELD_HELP.get(name, (name, ""))[0]


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()


def _ask(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:
        return ""


# ------------------------------------------------------------------ revocation
def report_revocation(ctx: Context, comp_name: str, outcome: Any) -> None:
    """Say what the provider did; a failure goes to stderr (the local tokens are gone anyway)."""
    if outcome is None:
        return
    line = f"{outcome.environment}: {outcome.summary(comp_name)}"
    if not outcome.endpoint:
        ctx.warn(f"note: {line}")
    elif not outcome.ok:
        ctx.warn(f"{line}; the local tokens were forgotten anyway")
        if outcome.hint:
            ctx.warn(f"hint: {outcome.hint}")
    else:
        ctx.print(line)


def cmd_forget(args: argparse.Namespace, ctx: Context) -> int:
    """Revoke at the provider (unless ``--no-revoke``), then forget the local tokens."""
    from tui.core.oauth.revocation import forget_tokens

    session = ctx.session()
    env = ctx.env(args)
    name = session.records.get_oauth(args.name).name
    result = forget_tokens(session, name, env, revoke=not args.no_revoke)
    report_revocation(ctx, name, result.revocation)
    if result.dropped:
        ctx.print(f"Forgot the tokens of {name} in {env}")
    else:
        ctx.print(f"{name} has no tokens in {env}: nothing to forget")
    return 0


def cmd_rm(args: argparse.Namespace, ctx: Context) -> int:
    """Revoke the tokens of every environment (unless ``--no-revoke``), then delete."""
    from tui.core.oauth.revocation import remove_component

    comp, outcomes = remove_component(ctx.session(), args.name, revoke=not args.no_revoke)
    for outcome in outcomes:
        report_revocation(ctx, comp.name, outcome)
    ctx.print(f"Removed OAuth2 component {comp.name} and its tokens")
    return 0
