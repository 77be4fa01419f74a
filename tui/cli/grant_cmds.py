"""Verbs that obtain and use tokens: ``authorize``, ``token``, ``status``.

``tokendesk token`` is what mail clients run on every connection, so this module imports
only the standard library at load time; a fresh token is printed without loading httpx or
authlib (they load only when a refresh is due).
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from tui.cli.common import Context, add_env_option
from tui.cli.next_step import failure_lines, hint, step_command
from tui.core.errors import Action, NextStep, UsageError, describe

SUCCESS_LINE = "OAuth2 token received with success!"
DEFAULT_AUTHORIZE_TIMEOUT = 300


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's verbs to the top-level parser."""
    p = sub.add_parser("authorize", help="authorize a component in the browser (or without)")
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a browser: print the URL and accept the pasted redirect URL",
    )
    p.add_argument("--device", action="store_true", help="use the device authorization grant")
    p.add_argument(
        "--timeout",
        metavar="SECONDS",
        default=str(DEFAULT_AUTHORIZE_TIMEOUT),
        help=f"give up after this many seconds (default {DEFAULT_AUTHORIZE_TIMEOUT})",
    )
    p.set_defaults(handler=cmd_authorize)

    p = sub.add_parser("token", help="print a fresh access token (refreshing it if needed)")
    p.add_argument("name", metavar="NAME|@VAR")
    add_env_option(p)
    p.add_argument("--force-refresh", action="store_true", help="refresh even if fresh")
    p.add_argument("--json", action="store_true", help="print JSON with the expiry and scope")
    p.add_argument(
        "--sasl",
        choices=("xoauth2", "oauthbearer"),
        help="print the base64 SASL initial response instead of the bare token",
    )
    p.add_argument("--user", metavar="ADDRESS", help="the mailbox address for --sasl")
    p.set_defaults(handler=cmd_token)

    p = sub.add_parser("status", help="token status of every OAuth2 component")
    add_env_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_status)


def _timeout(args: argparse.Namespace) -> float:
    try:
        value = float(args.timeout)
    except ValueError:
        raise UsageError(f"--timeout must be a number of seconds, got {args.timeout!r}") from None
    if not 0 < value <= 86400:
        raise UsageError("--timeout must be more than 0 and at most 86400 seconds")
    return value


def cmd_authorize(args: argparse.Namespace, ctx: Context) -> int:
    """Authorize in the browser, without one (URL + paste), or with the device grant."""
    timeout = _timeout(args)
    if args.device and args.no_browser:
        raise UsageError("--device and --no-browser cannot be combined")
    session = ctx.session()
    comp = session.records.get_oauth(args.name)
    env = ctx.env(args)
    if args.device:
        tok = _authorize_device(ctx, session, comp, env, timeout)
    else:
        tok = _authorize_code(ctx, session, comp, env, timeout, args.no_browser)
    ctx.print(SUCCESS_LINE)
    _describe_grant(ctx, comp, env, tok)
    return 0


def _describe_grant(ctx: Context, comp: Any, env: str, tok: Any) -> None:
    from tui.core.text import human_expiry

    who = f" as {tok.account}" if tok.account else ""
    expires = human_expiry(tok.expires_in())
    refresh = "with a refresh token" if tok.refresh_token else "without a refresh token"
    ctx.print(f"Signed in{who} for {comp.name} in {env}: expires in {expires}, {refresh}.")


def _authorize_code(
    ctx: Context, session: Any, comp: Any, env: str, timeout: float, no_browser: bool
) -> Any:
    from tui.core.oauth.browser import LAUNCH_GRACE, browser_usable
    from tui.core.oauth.flow import AuthorizationAttempt, AuthorizationTimeout

    attempt = AuthorizationAttempt(comp, session=session, env=env)
    browserless = True
    try:
        usable, reason = browser_usable()
        if no_browser or not usable:
            why = "--no-browser" if no_browser else reason
            ctx.print(f"No browser will be opened ({why}). Open this URL in a browser:")
            _offer_paste(ctx, attempt)
            _read_pasted_urls(ctx, attempt)
        else:
            ctx.print("Opening the browser to sign in. If it does not open, visit:")
            ctx.print(attempt.url)
            ctx.print(f"Waiting for the redirect to {attempt.redirect_uri} ...")
            reading = sys.stdin is not None and sys.stdin.isatty()
            if reading:
                _read_pasted_urls(ctx, attempt)
            # The result comes within LAUNCH_GRACE seconds per $BROWSER entry; the callback
            # server answers meanwhile.
            result = attempt.open_browser().wait(4 * LAUNCH_GRACE)
            browserless = result is not None and not result.ok
            if result is not None and browserless and not attempt.decided:
                ctx.warn(f"could not open the browser ({result.detail})")
                ctx.print("Open this URL in a browser:")
                _offer_paste(ctx, attempt)
                if not reading:
                    _read_pasted_urls(ctx, attempt)
        try:
            return attempt.wait(timeout)
        except AuthorizationTimeout as exc:
            exc.advice = _timeout_advice(comp, env, browserless)
            raise
    finally:
        attempt.close()


def _offer_paste(ctx: Context, attempt: Any) -> None:
    """The browser-less way: the URL on a line of its own, the ssh -L hint, the paste."""
    from tui.core.oauth.browser import is_ssh_session, ssh_tunnel_command

    ctx.print(attempt.url)
    if is_ssh_session():
        ctx.print(
            "If that browser runs on your own machine, first run this there so it can "
            "reach the callback:"
        )
        ctx.print(ssh_tunnel_command(attempt.port))
    ctx.print(
        "Or, after signing in, paste the address of the page that failed to load "
        f"(it starts with {attempt.redirect_uri}) here and press Enter:"
    )


