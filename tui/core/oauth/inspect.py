"""What a stored token grants: account, issuer, audience, scopes, times, and what is wrong.

``build_report(component, tok, env)`` reads what is known locally: the token response (scope,
expiry), the id_token's claims, and a JWT access token's claims, decoded for display only:
the signature is not checked, so nothing here decides anything. ``introspect(component,
access_token)`` asks the provider (RFC 7662) when the component has an introspection
endpoint; its answer goes into the report too. A report never holds a token.

Findings are warnings with the likely fix: a requested scope the provider did not grant
(e.g. the IMAP scope dropped at consent), or no refresh token (``offline_access`` or consent
for offline access missing).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from tui.core.errors import TokendeskError
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.classify import is_google
from tui.core.oauth.health import Health, token_health
from tui.core.oauth.status import iso_utc
from tui.core.oauth.tokens import unverified_jwt_claims
from tui.core.text import one_line, relative

MAX_INTROSPECTION_BYTES = 64 * 1024
# OpenID Connect scopes: providers leave them out of the granted scope (Microsoft does).
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access", "address", "phone"})
SHOWN_CLAIMS = (
    "iss",
    "sub",
    "aud",
    "azp",
    "client_id",
    "scope",
    "scp",
    "roles",
    "iat",
    "nbf",
    "exp",
    "tid",
    "oid",
    "upn",
    "email",
    "preferred_username",
    "name",
)
_MAIL_SCOPE_MARKS = ("imap", "mail.google.com", "smtp", "pop")


@dataclass(frozen=True)
class Finding:
    """Something wrong with what the provider granted, and the likely fix."""

    message: str
    """What is wrong."""
    hint: str
    """The likely fix, in words (no command, no key)."""


@dataclass(frozen=True)
class TokenReport:
    """Everything shown about one component's tokens in one environment; no token inside."""

    component: str
    variable: str
    environment: str
    account: str = ""
    subject: str = ""
    issuer: str = ""
    audience: tuple[str, ...] = ()
    granted_scopes: tuple[str, ...] = ()
    requested_scopes: tuple[str, ...] = ()
    missing_scopes: tuple[str, ...] = ()
    access_token_format: str = "none"
    """``JWT`` (claims decoded for display, not verified), ``opaque`` or ``none``."""
    access_token_claims: dict[str, str] = field(default_factory=dict)
    issued_at: float | None = None
    expires_at: float | None = None
    refresh_token: bool = False
    refresh_token_issued_at: float | None = None
    refresh_token_rotated_at: float | None = None
    refresh_token_rotations: int = 0
    refresh_token_expires_at: float | None = None
    last_refresh: float | None = None
    introspection: dict[str, str] | None = None
    """The provider's answer (selected members, sanitized), when it was asked."""
    introspection_error: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    """Where each shown value came from (``token response``, ``id_token``, ...)."""
    health: Health | None = None
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (times ISO 8601 UTC)."""
        d = asdict(self)
        for key in (
            "issued_at",
            "expires_at",
            "refresh_token_issued_at",
            "refresh_token_rotated_at",
            "refresh_token_expires_at",
            "last_refresh",
        ):
            d[key] = iso_utc(d[key])
        d["health"] = self.health.to_dict() if self.health else None
        d["findings"] = [asdict(f) for f in self.findings]
        return d


def _text(value: Any) -> str:
    """A claim value as one safe line."""
    if isinstance(value, list):
        return " ".join(one_line(v, 200) for v in value[:20])
    if isinstance(value, bool | int | float | str):
        return one_line(value, 300)
    return one_line(json.dumps(value)[:300], 300)


def _scopes(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(one_line(v, 200) for v in value[:100] if isinstance(v, str))
    if isinstance(value, str):
        return tuple(one_line(v, 200) for v in value.split()[:100])
    return ()


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def build_report(
    component: OAuthComponent,
    tok: TokenRecord | None,
    env: str,
    *,
    now: float | None = None,
    introspection: dict[str, Any] | None = None,
    introspection_error: str = "",
) -> TokenReport:
    """The report for ``tok`` (None: no tokens), from local data and ``introspection``."""
    now = time.time() if now is None else now
    health = token_health(component, tok, now)
    if tok is None:
        return TokenReport(component.name, component.reference, env, health=health)
    jwt = unverified_jwt_claims(tok.access_token)
    intro = introspection if isinstance(introspection, dict) else None
    sources: dict[str, str] = {}
    # Each value: the provider's introspection first, then the JWT, then the id_token.
    layers: list[tuple[str, dict[str, Any]]] = [
        ("introspection", intro or {}),
        ("access token (JWT, not verified)", jwt or {}),
        ("id_token", tok.id_claims),
    ]

    def pick(*keys: str) -> Any:
        for source, claims in layers:
            for key in keys:
                value = claims.get(key)
                if value not in (None, "", []):
                    sources[keys[0]] = source
                    return value
        return None

    account = tok.account
    if account:
        sources["account"] = "id_token"
    else:
        account = _text(pick("email", "upn", "preferred_username", "username") or "")
        if account:
            sources["account"] = sources.pop("email", "")
    issuer = _text(pick("iss") or "")
    if not issuer and component.issuer:
        issuer, sources["iss"] = component.issuer, "component"
    audience = _scopes(pick("aud"))
    granted = _scopes(tok.scope)
    sources["scope"] = "token response"
    if intro and intro.get("scope"):
        granted, sources["scope"] = _scopes(intro["scope"]), "introspection"
    requested = _scopes(component.scope)
    have = {s.casefold() for s in granted}
    missing = tuple(s for s in requested if s not in OIDC_SCOPES and s.casefold() not in have)
    issued = _number(pick("iat")) or tok.obtained_at
    findings = list(_findings(component, tok, missing, granted))
    if intro is not None and intro.get("active") is False:
        findings.append(
            Finding(
                "the provider says the access token is not active (revoked or expired)",
                "refresh the token; if the refresh is refused, authorize again",
            )
        )
    return TokenReport(
        component.name,
        component.reference,
        env,
        account=account,
        subject=_text(pick("sub") or ""),
        issuer=issuer,
        audience=audience,
        granted_scopes=granted,
        requested_scopes=requested,
        missing_scopes=missing,
        access_token_format="none" if not tok.access_token else ("JWT" if jwt else "opaque"),
        access_token_claims={k: _text(jwt[k]) for k in SHOWN_CLAIMS if jwt and k in jwt},
        issued_at=issued,
        expires_at=tok.expires_at,
        refresh_token=bool(tok.refresh_token),
        refresh_token_issued_at=tok.refresh_token_issued_at,
        refresh_token_rotated_at=tok.refresh_token_rotated_at,
        refresh_token_rotations=tok.refresh_token_rotations,
        refresh_token_expires_at=tok.refresh_token_expires_at,
        last_refresh=tok.last_refresh,
        introspection=None
        if intro is None
        else {
            k: _text(intro[k])
            for k in ("active", "username", "token_type", *SHOWN_CLAIMS)
            if k in intro
        },
        introspection_error=introspection_error,
        sources={k: v for k, v in sources.items() if v},
        health=health,
        findings=tuple(findings),
    )


def report_rows(r: TokenReport, now: float | None = None) -> list[tuple[str, str]]:
    """The report as (label, value) rows, the same in every face (sub-rows start with 2
    spaces); the health's next step and the findings are left to the face."""
    now = time.time() if now is None else now

    def when(ts: float | None) -> str:
        return "-" if ts is None else f"{iso_utc(ts)} ({relative(ts - now)})"

    def src(value: str, key: str) -> str:
        tail = f"  (from {r.sources[key]})" if value and key in r.sources else ""
        return (value or "-") + tail

    if r.access_token_format == "none" and not r.refresh_token:
        rows = [("Tokens", "none: not authorized yet")]
    else:
        kind = r.access_token_format
        rows = [
            ("Account", src(r.account, "account")),
            ("Issuer", src(r.issuer, "iss")),
            ("Audience", src(" ".join(r.audience), "aud")),
            ("Subject", src(r.subject, "sub")),
            ("Scopes granted", src(" ".join(r.granted_scopes), "scope")),
            ("Scopes asked", " ".join(r.requested_scopes) or "-"),
            (
                "Access token",
                "JWT (claims decoded for display, not verified)" if kind == "JWT" else kind,
            ),
            ("  issued", when(r.issued_at)),
            ("  expires", when(r.expires_at)),
        ]
        if r.refresh_token:
            n = r.refresh_token_rotations
            rows.append(("Refresh token", f"yes, rotated {n} time{'' if n == 1 else 's'}"))
            rows.append(("  issued", when(r.refresh_token_issued_at)))
            if r.refresh_token_rotated_at:
                rows.append(("  last rotated", when(r.refresh_token_rotated_at)))
            rows.append(("  last refresh", when(r.last_refresh)))
            if r.refresh_token_expires_at:
                rows.append(("  ends", when(r.refresh_token_expires_at)))
        else:
            rows.append(("Refresh token", "none"))
        if r.introspection is not None:
            active = r.introspection.get("active") == "True"
            rows.append(("Introspection", "active" if active else "not active (the provider says)"))
        elif r.introspection_error:
            rows.append(("Introspection", f"failed: {r.introspection_error}"))
    if r.health is not None:
        rows.append(("Health", f"{r.health.level}: {r.health.summary}"))
    return rows


