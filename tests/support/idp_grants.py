"""The OAuth endpoints of the test IdP, mixed into ``tests.support.idp.TestIdP``.

Client authentication (RFC 6749 2.3), the token endpoint with the authorization code
(PKCE S256), refresh (rotation, replay detection) and device (RFC 8628) grants, device
authorization, /authorize, and RFC 7662 introspection for a resource server (Dovecot).
Every method runs under the IdP's lock; errors are `OAuthError` replies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.support.idp_http import add_query, page
from tests.support.idp_records import Client, Code, Device, OAuthError, s256
from tests.support.idp_strict import StrictViolation, basic_credentials
from tests.support.idp_tokens import TokensMixin

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


class GrantsMixin(TokensMixin):
    """The endpoints; `TestIdP` provides the state and knobs declared here."""

    # Provided by TestIdP (see its __init__ and the module docstring of tests.support.idp).
    user: str
    _clients: dict[str, Client]
    _codes: dict[str, Code]
    _devices: dict[str, Device]
    _forced_errors: list[tuple[str, str, int]]
    _resource_servers: dict[str, str]
    include_iss: bool
    iss_override: str | None
    authorize_mode: str
    code_lifetime: int
    revoke_grant_on_replay: bool
    rotate_refresh_tokens: bool
    return_refresh_token_on_refresh: bool
    device_mode: str
    device_interval: float
    device_pending_polls: int
    device_slow_down_polls: int
    device_code_lifetime: int
    device_extra: dict[str, Any]
    verification_url: Any  # a property of TestIdP
    # Methods of TestIdP and LifecycleMixin (annotations only, so the MRO still finds theirs).
    _refresh_expired: Any
    token_state: Any

    def _authenticate_client(self, headers: Any, form: dict[str, str]) -> Client:
        # idp_strict.check_form already refused two methods and a mismatched client_id.
        try:
            basic = basic_credentials(headers)
        except StrictViolation as exc:
            raise OAuthError(exc.error, exc.description, exc.status) from None
        secret: str | None
        if basic is not None:
            (cid, secret), method = basic, "client_secret_basic"
        elif "client_secret" in form:
            cid, secret, method = (
                form.get("client_id", ""),
                form["client_secret"],
                ("client_secret_post"),
            )
        else:
            cid, secret, method = form.get("client_id", ""), None, "none"
        client = self._clients.get(cid)
        if client is None:
            raise OAuthError("invalid_client", f"unknown client {cid!r}", 401)
        if method not in client.auth_methods:
            raise OAuthError(
                "invalid_client", f"client authentication method {method} not allowed", 401
            )
        if client.secret is not None and (
            secret is None or not hmac.compare_digest(secret, client.secret)
        ):
            raise OAuthError(
                "invalid_client", "AADSTS7000215: Invalid client secret provided.", 401
            )
        return client

    def token_endpoint(self, headers: Any, form: dict[str, str]) -> dict[str, Any]:
        """Handle a token request (called by the HTTP handler under no lock)."""
        with self._lock:
            self.stats["token"] += 1
            if self._forced_errors:
                raise OAuthError(*self._forced_errors.pop(0))
            client = self._authenticate_client(headers, form)
            grant_type = form.get("grant_type", "")
            if not grant_type:
                raise OAuthError("invalid_request", "grant_type is missing")
            if grant_type == "authorization_code":
                return self._grant_code(client, form)
            if grant_type == "refresh_token":
                return self._grant_refresh(client, form)
            if grant_type == DEVICE_GRANT:
                return self._grant_device(client, form)
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r}")

    def _grant_code(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        self.stats["code_exchange"] += 1
        code = self._codes.get(form.get("code", ""))
        if code is None or code.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown authorization code")
        if code.used:
            # RFC 6749 4.1.2: a replayed code revokes what it produced.
            if code.grant_id is not None:
                self._revoke_grant(code.grant_id)
            raise OAuthError("invalid_grant", "authorization code already used")
        if code.expires_at <= time.time():
            raise OAuthError("invalid_grant", "authorization code expired")
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise OAuthError("invalid_grant", "PKCE code_verifier missing")
            expected = s256(verifier) if code.challenge_method == "S256" else verifier
            if not hmac.compare_digest(expected, code.challenge):
                raise OAuthError("invalid_grant", "PKCE verification failed")
        code.used = True
        grant = self._new_grant(client.client_id, code.user, code.scope)
        code.grant_id = grant.grant_id
        return self._token_response(
            self._mint(grant, lifetime=None, with_refresh=True, nonce=code.nonce)
        )

    def _grant_refresh(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        self.stats["refresh"] += 1
        ref = self._refresh.get(form.get("refresh_token", ""))
        if ref is None:
            raise OAuthError("invalid_grant", "unknown refresh token")
        grant = self._grants[ref.grant_id]
        if grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "refresh token was issued to another client")
        if grant.revoked or ref.state == "revoked":
            raise OAuthError("invalid_grant", "refresh token revoked")
        if self._refresh_expired(ref):
            raise OAuthError("invalid_grant", "refresh token expired")
        if ref.state == "rotated":
            if self.revoke_grant_on_replay:
                self._revoke_grant(grant.grant_id)
            raise OAuthError("invalid_grant", "refresh token already used (replay detected)")
        scope = form.get("scope") or grant.scope
        if not set(scope.split()) <= set(grant.scope.split()):
            raise OAuthError("invalid_scope", "requested scope exceeds the grant")
        rotate = self.rotate_refresh_tokens and self.return_refresh_token_on_refresh
        if rotate:
            ref.state = "rotated"
        tok = self._mint(grant, lifetime=None, with_refresh=rotate, nonce=None)
        body = self._token_response(tok)
        if not rotate and self.return_refresh_token_on_refresh:
            body["refresh_token"] = form["refresh_token"]  # same token handed back
        return body

    def _grant_device(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        self.stats["device_poll"] += 1
        if not form.get("device_code"):
            raise OAuthError("invalid_request", "device_code is missing")
        dev = self._devices.get(form["device_code"])
        if dev is None or dev.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown device code")
        if dev.done:
            raise OAuthError("invalid_grant", "device code already used")
        dev.polls += 1
        if dev.expires_at <= time.time() or self.device_mode == "expire":
            raise OAuthError("expired_token", "the device code has expired")
        if dev.polls <= self.device_slow_down_polls:
            dev.interval += max(self.device_interval, 0.05)
            raise OAuthError("slow_down", "polling too fast", extra={"interval": dev.interval})
        if dev.status == "pending" and dev.polls > self.device_slow_down_polls + (
            self.device_pending_polls
        ):
            if self.device_mode == "approve":
                dev.status = "approved"
            elif self.device_mode == "deny":
                dev.status = "denied"
        if dev.status == "denied":
            dev.done = True
            raise OAuthError("access_denied", "the user declined the request")
        if dev.status == "pending":
            raise OAuthError("authorization_pending", "waiting for the user")
        dev.done = True
        grant = self._new_grant(client.client_id, dev.user, dev.scope)
        return self._token_response(self._mint(grant, lifetime=None, with_refresh=True, nonce=None))

    def device_authorization(self, headers: Any, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            self.stats["device_authorization"] += 1
            client = self._authenticate_client(headers, form)
            device_code = "dc_" + secrets.token_urlsafe(24)
            letters = "BCDFGHJKLMNPQRSTVWXZ"
            user_code = "".join(secrets.choice(letters) for _ in range(8))
            user_code = f"{user_code[:4]}-{user_code[4:]}"
            dev = Device(
                device_code,
                user_code,
                client.client_id,
                form.get("scope", ""),
                time.time() + self.device_code_lifetime,
                self.device_interval,
                user=self.user,
            )
            self._devices[device_code] = dev
            reply = {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": self.verification_url,
                "verification_uri_complete": f"{self.verification_url}?user_code={user_code}",
                "expires_in": self.device_code_lifetime,
                "interval": self.device_interval,
            }
            return reply | self.device_extra  # hostile-text tests override fields

    def device_interval_of(self, device_code: str) -> float:
        with self._lock:
            return self._devices[device_code].interval

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """Handle /authorize: returns (status, headers, html body)."""
        with self._lock:
            self.stats["authorize"] += 1
            client = self._clients.get(query.get("client_id", ""))
            redirect_uri = query.get("redirect_uri", "")
            if client is None:
                return 400, {}, page("Unknown client", "AADSTS700016: application not found.")
            if not self._redirect_ok(client, redirect_uri):
                return (
                    400,
                    {},
                    page(
                        "Redirect URI mismatch",
                        "AADSTS50011: The redirect URI specified in the request does not match "
                        "the redirect URIs configured for the application.",
                    ),
                )
            params: dict[str, str] = {}
            if query.get("response_type") != "code":
                params = {"error": "unsupported_response_type"}
            elif query.get("code_challenge") and query.get("code_challenge_method") != "S256":
                params = {"error": "invalid_request", "error_description": "S256 required"}
            elif self.authorize_mode == "deny":
                params = {
                    "error": "access_denied",
                    "error_description": "The user denied the request.",
                }
            else:
                code = "code_" + secrets.token_urlsafe(18)
                self._codes[code] = Code(
                    client_id=client.client_id,
                    redirect_uri=redirect_uri,
                    challenge=query.get("code_challenge") or None,
                    challenge_method=query.get("code_challenge_method") or None,
                    scope=query.get("scope", ""),
                    user=query.get("login_hint") or self.user,
                    nonce=query.get("nonce"),
                    expires_at=time.time() + self.code_lifetime,
                )
                params = {"code": code}
            if "state" in query:
                params["state"] = query["state"]
            if self.include_iss:
                params["iss"] = self.iss_override or self.issuer
            return 302, {"Location": add_query(redirect_uri, params)}, ""

    def _redirect_ok(self, client: Client, redirect_uri: str) -> bool:
        if client.redirect_uris is not None:
            return redirect_uri in client.redirect_uris
        parts = urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS

    def introspect(self, token: str) -> dict[str, Any]:
        with self._lock:
            self.stats["introspect"] += 1
            acc = self._access.get(token)
            if acc is None or self.token_state(token) != "active":
                return {"active": False}
            grant = self._grants[acc.grant_id]
            return {
                "active": True,
                "username": grant.user,
                "email": grant.user,
                "sub": hashlib.sha256(grant.user.encode()).hexdigest()[:16],
                "scope": grant.scope,
                "client_id": grant.client_id,
                "token_type": "Bearer",
                "exp": int(acc.expires_at),
                "iat": int(acc.issued_at),
                "iss": self.issuer,
            }

    def check_resource_server(self, headers: Any) -> bool:
        auth = headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return False
        try:
            cid, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except ValueError:
            return False
        expected = self._resource_servers.get(unquote(cid))
        return expected is not None and hmac.compare_digest(expected, unquote(secret))