def _timeout_advice(comp: Any, env: str, browserless: bool) -> str:
    """What to do after a timeout, without suggesting what the user already did."""
    if browserless:
        advice = (
            "start again, and after signing in paste the address of the page that failed to "
            "load (the browser ends there when it cannot reach this machine)"
        )
    else:
        paste = step_command(NextStep(Action.AUTHORIZE_WITHOUT_BROWSER, comp.name, env))
        advice = (
            "start again; if the browser cannot reach this machine, paste the final URL "
            f"instead ({paste})"
        )
    if comp.device_authorization_url and comp.type != "google":
        device = step_command(NextStep(Action.AUTHORIZE_DEVICE, comp.name, env))
        advice += f"; or sign in on another device ({device})"
    return advice


def _read_pasted_urls(ctx: Context, attempt: Any) -> None:
    """Read lines from stdin in a daemon thread and feed them to the attempt."""

    def reader() -> None:
        stream = sys.stdin
        if stream is None:
            return
        while not attempt.cancelled:
            try:
                line = stream.readline()
            except (OSError, ValueError):
                return
            if not line:
                return  # EOF: the callback server may still answer
            if not line.strip():
                continue
            try:
                if not attempt.submit_pasted_url(line):
                    return
                return
            except UsageError as exc:
                # The advice says what to paste instead; the attempt keeps waiting.
                for text in failure_lines(describe(exc)):
                    ctx.warn(text)

    threading.Thread(target=reader, name="tokendesk-paste", daemon=True).start()


def _authorize_device(ctx: Context, session: Any, comp: Any, env: str, timeout: float) -> Any:
    from tui.core.oauth.device import DeviceFlow

    flow = DeviceFlow(comp, session=session, env=env)
    try:
        ctx.print("To sign in, open this address on any device:")
        ctx.print(flow.verification_uri)
        ctx.print("and enter the code:")
        ctx.print(flow.user_code)
        if flow.verification_uri_complete:
            ctx.print("Or open this address, which carries the code:")
            ctx.print(flow.verification_uri_complete)
        if ctx.out.isatty():
            ctx.out.write(flow.qr_text())
            ctx.out.flush()
        ctx.print("Waiting for the sign-in to complete ...")
        return flow.wait(timeout)
    except KeyboardInterrupt:
        flow.cancel()
        raise


def cmd_token(args: argparse.Namespace, ctx: Context) -> int:
    """Print a fresh access token (or a SASL string, or JSON)."""
    from tui.core.oauth.tokens import fresh_token

    if args.user is not None and not args.sasl:
        raise UsageError("--user is only used with --sasl")
    if args.sasl and args.json:
        raise UsageError("--sasl and --json cannot be combined")
    session = ctx.session()
    env = ctx.env(args)
    tok = fresh_token(session, args.name, env, force=args.force_refresh)
    if args.sasl and not (args.user or tok.account):
        # The same default as the mail login's username: the token's account.
        raise UsageError("--sasl needs --user ADDRESS (the token does not name the account)")
    from tui.core.agent.client import token_text
    from tui.core.agent.view import token_view

    # The same view and text as an agent's answer, so both paths print exactly the same.
    view = token_view(tok, sasl=args.sasl, user=args.user or "")
    out, warning = token_text(view, sasl=bool(args.sasl), as_json=args.json)
    if warning:
        ctx.warn(warning)
    ctx.out.write(out)
    ctx.out.flush()
    return 0


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    """Print each OAuth2 component's token state in one environment."""
    from tui.core.oauth.status import token_status
    from tui.core.text import human_duration, human_expiry

    records = ctx.session().records
    env = ctx.env(args)
    rows = token_status(records, env)
    if args.json:
        from tui.cli.lifecycle_cmds import health_json

        health = health_json(records, env)
        # ``last_error_hint`` stays the contract's key: the advice and the command, as printed.
        components = [
            {
                **r.to_dict(),
                "last_error_hint": hint(r.last_error_advice, r.next_step) or "",
                "health": health.get(r.name),
            }
            for r in rows
        ]
        ctx.print_json({"environment": env, "components": components})
        return 0
    if not rows:
        ctx.print("No OAuth2 components yet: add one with 'tokendesk oauth add NAME ...'")
        return 0
    table = [("NAME", "VARIABLE", "STATUS", "EXPIRES IN", "FRESH", "RT AGE", "ACCOUNT")]
    for r in rows:
        table.append(
            (
                r.name,
                r.variable,
                r.status,
                human_expiry(r.expires_in) if r.has_token else "-",
                "yes" if r.fresh else "no",
                human_duration(r.refresh_token_age),
                r.account or "-",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    ctx.print(f"Environment: {env}")
    for row in table:
        ctx.print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    from tui.cli.lifecycle_cmds import health_lines

    said = health_lines(records, env)
    hints = {r.name: hint(r.last_error_advice, r.next_step) for r in rows if r.last_error}
    for line in said:
        # A rejected refresh token is also the health line's cliff: when both name the same
        # step it is said once, after the last error, with the provider's own advice.
        if not any(text and _same_step(line, name, text) for name, text in hints.items()):
            ctx.print(line)
    for r in rows:
        if r.last_error:
            ctx.print(f"{r.name}: last error: {r.last_error}")
            if text := hints[r.name]:
                ctx.print(f"{r.name}: hint: {text}")
    return 0


def _same_step(line: str, name: str, text: str) -> bool:
    """Whether ``line`` is a hint for ``name`` ending in the same ``run:`` step as ``text``."""
    run = text[text.find("run: ") :] if "run: " in text else text
    return line.startswith(f"{name}: hint: ") and line.endswith(run)