def _findings(
    component: OAuthComponent,
    tok: TokenRecord,
    missing: tuple[str, ...],
    granted: tuple[str, ...],
) -> list[Finding]:
    out: list[Finding] = []
    if missing and granted:
        mail = [s for s in missing if any(m in s.lower() for m in _MAIL_SCOPE_MARKS)]
        if mail:
            hint = (
                "the mail scope was dropped at consent: the app registration may lack that "
                "API permission, or the user (or an administrator, for work accounts) did not "
                "consent to it; add the permission to the app, grant consent, and authorize again"
            )
        else:
            hint = (
                "the user or an administrator declined it, or the app may not request it: "
                "check the app registration's permissions and authorize again"
            )
        out.append(Finding(f"the provider did not grant: {' '.join(missing)}", hint))
    if tok.access_token and not tok.refresh_token:
        if is_google(component):
            params = dict(component.extra_params)
            need = [
                f"{k}={v}"
                for k, v in (("access_type", "offline"), ("prompt", "consent"))
                if params.get(k) != v
            ]
            hint = (
                f"Google returns a refresh token only with {' and '.join(need)}: add "
                "the parameter and authorize again"
                if need
                else "Google returns a refresh token only at consent: remove the app's access "
                "in the Google account's security settings and authorize again"
            )
        elif "offline_access" not in component.scope.split():
            hint = "add offline_access to the scope and authorize again"
        else:
            hint = (
                "the provider withheld it: the consent for offline access may be missing, or "
                "the app may not receive refresh tokens; authorize again and accept offline access"
            )
        out.append(
            Finding(
                "no refresh token came back: the token cannot be renewed, and signing in "
                "again will be needed when it expires",
                hint,
            )
        )
    return out


