"""OAuth2 verbs: ``oauth add|edit|rm|show|redirect-uri|forget``, ``authorize``, ``token``,
``status``.

``tokendesk token`` is what mail clients run on every connection, so this module imports
only the standard library at load time; a fresh token is printed without loading httpx or
authlib (they load only when a refresh is due).
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from ..errors import UsageError
from .common import Context, add_env_option, parse_int

SUCCESS_LINE = "OAuth2 token received with success!"
DEFAULT_AUTHORIZE_TIMEOUT = 300


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's verbs to the top-level parser."""
    oauth = sub.add_parser("oauth", help="add, edit, remove or show OAuth2 components")
    oauth_sub = oauth.add_subparsers(
        dest="oauth_command", metavar="{add,edit,rm,show,redirect-uri,forget}"
    )
    oauth_sub.required = True
    p = oauth_sub.add_parser("add", help="add an OAuth2 component")
    p.add_argument("name", metavar="NAME")
    _component_options(p)
    p.set_defaults(handler=cmd_add)
    p = oauth_sub.add_parser("edit", help="change an OAuth2 component (only the options given)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--rename", metavar="NEW", help="new component name (its tokens follow)")
    _component_options(p)
    p.set_defaults(handler=cmd_edit)
    p = oauth_sub.add_parser("rm", help="remove an OAuth2 component and its tokens")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_rm)
    p = oauth_sub.add_parser("show", help="show an OAuth2 component (secrets masked)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)
    p = oauth_sub.add_parser("redirect-uri", help="print the redirect URI to register")
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.set_defaults(handler=cmd_redirect_uri)
    p = oauth_sub.add_parser(
        "forget", help="forget the tokens of a component in one environment (no sign-out)"
    )
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.set_defaults(handler=cmd_forget)

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


def _component_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", choices=("custom", "microsoft", "google"), help="credentials type")
    p.add_argument("--tenant", metavar="T", help="Microsoft tenant (common, organizations, ...)")
    p.add_argument("--auth-url", metavar="U", help="authorization URL")
    p.add_argument("--token-url", metavar="U", help="token URL")
    p.add_argument("--device-url", metavar="U", help="device authorization URL (optional)")
    p.add_argument("--client-id", metavar="ID", help="client id")
    secret = p.add_mutually_exclusive_group()
    secret.add_argument(
        "--client-secret", metavar="S", help="client secret (visible to other local users)"
    )
    secret.add_argument(
        "--client-secret-stdin", action="store_true", help="read the client secret from stdin"
    )
    p.add_argument(
        "--auth-method",
        metavar="M",
        choices=("client_secret_post", "client_secret_basic", "none"),
        help="client authentication: client_secret_post, client_secret_basic or none",
    )
    p.add_argument("--scope", metavar='"..."', help="space-separated scopes")
    p.add_argument("--refresh-delay", metavar="N", help="seconds before expiry to refresh")
    p.add_argument("--variable", metavar="V", help="global variable name (default: NAME)")
    p.add_argument("--redirect-port", metavar="P", help="loopback redirect port (0 = automatic)")
    p.add_argument(
        "--param",
        metavar="K=V",
        action="append",
        default=[],
        help="extra authorization parameter, repeatable (edit: K= removes K)",
    )


def read_secret(option: str, what: str, prompt: str) -> str:
    """A secret given with ``option``: asked without echo when stdin is a terminal, else
    the first line of stdin (one trailing newline removed, nothing else).

    Also used by ``mail add|edit --password-stdin``.
    """
    stream = sys.stdin
    if stream is None or stream.closed:
        raise UsageError(f"{option}: there is no standard input to read the {what} from")
    if stream.isatty():
        import getpass

        try:
            value = getpass.getpass(prompt)
        except EOFError:
            value = ""
    else:
        value = stream.readline()
        value = value[:-1] if value.endswith("\n") else value
        value = value[:-1] if value.endswith("\r") else value
    if not value:
        raise UsageError(f"{option}: no {what} on standard input ({option} reads one line)")
    return value


def _parse_params(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param expects KEY=VALUE, got {item!r}")
        out.append((key.strip(), value))
    return out


def _refuse_removing_preset_params(kind: str, removed: list[str]) -> None:
    """The preset re-adds its parameters, so removing one would silently do nothing."""
    from ..components import PRESET_PARAMS

    needed = {k for k, _ in PRESET_PARAMS.get(kind, ())}
    for key in removed:
        if key in needed:
            raise UsageError(
                f"the {kind} preset needs {key}; give it another value instead of removing it"
            )


_ENDPOINT_OPTIONS = (("auth_url", "--auth-url"), ("token_url", "--token-url"),
                     ("device_url", "--device-url"))  # fmt: skip


def _check_preset_options(args: argparse.Namespace, old: Any = None) -> None:
    """Refuse options the credentials type ignores (a preset sets the endpoints itself)."""
    kind = args.type or (old.type if old is not None else "custom")
    if kind != "custom":
        for attr, flag in _ENDPOINT_OPTIONS:
            if getattr(args, attr) is None:
                continue
            if args.type:
                raise UsageError(
                    f"{flag} cannot be combined with --type {kind}: the preset sets the endpoints"
                )
            raise UsageError(
                f"{flag} cannot be used on {old.name!r}, a {kind} component: the preset sets "
                "the endpoints",
                hint="to set the endpoints yourself, change the type with --type custom too",
            )
    if args.tenant is not None and kind != "microsoft":
        hint = None
        if old is not None and not args.type:
            hint = f"{old.name!r} is a {kind} component"
        raise UsageError("--tenant only applies to --type microsoft", hint=hint)


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    """The component fields given on the command line (only those)."""
    fields: dict[str, Any] = {}
    for opt, field in (
        ("type", "type"),
        ("tenant", "tenant"),
        ("auth_url", "authorization_url"),
        ("token_url", "token_url"),
        ("device_url", "device_authorization_url"),
        ("client_id", "client_id"),
        ("client_secret", "client_secret"),
        ("auth_method", "auth_method"),
        ("scope", "scope"),
        ("variable", "variable"),
    ):
        value = getattr(args, opt)
        if value is not None:
            fields[field] = value
    if args.refresh_delay is not None:
        fields["refresh_delay"] = parse_int(args.refresh_delay, "--refresh-delay", low=0)
    if args.redirect_port is not None:
        fields["redirect_port"] = parse_int(
            args.redirect_port, "--redirect-port", low=0, high=65535
        )
    return fields


def _read_client_secret(args: argparse.Namespace, fields: dict[str, Any]) -> None:
    if args.client_secret_stdin:
        fields["client_secret"] = read_secret(
            "--client-secret-stdin", "client secret", "Client secret: "
        )


def _describe_redirect(ctx: Context, comp: Any) -> None:
    from ..oauth.callback import registration_redirect_uri

    if not comp.authorization_url:
        ctx.print(
            f"{comp.name} signs in with the device grant only: it has no redirect URI to register."
        )
        return
    ctx.print("Register this redirect URI with the provider:")
    ctx.print(registration_redirect_uri(comp))


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    """Create a component from the options."""
    from ..components import OAuthComponent

    _check_preset_options(args)
    fields = _changes(args)
    params = _parse_params(args.param)
    _refuse_removing_preset_params(args.type or "custom", [k for k, v in params if not v])
    session = ctx.session()
    _read_client_secret(args, fields)  # not under the vault lock
    comp = OAuthComponent(name=args.name, extra_params=tuple(params), **fields)
    with session.edit() as records:
        records.add(comp)
    ctx.print(f"Added OAuth2 component {comp.name} (variable {comp.reference})")
    _describe_redirect(ctx, comp)
    return 0


# Changing one of these means the stored tokens were issued for other settings.
_GRANT_FIELDS = (
    ("client_id", "client id"),
    ("token_url", "token URL"),
    ("authorization_url", "authorization URL"),
    ("scope", "scope"),
    ("type", "type"),
    ("tenant", "tenant"),
)


def cmd_edit(args: argparse.Namespace, ctx: Context) -> int:
    """Change the given fields of a component; tokens are kept (and follow a rename)."""
    import dataclasses

    session = ctx.session()
    _check_preset_options(args, session.records.get_oauth(args.name))
    fields = _changes(args)
    if args.rename is not None:
        fields["name"] = args.rename
    params = _parse_params(args.param)
    if not fields and not params and not args.client_secret_stdin:
        raise UsageError("nothing to change: give at least one option")
    _read_client_secret(args, fields)  # not under the vault lock
    with session.edit() as records:
        old = records.get_oauth(args.name)
        _check_preset_options(args, old)
        if params:
            kind = args.type or old.type
            _refuse_removing_preset_params(kind, [k for k, v in params if not v])
            merged = dict(old.extra_params)
            for key, value in params:
                if value:
                    merged[key] = value
                else:
                    merged.pop(key, None)
            fields["extra_params"] = tuple(merged.items())
        new = dataclasses.replace(old, **fields)
        if new == old:
            ctx.print(f"Nothing changed: {old.name} already has these settings")
            return 0
        records.replace(old.name, new)
        envs = [env for env in records.environments if records.token(env, new.name) is not None]
    ctx.print(f"Updated OAuth2 component {new.name}")
    changed = [label for f, label in _GRANT_FIELDS if getattr(old, f) != getattr(new, f)]
    if changed and envs:
        from ..oauth.classify import authorize_command

        again = authorize_command(new.name, envs[0] if len(envs) == 1 else None)
        ctx.warn(
            f"note: the tokens of {new.name} in {', '.join(envs)} were issued for the old "
            f"{' and '.join(changed)}; if calls fail, authorize again: {again}"
        )
    return 0


def cmd_rm(args: argparse.Namespace, ctx: Context) -> int:
    """Delete a component and its tokens in every environment."""
    with ctx.session().edit() as records:
        comp = records.get_oauth(args.name)
        records.remove(comp.name)
    ctx.print(f"Removed OAuth2 component {comp.name} and its tokens")
    return 0


def component_view(comp: Any) -> dict[str, Any]:
    """The component as shown to users: secrets masked."""
    from ..oauth.callback import registration_redirect_uri

    return {
        "name": comp.name,
        "type": comp.type,
        "tenant": comp.tenant if comp.type == "microsoft" else None,
        "authorization_url": comp.authorization_url,
        "token_url": comp.token_url,
        "device_authorization_url": comp.device_authorization_url,
        "client_id": comp.client_id,
        "client_secret": "********" if comp.client_secret else "",
        "auth_method": comp.effective_auth_method,
        "scope": comp.scope,
        "refresh_delay": comp.refresh_delay,
        "variable": comp.reference,
        "redirect_port": comp.redirect_port,
        # A device-only component (no authorization URL) has no redirect URI.
        "redirect_uri": registration_redirect_uri(comp) if comp.authorization_url else None,
        "extra_params": dict(comp.extra_params),
    }


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    """Print a component, secrets masked."""
    from ..components import FIELD_HELP

    view = component_view(ctx.session().records.get_oauth(args.name))
    if args.json:
        ctx.print_json(view)
        return 0
    labels = {
        "authorization_url": FIELD_HELP["authorization_url"][0],
        "token_url": FIELD_HELP["token_url"][0],
        "device_authorization_url": FIELD_HELP["device_authorization_url"][0],
        "redirect_uri": "Redirect URI",
    }
    for key, value in view.items():
        if key == "redirect_uri" and value is None:
            value = "none (device sign-in only)"
        if value is None:
            continue
        label = labels.get(key) or FIELD_HELP.get(key, (key, ""))[0]
        if key == "extra_params":
            value = " ".join(f"{k}={v}" for k, v in value.items())
        elif key == "redirect_port" and not value:
            value = "automatic"
        ctx.print(f"{label + ':':<31} {value}".rstrip())
    return 0


def cmd_redirect_uri(args: argparse.Namespace, ctx: Context) -> int:
    """Print exactly the redirect URI to register with the provider."""
    from ..oauth.callback import registration_redirect_uri
    from ..oauth.classify import command

    records = ctx.session().records
    comp = records.get_oauth(args.name)
    ctx.env(args)  # validates --env
    if not comp.authorization_url:
        raise UsageError(
            f"{comp.name!r} has no redirect URI: it signs in with the device grant only "
            "(it has no authorization URL)",
            hint="to sign in with a browser, set an authorization URL: "
            f"{command('oauth', 'edit', comp.name, '--auth-url', 'URL')}",
        )
    ctx.print(registration_redirect_uri(comp))
    return 0


def cmd_forget(args: argparse.Namespace, ctx: Context) -> int:
    """Forget the tokens of one component in one environment (the TUI's "Forget tokens")."""
    session = ctx.session()
    env = ctx.env(args)
    with session.edit() as records:
        comp = records.get_oauth(args.name)
        dropped = records.drop_token(env, comp.name)
    if dropped:
        ctx.print(f"Forgot the tokens of {comp.name} in {env}")
    else:
        ctx.print(f"{comp.name} has no tokens in {env}: nothing to forget")
    return 0


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
    from ..oauth.status import human_duration

    who = f" as {tok.account}" if tok.account else ""
    expires = human_duration(tok.expires_in())
    refresh = "with a refresh token" if tok.refresh_token else "without a refresh token"
    ctx.print(f"Signed in{who} for {comp.name} in {env}: expires in {expires}, {refresh}.")


def _authorize_code(
    ctx: Context, session: Any, comp: Any, env: str, timeout: float, no_browser: bool
) -> Any:
    from ..oauth.browser import LAUNCH_GRACE, browser_usable
    from ..oauth.flow import AuthorizationAttempt, AuthorizationTimeout

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
            if browserless and not attempt.decided:
                ctx.warn(f"could not open the browser ({result.detail})")
                ctx.print("Open this URL in a browser:")
                _offer_paste(ctx, attempt)
                if not reading:
                    _read_pasted_urls(ctx, attempt)
        try:
            return attempt.wait(timeout)
        except AuthorizationTimeout as exc:
            exc.hint = _timeout_hint(comp, env, browserless)
            raise
    finally:
        attempt.close()


def _offer_paste(ctx: Context, attempt: Any) -> None:
    """The browser-less way: the URL on a line of its own, the ssh -L hint, the paste."""
    from ..oauth.browser import is_ssh_session, ssh_tunnel_command

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


def _timeout_hint(comp: Any, env: str, browserless: bool) -> str:
    """What to do after a timeout, without suggesting what the user already did."""
    from ..oauth.classify import authorize_command

    if browserless:
        hint = (
            "start again, and after signing in paste the address of the page that failed to "
            "load (the browser ends there when it cannot reach this machine)"
        )
    else:
        paste = authorize_command(comp.name, env, "--no-browser")
        hint = (
            "start again; if the browser cannot reach this machine, paste the final URL "
            f"instead ({paste})"
        )
    if comp.device_authorization_url and comp.type != "google":
        hint += f"; or sign in on another device ({authorize_command(comp.name, env, '--device')})"
    return hint


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
                ctx.warn(exc.message)

    threading.Thread(target=reader, name="tokendesk-paste", daemon=True).start()


def _authorize_device(ctx: Context, session: Any, comp: Any, env: str, timeout: float) -> Any:
    from ..oauth.device import DeviceFlow

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
    from ..oauth.tokens import fresh_token

    if args.user is not None and not args.sasl:
        raise UsageError("--user is only used with --sasl")
    if args.sasl and args.json:
        raise UsageError("--sasl and --json cannot be combined")
    session = ctx.session()
    env = ctx.env(args)
    tok = fresh_token(session, args.name, env, force=args.force_refresh)
    if tok.last_error:
        remaining = tok.expires_in()
        left = f", still valid for {int(remaining)} s" if remaining is not None else ""
        ctx.warn(f"refresh failed, using the current token{left}: {tok.last_error}")
    if args.sasl:
        from ..oauth.tokens import sasl_string

        user = args.user or tok.account  # the same default as the mail login's username
        if not user:
            raise UsageError("--sasl needs --user ADDRESS (the token does not name the account)")
        ctx.print(sasl_string(args.sasl, user, tok.access_token))
    elif args.json:
        from ..oauth.status import iso_utc

        ctx.print_json(
            {
                "access_token": tok.access_token,
                "token_type": tok.token_type,
                "expires_at": iso_utc(tok.expires_at),
                "scope": tok.scope,
            }
        )
    else:
        ctx.print(tok.access_token)
    return 0


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    """Print each OAuth2 component's token state in one environment."""
    from ..oauth.status import human_duration, token_status

    records = ctx.session().records
    env = ctx.env(args)
    rows = token_status(records, env)
    if args.json:
        ctx.print_json({"environment": env, "components": [r.to_dict() for r in rows]})
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
                human_duration(r.expires_in) if r.has_token else "-",
                "yes" if r.fresh else "no",
                human_duration(r.refresh_token_age),
                r.account or "-",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    ctx.print(f"Environment: {env}")
    for row in table:
        ctx.print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for r in rows:
        if r.last_error:
            ctx.print(f"{r.name}: last error: {r.last_error}")
            if r.last_error_hint:
                ctx.print(f"{r.name}: hint: {r.last_error_hint}")
    return 0
