"""Token-endpoint calls on authlib's httpx ``OAuth2Client``.

authlib does the protocol mechanics: PKCE S256 challenges, the authorization URL, client
authentication (``client_secret_post``, ``client_secret_basic``, ``none``), the code exchange
and the refresh request. This module adds what authlib leaves to the caller: timeouts,
classification of every failure into ``tui.core.errors`` (see ``classify``), and the device
authorization request (RFC 8628), which authlib's client does not implement.

httpx and authlib are imported here, lazily by the callers, so the fresh-token fast path of
``tokendesk token`` never loads them.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

from tui.core.errors import TokendeskError, TransientError, UsageError
from tui.core.models.oauth import OAuthComponent
from tui.core.oauth.bounded import bounded_transport
from tui.core.oauth.classify import classify_oauth_error, transient
from tui.core.oauth.network import TIMEOUT_VARIABLE, network_failure
from tui.core.oauth.tokens import token_type_of
from tui.core.text import one_line

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 600.0
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

import authlib.deprecate  # noqa: E402,F401 - installs authlib's "always" filter first

with warnings.catch_warnings():
    # authlib >= 1.7 warns that it falls back to httpx when httpx2 is missing; that is us.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client.errors import OAuthError  # noqa: E402
    from authlib.integrations.httpx_client import OAuth2Client  # noqa: E402

import httpx  # noqa: E402


def http_timeout() -> float:
    """Network timeout in seconds: ``TOKENDESK_HTTP_TIMEOUT`` or 30.

    Raises:
        UsageError: the variable is set to something other than a number of seconds
            above 0 and at most 600 (``abc``, ``0``, ``inf``, ``nan``...).
    """
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise UsageError(
            f"{TIMEOUT_VARIABLE} must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT:g}, got {one_line(raw, 40)!r}"
        )
    return value


class UnusableReply(Exception):
    """A successful token reply that ``reply_problem`` refuses (message: what is wrong)."""


class OAuthErrorReply(TokendeskError):
    """An OAuth error JSON reply, kept raw for callers that act on it (device polling)."""

    def __init__(self, error: str, description: str, body: dict[str, Any], status: int | None):
        super().__init__(f"{error}: {one_line(description)}" if description else error)
        self.error, self.description, self.body, self.status = error, description, body, status


def make_client(
    component: OAuthComponent,
    *,
    redirect_uri: str | None = None,
    timeout: float | None = None,
    with_scope: bool = True,
) -> Any:
    """An authlib ``OAuth2Client`` for ``component`` (close it after use)."""
    client = OAuth2Client(
        client_id=component.client_id,
        client_secret=component.client_secret or None,
        token_endpoint_auth_method=component.effective_auth_method,
        scope=(component.scope or None) if with_scope else None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=timeout or http_timeout(),
        # The whole exchange, not each read, ends within the timeout, and the answer is
        # capped: the refresh holds the vault lock meanwhile.
        transport=bounded_transport(timeout or http_timeout()),
        follow_redirects=False,
        headers={"User-Agent": "tokendesk"},
    )
    last: dict[str, Any] = {}

    def keep(resp: Any) -> Any:
        last["response"] = resp
        try:
            body = resp.json()
        except (ValueError, RecursionError):
            return resp  # authlib fails on it too, and _call says so
        if resp.status_code == 200 and isinstance(body, dict) and "error" not in body:
            # Checked before authlib reads the reply (it would choke on some values).
            problem = reply_problem(body)
            if problem:
                raise UnusableReply(problem)
        return resp

    client.register_compliance_hook("access_token_response", keep)
    client.register_compliance_hook("refresh_token_response", keep)
    client.tokendesk_last = last
    return client


def authorization_url(
    component: OAuthComponent, *, redirect_uri: str, state: str, code_verifier: str
) -> str:
    """The authorization request URL (with PKCE S256 and the component's extra parameters)."""
    with make_client(component, redirect_uri=redirect_uri) as client:
        url, _ = client.create_authorization_url(
            component.authorization_url,
            state=state,
            code_verifier=code_verifier,
            **dict(component.extra_params),
        )
    return str(url)


def _call(
    component: OAuthComponent, during: str, env: str | None, client: Any, func: Any
) -> dict[str, Any]:
    """Run one token request and classify whatever goes wrong."""
    try:
        token = func()
    except OAuthError as exc:
        raise classify_oauth_error(
            exc.error or "error", exc.description, component=component, env=env, during=during
        ) from None
    except httpx.HTTPStatusError as exc:
        ctype = exc.response.headers.get("content-type", "").split(";")[0] or "no content type"
        raise transient(
            component,
            f"the token endpoint answered HTTP {exc.response.status_code} ({ctype})",
            during=during,
        ) from None
    except httpx.HTTPError as exc:
        raise network_error(
            exc, component, component.token_url, _seconds(client), during=during
        ) from None
    except UnusableReply as exc:
        raise transient(component, f"the token endpoint's answer {exc}", during=during) from None
    except (ValueError, RecursionError):  # RecursionError: JSON nested without end
        raise transient(
            component, "the token endpoint's answer is not a JSON object", during=during
        ) from None
    problem = reply_problem(token)
    if problem:
        raise transient(component, f"the token endpoint's answer {problem}", during=during)
    return dict(token)


MAX_LIFETIME = 366 * 86400.0
"""Longest access-token lifetime accepted (a year; real ones last minutes to hours)."""
MAX_TOKEN_CHARS = 64 * 1024


def reply_problem(reply: Any) -> str:
    """What makes a successful token reply unusable ("" when it is fine).

    RFC 6749 section 5.1: ``access_token`` and ``token_type`` strings (only Bearer is
    supported; a missing type is taken as Bearer, see ``tokens.token_type_of``),
    ``expires_in`` a positive number of seconds; we also bound the lifetime and the token
    sizes so the record stays usable.
    """
    if not isinstance(reply, dict):
        return "is not a JSON object"
    access = reply.get("access_token")
    if not isinstance(access, str) or not access.strip():
        return "has no access_token string"
    for key in ("access_token", "refresh_token", "id_token"):
        value = reply.get(key)
        if value is not None and not isinstance(value, str):
            return f"has a {key} that is not a string"
        if isinstance(value, str) and (len(value) > MAX_TOKEN_CHARS or not value.isprintable()):
            return f"has an unusable {key} (too long or with control characters)"
    if token_type_of(reply) is None:  # absent counts as Bearer: see token_type_of
        return f"has token_type {one_line(str(reply['token_type']), 40)!r}, not Bearer"
    if reply.get("scope") is not None and not isinstance(reply["scope"], str):
        return "has a scope that is not a string"
    expires_in = reply.get("expires_in")
    if expires_in is not None:
        try:
            seconds = float(expires_in) if not isinstance(expires_in, bool) else math.nan
        except (TypeError, ValueError):
            seconds = math.nan
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_LIFETIME):
            return (
                f"has expires_in {one_line(str(expires_in), 40)!r}, not a number of seconds "
                f"above 0 and at most {MAX_LIFETIME:g}"
            )
    return ""


