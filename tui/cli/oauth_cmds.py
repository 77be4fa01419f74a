"""OAuth2 component verbs: ``oauth add|edit|rm|show|redirect-uri|forget``.

The verbs that use the tokens (``authorize``, ``token``, ``status``) are in ``grant_cmds``.
This module imports only the standard library at load time: ``tokendesk token`` loads it
too, on every mail-client connection.
"""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.common import Context, add_env_option, parse_int, read_secret
from tui.core.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    p = oauth_sub.add_parser(
        "rm", help="remove an OAuth2 component and its tokens (revoked at the provider first)"
    )
    p.add_argument("name", metavar="NAME")
    _no_revoke_option(p)
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
        "forget",
        help="revoke the tokens of a component in one environment at the provider, and forget them",
    )
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    _no_revoke_option(p)
    p.set_defaults(handler=cmd_forget)


def _no_revoke_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-revoke",
        action="store_true",
        help="only forget the local copy: do not revoke at the provider's revocation endpoint",
    )


def _component_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", choices=("custom", "microsoft", "google"), help="credentials type")
    p.add_argument("--tenant", metavar="T", help="Microsoft tenant (common, organizations, ...)")
    p.add_argument("--auth-url", metavar="U", help="authorization URL")
    p.add_argument("--token-url", metavar="U", help="token URL")
    p.add_argument("--device-url", metavar="U", help="device authorization URL (optional)")
    p.add_argument("--revocation-url", metavar="U", help="revocation URL, RFC 7009 (optional)")
    p.add_argument(
        "--introspection-url", metavar="U", help="introspection URL, RFC 7662 (optional)"
    )
    p.add_argument(
        "--issuer",
        metavar="URL",
        help="read the endpoints from the provider's metadata (OpenID Connect discovery, "
        "else RFC 8414); shown before saving",
    )
    p.add_argument("--yes", action="store_true", help="save discovered endpoints without asking")
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


def _refuse_removing_preset_params(kind: str, removed: list[str]) -> None:
    """The preset re-adds its parameters, so removing one would silently do nothing."""
    from tui.core.models.presets import PRESET_PARAMS

    needed = {k for k, _ in PRESET_PARAMS.get(kind, ())}
    for key in removed:
        if key in needed:
            raise UsageError(
                f"the {kind} preset needs {key}; give it another value instead of removing it"
            )


_ENDPOINT_OPTIONS = (("auth_url", "--auth-url"), ("token_url", "--token-url"),
                     ("device_url", "--device-url"), ("revocation_url", "--revocation-url"),
                     ("introspection_url", "--introspection-url"),
                     ("issuer", "--issuer"))  # fmt: skip