def introspect(
    component: OAuthComponent, access_token: str, *, timeout: float | None = None
) -> dict[str, Any]:
    """Ask the component's introspection endpoint about ``access_token`` (RFC 7662).

    Raises:
        TokendeskError: no endpoint, a network failure, or an answer that is not a JSON
            object with ``active`` (message sanitized; the token is never in it).
    """
    if not component.introspection_url:
        raise TokendeskError(f"{component.name} has no introspection endpoint")
    import httpx

    from tui.core.oauth.network import network_failure
    from tui.core.oauth.protocol import http_timeout, make_client

    seconds = timeout or http_timeout()
    with make_client(component, timeout=seconds, with_scope=False) as client:
        try:
            # make_client's transport bounds the exchange (deadline and byte cap).
            resp = client.post(
                component.introspection_url,
                data={"token": access_token, "token_type_hint": "access_token"},
                auth=client.client_auth(component.effective_auth_method),
                headers={"Accept": "application/json"},
            )
            status, body = resp.status_code, resp.content
        except httpx.HTTPError as exc:
            detail, hint = network_failure(exc, component.introspection_url, seconds)
            raise TokendeskError(f"introspection failed: {detail}", advice=hint) from None
    if len(body) > MAX_INTROSPECTION_BYTES:
        raise TokendeskError("introspection failed: the answer is too large")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if status != 200 or not isinstance(doc, dict) or not isinstance(doc.get("active"), bool):
        raise TokendeskError(f"introspection failed: the endpoint answered HTTP {status}")
    return doc