def _seconds(client: Any) -> float:
    timeout = getattr(client, "timeout", None)
    value = getattr(timeout, "read", None) or getattr(timeout, "connect", None)
    return float(value) if value else http_timeout()


def network_error(
    exc: BaseException, component: OAuthComponent, url: str, seconds: float, *, during: str
) -> TransientError:
    """A clean message (and a short hint) for an httpx transport failure talking to ``url``."""
    detail, hint = network_failure(exc, url, seconds)
    return transient(component, detail, during=during, advice=hint)


def exchange_code(
    component: OAuthComponent,
    *,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    env: str | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Exchange an authorization code (with its PKCE verifier) for tokens."""
    with make_client(component, redirect_uri=redirect_uri, timeout=timeout) as client:
        return _call(
            component,
            "authorization",
            env,
            client,
            lambda: client.fetch_token(
                component.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                redirect_uri=redirect_uri,
            ),
        )


def refresh(
    component: OAuthComponent,
    refresh_token: str,
    *,
    env: str | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Spend ``refresh_token``; the reply may carry a rotated refresh token."""
    # Microsoft wants the scope again on refresh; Google needs none (and the grant has it).
    with_scope = component.type != "google"
    with make_client(component, timeout=timeout, with_scope=with_scope) as client:
        return _call(
            component,
            "refresh",
            env,
            client,
            lambda: client.refresh_token(component.token_url, refresh_token=refresh_token),
        )


def device_authorization(
    component: OAuthComponent, *, env: str | None = None, timeout: float | None = None
) -> dict[str, Any]:
    """Start a device authorization (RFC 8628 section 3.1); returns the JSON reply."""
    with make_client(component, timeout=timeout) as client:
        # The client authentication names the client in the body for client_secret_post
        # and none; a second client_id there is refused by strict servers (RFC 6749 3.1).
        # With HTTP Basic the body names it once too (RFC 8628 3.1 asks for it).
        method = component.effective_auth_method
        data: dict[str, str] = {}
        if method == "client_secret_basic":
            data["client_id"] = component.client_id
        if component.scope:
            data["scope"] = component.scope
        try:
            resp = client.post(
                component.device_authorization_url,
                data=data,
                auth=client.client_auth(method),
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise network_error(
                exc,
                component,
                component.device_authorization_url,
                _seconds(client),
                during="device",
            ) from None
        try:
            body = resp.json()
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise transient(
                component,
                f"the device endpoint answered HTTP {resp.status_code}, not JSON",
                during="device",
            )
        if "error" in body or resp.status_code >= 400:
            raise classify_oauth_error(
                str(body.get("error", f"HTTP {resp.status_code}")),
                body.get("error_description"),
                component=component,
                env=env,
                during="device",
                status=resp.status_code,
            )
        return body


def poll_device(
    component: OAuthComponent, device_code: str, *, timeout: float | None = None
) -> dict[str, Any]:
    """One device-grant token request; pending/slow_down/... raise ``OAuthErrorReply``."""
    with make_client(component, timeout=timeout, with_scope=False) as client:

        def request() -> Any:
            try:
                return client.fetch_token(
                    component.token_url, grant_type=DEVICE_GRANT, device_code=device_code
                )
            except OAuthError as exc:
                resp = client.tokendesk_last.get("response")
                body: dict[str, Any] = {}
                if resp is not None:
                    try:
                        body = resp.json()
                    except (ValueError, RecursionError):
                        body = {}
                raise OAuthErrorReply(
                    exc.error or "error",
                    exc.description or "",
                    body if isinstance(body, dict) else {},
                    resp.status_code if resp is not None else None,
                ) from None

        return _call(component, "device", None, client, request)