def _check_preset_options(args: argparse.Namespace, old: Any = None) -> None:
    """Refuse options the credentials type ignores (a preset sets the endpoints itself)."""
    if args.yes and args.issuer is None:
        raise UsageError("--yes only applies with --issuer (it confirms the discovered endpoints)")
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
                advice="to set the endpoints yourself, change the type with --type custom too",
            )
    if args.tenant is not None and kind != "microsoft":
        hint = None
        if old is not None and not args.type:
            hint = f"{old.name!r} is a {kind} component"
        raise UsageError("--tenant only applies to --type microsoft", advice=hint)


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    """The component fields given on the command line (only those)."""
    fields: dict[str, Any] = {}
    for opt, field in (
        ("type", "type"),
        ("tenant", "tenant"),
        ("auth_url", "authorization_url"),
        ("token_url", "token_url"),
        ("device_url", "device_authorization_url"),
        ("revocation_url", "revocation_url"),
        ("introspection_url", "introspection_url"),
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
    from tui.core.oauth.callback import registration_redirect_uri

    if not comp.authorization_url:
        ctx.print(
            f"{comp.name} signs in with the device grant only: it has no redirect URI to register."
        )
        return
    ctx.print("Register this redirect URI with the provider:")
    ctx.print(registration_redirect_uri(comp))


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    """Create a component from the options."""
    from tui.core.models.oauth import OAuthComponent, parse_params

    _check_preset_options(args)
    fields = _changes(args)
    params = parse_params(args.param)
    _refuse_removing_preset_params(args.type or "custom", [k for k, v in params if not v])
    session = ctx.session()
    _read_client_secret(args, fields)  # not under the vault lock
    if args.issuer is not None:
        from tui.cli.lifecycle_cmds import discover_fields

        has_secret = bool(fields.get("client_secret"))
        discover_fields(ctx, args, fields, has_secret, "client_secret_post")
    comp = OAuthComponent(name=args.name, extra_params=tuple(params), **fields)
    with session.edit() as records:
        records.add(comp)
    ctx.print(f"Added OAuth2 component {comp.name} (variable {comp.reference})")
    _describe_redirect(ctx, comp)
    if comp.type == "google" and not comp.client_secret:
        from tui.cli.next_step import command

        # Google's token endpoint refuses a desktop-app client without its secret
        # ("client_secret is missing"): say so now, not after the browser sign-in.
        ctx.warn(
            "note: Google's token endpoint also asks desktop-app clients for their client "
            "secret (shown next to the client id in the Google Cloud console); add it: "
            + command("oauth", "edit", comp.name, "--client-secret-stdin")
        )
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

    from tui.core.models.oauth import parse_params

    session = ctx.session()
    _check_preset_options(args, session.records.get_oauth(args.name))
    fields = _changes(args)
    if args.rename is not None:
        fields["name"] = args.rename
    params = parse_params(args.param)
    if not fields and not params and not args.client_secret_stdin and args.issuer is None:
        raise UsageError("nothing to change: give at least one option")
    _read_client_secret(args, fields)  # not under the vault lock
    if args.issuer is not None:  # the network, before the vault lock
        from tui.cli.lifecycle_cmds import discover_fields

        before = session.records.get_oauth(args.name)
        has_secret = bool(fields.get("client_secret", before.client_secret))
        discover_fields(ctx, args, fields, has_secret, before.auth_method)
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
        from tui.cli.next_step import step_command
        from tui.core.errors import Action, NextStep

        again = step_command(
            NextStep(Action.AUTHORIZE, new.name, envs[0] if len(envs) == 1 else None)
        )
        ctx.warn(
            f"note: the tokens of {new.name} in {', '.join(envs)} were issued for the old "
            f"{' and '.join(changed)}; if calls fail, authorize again: {again}"
        )
    return 0


def cmd_rm(args: argparse.Namespace, ctx: Context) -> int:
    """Delete a component and its tokens in every environment (revoked first)."""
    from tui.cli.lifecycle_cmds import cmd_rm as remove

    return remove(args, ctx)


def _masked_url(url: str) -> str:
    """``url`` with a password in its userinfo (``user:PASSWORD@host``) masked."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not (sep and at and colon and password):
        return url
    return f"{scheme}://{user}:********@{hostport}{slash}{path}"


def component_view(comp: Any) -> dict[str, Any]:
    """The component as shown to users: secrets masked (a URL's password too)."""
    from tui.core.oauth.callback import registration_redirect_uri

    return {
        "name": comp.name,
        "type": comp.type,
        "tenant": comp.tenant if comp.type == "microsoft" else None,
        "authorization_url": _masked_url(comp.authorization_url),
        "token_url": _masked_url(comp.token_url),
        "device_authorization_url": _masked_url(comp.device_authorization_url),
        "issuer": _masked_url(comp.issuer),
        "revocation_url": _masked_url(comp.revocation_url),
        "introspection_url": _masked_url(comp.introspection_url),
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
    from tui.core.models.field_help import FIELD_HELP

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
    from tui.core.errors import Action, NextStep
    from tui.core.oauth.callback import registration_redirect_uri

    records = ctx.session().records
    comp = records.get_oauth(args.name)
    ctx.env(args)  # validates --env
    if not comp.authorization_url:
        raise UsageError(
            f"{comp.name!r} has no redirect URI: it signs in with the device grant only "
            "(it has no authorization URL)",
            advice="to sign in with a browser, set an authorization URL",
            next_step=NextStep(Action.EDIT_COMPONENT, comp.name, field="authorization_url"),
        )
    ctx.print(registration_redirect_uri(comp))
    return 0


def cmd_forget(args: argparse.Namespace, ctx: Context) -> int:
    """Forget the tokens of one component in one environment (the TUI's "Forget tokens")."""
    from tui.cli.lifecycle_cmds import cmd_forget as forget

    return forget(args, ctx)
