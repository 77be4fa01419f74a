"""Turn token-endpoint failures into ``tui.core.errors`` with advice and a next step.

Three outcomes matter to a user and to scripts (exit codes): the grant is gone
(``ReauthorizationNeeded``, exit 3), the configuration is wrong (``ConfigurationError``) or
the server/network failed (``TransientError``: old tokens are kept; try again). Provider
``error_description`` texts are shown (Microsoft's AADSTS codes included), trimmed to one line;
the provider's advice (what an AADSTS code means, Google's 7-day expiry of testing apps) is the
error's ``advice``, and a grant that is gone has the structured next step ``AUTHORIZE``.
"""

from __future__ import annotations

import re

from tui.core.errors import (
    Action,
    AuthorizationFailed,
    ConfigurationError,
    NextStep,
    OperationFailed,
    ReauthorizationNeeded,
    TokendeskError,
    TransientError,
)
from tui.core.models.oauth import OAuthComponent
from tui.core.text import one_line

# AADSTS code -> (kind, advice). kind: "reauth" | "config" | "transient" | None (by error).
AADSTS_ADVICE: dict[str, tuple[str | None, str]] = {
    "50020": (
        "config",
        "the account is not in this tenant: use a work account of the tenant, or set the "
        "tenant to 'consumers' (personal accounts) or 'common'",
    ),
    "700082": (
        "reauth",
        "the refresh token expired after a long inactivity (90 days): authorize again",
    ),
    "50011": (
        "config",
        "the redirect URI is not registered: add the component's redirect URI "
        "as a 'Mobile and desktop applications' redirect URI",
    ),
    "7000215": (
        "config",
        "the client secret is wrong or expired: create a new one and store its Value (not its ID)",
    ),
    "7000222": ("config", "the client secret has expired: create a new one for the app"),
    "7000218": (
        "config",
        "the app needs a client secret, or turn on 'Allow public client flows' for it",
    ),
    "700016": ("config", "no application with this client id in this tenant: check both"),
    "65001": ("reauth", "consent is missing: authorize again (an admin may need to consent)"),
    "50076": ("reauth", "multi-factor sign-in is required: authorize again"),
    "50079": ("reauth", "multi-factor enrollment is required: authorize again"),
    "50173": ("reauth", "the grant expired after a password change: authorize again"),
    "70008": ("reauth", "the code or refresh token has expired: authorize again"),
    "70000": ("reauth", "the grant is invalid or revoked: authorize again"),
    "50126": ("reauth", "wrong user name or password at sign-in: authorize again"),
    "53003": ("config", "blocked by Conditional Access: ask the tenant administrator"),
    "9002313": ("config", "the request was malformed: check the endpoints and the scope"),
    "70011": ("config", "a requested scope is invalid: check the scope field"),
    "500011": ("config", "the resource in the scope is not found in the tenant: check the scope"),
    "90014": ("config", "a required field is missing: check the client id and secret"),
    "50148": ("reauth", "the PKCE verifier did not match: authorize again"),
}
_AADSTS = re.compile(r"AADSTS(\d+)")
REDIRECT_URI_NOT_REGISTERED = "50011"

REAUTH_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required"})
CONFIG_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_scope", "invalid_request", "deleted_client"}
)
TRANSIENT_ERRORS = frozenset({"server_error", "temporarily_unavailable"})


def is_google(component: OAuthComponent) -> bool:
    return component.type == "google" or "googleapis.com" in component.token_url


def reauthorize(component: OAuthComponent, env: str | None) -> NextStep:
    """The next step when the grant is gone: authorize ``component`` again in ``env``."""
    return NextStep(Action.AUTHORIZE, component.name, env)


def classify_oauth_error(
    error: str,
    description: str | None,
    *,
    component: OAuthComponent,
    env: str | None = None,
    during: str = "refresh",
    status: int | None = None,
) -> TokendeskError:
    """Map an OAuth error reply (``error`` + ``error_description``) to a ``TokendeskError``.

    ``during`` is ``refresh``, ``authorization`` (code exchange) or ``device``.
    """
    desc = one_line(description)
    error = one_line(error, 80)
    shown = f"{error}: {desc}" if desc else error
    what = {
        "refresh": f"refreshing the token of {component.name!r} failed",
        "authorization": f"the token request for {component.name!r} failed",
        "device": f"the device authorization for {component.name!r} failed",
    }.get(during, f"{component.name!r}: token request failed")
    message = f"{what}: {shown}"
    kind: str | None = None
    advice: str | None = None
    match = _AADSTS.search(desc)
    if match and match.group(1) in AADSTS_ADVICE:
        kind, advice = AADSTS_ADVICE[match.group(1)]
    if kind is None:
        if error in REAUTH_ERRORS or error == "expired_token":
            kind = "reauth"
        elif error in CONFIG_ERRORS or status == 401:
            kind = "config"
        elif error in TRANSIENT_ERRORS:
            kind = "transient"
    if kind == "reauth" and during == "refresh" and is_google(component) and not advice:
        advice = (
            "Google expires refresh tokens after 7 days for apps in 'Testing' status "
            "(publish the app to avoid it), and when the user revokes access: authorize again"
        )
    if kind == "config" and not advice:
        advice = {
            "invalid_client": "check the client id, the client secret and the client "
            "authentication method (client_secret_post / client_secret_basic / none)",
            "unauthorized_client": "the client may not use this grant type: check the app "
            "registration (e.g. allow public client flows for the device grant)",
            "invalid_scope": "check the scope field against what the app may request",
        }.get(error, "check the component's configuration")
    if kind == "reauth":
        if during != "refresh":
            return AuthorizationFailed(message, advice=advice)
        return ReauthorizationNeeded(message, advice=advice, next_step=reauthorize(component, env))
    if kind == "config":
        step = None
        if match and match.group(1) == REDIRECT_URI_NOT_REGISTERED:
            step = NextStep(Action.SHOW_REDIRECT_URI, component.name, env)
        return ConfigurationError(message, advice=advice, next_step=step)
    if kind == "transient":
        return TransientError(
            message, advice=advice or "the provider had a problem: try again later"
        )
    if during != "refresh":
        return AuthorizationFailed(message, advice=advice)
    return OperationFailed(message, advice=advice)


def transient(
    component: OAuthComponent, detail: str, *, during: str = "refresh", advice: str | None = None
) -> TransientError:
    """A network-level or malformed-answer failure: old tokens stay, try again later.

    ``during`` is ``refresh``, ``authorization`` (code exchange) or ``device``; only a
    refresh had old tokens at stake, so only its advice says they were kept.
    """
    what = "device authorization request" if during == "device" else "token request"
    steps = [advice or "check the network or try again later"]
    if during == "refresh":
        steps.append("the old tokens were kept")
    return TransientError(
        f"{what} for {component.name!r} failed: {detail}", advice="; ".join(steps)
    )
