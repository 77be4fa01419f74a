"""A real OAuth2 authorization server on loopback for tests (stdlib only).

It speaks real HTTP on 127.0.0.1 so the client code under test runs exactly as against
Microsoft or Google: authorization code with PKCE S256, refresh with rotation and replay
detection, the device authorization grant, RFC 7662 introspection for Dovecot, and fault
modes for the token endpoint. Every request first passes the shared strict rules of
``tests.support.idp_strict`` (no repeated parameter, one client authentication method, form
bodies only); refusals are kept in ``idp.violations``, which the ``idp`` fixture requires to be
empty at the end of each test. Endpoints also refuse a ``redirect_uri`` that differs from the
authorization request's, a missing or unknown ``grant_type``, and a poll without ``device_code``.

In-process use (tests)::

    from tests.support.idp import TestIdP, CONFIDENTIAL_CLIENT

    with TestIdP() as idp:                 # or idp = TestIdP().start(); ...; idp.stop()
        idp.url                            # "http://127.0.0.1:PORT"
        idp.issuer                         # url + issuer_path (discovery: see idp_lifecycle)
        idp.authorize_url, idp.token_url, idp.device_url, idp.introspect_url, idp.revoke_url
        tok = idp.issue_token("alice@example.test", scope="imap")  # IssuedToken, no browser
        tok.access_token, tok.refresh_token, tok.expires_in, tok.id_token
        idp.introspection_credentials      # ("dovecot", "dovecot-introspect-secret")
        idp.introspection_url_with_credentials  # http://dovecot:...@127.0.0.1:PORT/introspect
        idp.expire(tok.access_token)       # access token now inactive (introspection says so)
        idp.revoke(tok.refresh_token)      # revokes the whole grant (access + refresh)
        idp.token_state(tok.refresh_token) # active|expired|revoked|rotated|unknown
        idp.stats["refresh"]               # counters, see STAT_KEYS

Knobs (plain attributes, change them any time; all thread-safe to read):

* ``authorize_mode``: ``"approve"`` (default) redirects with ``code``, ``state`` and ``iss``;
  ``"deny"`` redirects with ``error=access_denied``. ``include_iss`` (True),
  ``iss_override`` (send a wrong ``iss``), ``user`` (who signs in; ``login_hint`` wins).
* ``access_token_lifetime`` (3600 s), ``rotate_refresh_tokens`` (True),
  ``return_refresh_token_on_refresh`` (True), ``revoke_grant_on_replay`` (True: replaying a
  rotated-out refresh token revokes the whole grant, like Microsoft/Okta/Auth0).
* ``token_fault``: None | ``"500"`` | ``"html"`` | ``"invalid_json"`` | ``"hang"`` |
  ``"disconnect"`` (the token endpoint answers badly without changing any state; ``hang``
  waits ``hang_seconds`` or until ``stop()``; ``disconnect`` closes the connection without a
  word); ``"trickle"``, ``"huge"``, ``"reply"`` (hostile answers: see ``idp_faults``).
  ``fail_next_token(error, description, status=400)`` queues one OAuth error reply.
* Device grant: ``device_mode`` ``"approve"`` | ``"deny"`` | ``"expire"`` | ``"manual"``
  (then ``approve_device(user_code)`` / ``deny_device(user_code)``), ``device_interval`` (1 s;
  fractions allowed for fast tests), ``device_pending_polls`` (1), ``device_slow_down_polls``
  (0; a slow_down reply carries the new ``interval``), ``device_code_lifetime`` (600 s).
* ``add_client(client_id, secret=None, auth_methods=..., redirect_uris=None)``; default clients:
  ``CONFIDENTIAL_CLIENT`` (secret, basic or post) and ``PUBLIC_CLIENT`` (no secret).
  ``redirect_uris=None`` accepts any loopback redirect URI (RFC 8252); otherwise the exact URI
  must match, else /authorize answers an AADSTS50011-like error page (no redirect).

Subprocess use (e.g. a Dovecot started outside pytest)::

    python -m tests.support.idp --port 0 [--access-lifetime SECONDS] [--user EMAIL]

prints its URL as the first stdout line (flushed), then serves until SIGTERM/SIGINT. Test-only
admin endpoints (JSON in and out) give the same control over HTTP: ``POST /_admin/issue``
{"user","scope","client_id","lifetime"}, ``POST /_admin/revoke`` {"token"},
``POST /_admin/expire`` {"token"}, ``POST /_admin/config`` {knob: value}, ``GET /_admin/stats``.

Introspection (RFC 7662): ``POST /introspect`` with HTTP Basic credentials of a resource server
and form field ``token``; answers ``{"active": true, "username": email, "email", "sub", "scope",
"client_id", "exp", "iat", "iss", "token_type"}`` or ``{"active": false}`` for unknown, expired or
revoked tokens (and for refresh tokens). ``GET /introspect`` with ``Authorization: Bearer TOKEN``
answers the same (Dovecot's ``introspection_mode = auth``).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import hmac
import json
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from tests.support import idp_faults
from tests.support.idp_lifecycle import LifecycleMixin
from tests.support.idp_strict import (
    MAX_BODY,
    StrictViolation,
    basic_credentials,
    check_form,
    check_query,
)

CONFIDENTIAL_CLIENT = ("tokendesk-test", "test-client-secret-7f3a9c")
PUBLIC_CLIENT = "tokendesk-public"
INTROSPECTION_CLIENT = ("dovecot", "dovecot-introspect-secret")
DEFAULT_USER = "alice@example.test"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
STAT_KEYS = (
    "authorize",
    "token",
    "code_exchange",
    "refresh",
    "device_authorization",
    "device_poll",
    "introspect",
    "faults",
    "revoke",
    "metadata",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """What the token endpoint returned (also returned by ``TestIdP.issue_token``)."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str
    token_type: str = "Bearer"
    id_token: str | None = None

    def __repr__(self) -> str:  # tokens stay out of test output
        return f"IssuedToken(expires_in={self.expires_in}, scope={self.scope!r})"


@dataclasses.dataclass
class _Client:
    client_id: str
    secret: str | None
    auth_methods: tuple[str, ...]
    redirect_uris: tuple[str, ...] | None


@dataclasses.dataclass
class _Grant:
    grant_id: int
    client_id: str
    user: str
    scope: str
    revoked: bool = False


@dataclasses.dataclass
class _Access:
    grant_id: int
    expires_at: float
    issued_at: float
    expired: bool = False


@dataclasses.dataclass
class _Refresh:
    grant_id: int
    state: str = "active"  # active | rotated | revoked
    expires_at: float | None = None


@dataclasses.dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str | None
    challenge_method: str | None
    scope: str
    user: str
    nonce: str | None
    expires_at: float
    used: bool = False
    grant_id: int | None = None


@dataclasses.dataclass
class _Device:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: float
    status: str = "pending"  # pending | approved | denied
    polls: int = 0
    user: str = DEFAULT_USER
    done: bool = False


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of ``verifier``."""
    return _b64url(hashlib.sha256(verifier.encode()).digest())


class _OAuthError(Exception):
    def __init__(
        self, error: str, description: str = "", status: int = 400, extra: dict | None = None
    ) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status
        self.extra = extra or {}


class TestIdP(LifecycleMixin):
    """The test authorization server; see the module docstring (and ``idp_lifecycle``)."""

    __test__ = False  # not a pytest test class

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, user: str = DEFAULT_USER):
        self.host, self._port = host, port
        self.user = user
        self.authorize_mode = "approve"
        self.include_iss = True
        self.iss_override: str | None = None
        self.access_token_lifetime = 3600
        self.code_lifetime = 120
        self.rotate_refresh_tokens = True
        self.return_refresh_token_on_refresh = True
        self.revoke_grant_on_replay = True
        self.token_fault: str | None = None
        self.hang_seconds = 60.0
        self.trickle_seconds = 0.5
        self.huge_bytes = 100 * 1024 * 1024
        self.fault_body = b"{}"
        self.device_mode = "approve"
        self.device_interval: float = 1
        self.device_pending_polls = 1
        self.device_slow_down_polls = 0
        self.device_code_lifetime = 600
        self.device_extra: dict[str, Any] = {}
        self.stats: Counter[str] = Counter({k: 0 for k in STAT_KEYS})
        self.request_log: list[str] = []  # method + path (no query, no bodies: no secrets)
        self.violations: list[str] = []  # requests refused by the strict rules (idp_strict)
        self._lock = threading.RLock()
        self._release = threading.Event()
        self._clients: dict[str, _Client] = {}
        self._resource_servers = {INTROSPECTION_CLIENT[0]: INTROSPECTION_CLIENT[1]}
        self._grants: dict[int, _Grant] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._codes: dict[str, _Code] = {}
        self._devices: dict[str, _Device] = {}
        self._forced_errors: list[tuple[str, str, int]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._init_lifecycle()
        self.add_client(CONFIDENTIAL_CLIENT[0], CONFIDENTIAL_CLIENT[1])
        self.add_client(PUBLIC_CLIENT, None)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> TestIdP:
        """Bind and serve in a daemon thread; returns self."""
        self._release.clear()
        server = ThreadingHTTPServer((self.host, self._port), _Handler)
        server.daemon_threads = True
        server.idp = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging requests and free the port."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TestIdP:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("TestIdP is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    authorize_url = property(lambda self: self.url + "/authorize")
    token_url = property(lambda self: self.url + "/token")
    device_url = property(lambda self: self.url + "/device_authorization")
    introspect_url = property(lambda self: self.url + "/introspect")
    verification_url = property(lambda self: self.url + "/device")

    @property
    def introspection_credentials(self) -> tuple[str, str]:
        return INTROSPECTION_CLIENT

    @property
    def introspection_url_with_credentials(self) -> str:
        cid, secret = INTROSPECTION_CLIENT
        return f"http://{cid}:{secret}@127.0.0.1:{self.port}/introspect"

    # ----------------------------------------------------------------- test API
    def add_client(
        self,
        client_id: str,
        secret: str | None = None,
        auth_methods: tuple[str, ...] | None = None,
        redirect_uris: tuple[str, ...] | list[str] | None = None,
    ) -> None:
        """Register a client; ``auth_methods`` defaults to basic+post, or none without secret."""
        if auth_methods is None:
            auth_methods = ("client_secret_basic", "client_secret_post") if secret else ("none",)
        uris = tuple(redirect_uris) if redirect_uris is not None else None
        with self._lock:
            self._clients[client_id] = _Client(client_id, secret, tuple(auth_methods), uris)

    def issue_token(
        self,
        user: str = DEFAULT_USER,
        scope: str = "openid email offline_access",
        client_id: str = CONFIDENTIAL_CLIENT[0],
        lifetime: int | None = None,
    ) -> IssuedToken:
        """Issue tokens for ``user`` directly (no browser), as if a grant had just happened."""
        with self._lock:
            grant = self._new_grant(client_id, user, scope)
            return self._mint(grant, lifetime=lifetime, with_refresh=True, nonce=None)

    def expire(self, token: str) -> None:
        """Make an access token expired (refresh tokens: same as revoke)."""
        with self._lock:
            if token in self._access:
                self._access[token].expired = True
            elif token in self._refresh:
                self._refresh[token].state = "revoked"

    def expire_all_access_tokens(self) -> None:
        with self._lock:
            for acc in self._access.values():
                acc.expired = True

    def revoke(self, token: str) -> None:
        """Revoke the whole grant the token (access or refresh) belongs to."""
        with self._lock:
            entry = self._access.get(token) or self._refresh.get(token)
            if entry is not None:
                self._revoke_grant(entry.grant_id)

    def revoke_all(self) -> None:
        with self._lock:
            for gid in list(self._grants):
                self._revoke_grant(gid)

    def token_state(self, token: str) -> str:
        """``active`` | ``expired`` | ``revoked`` | ``rotated`` | ``unknown`` for any token."""
        with self._lock:
            if token in self._access:
                acc = self._access[token]
                if self._grants[acc.grant_id].revoked:
                    return "revoked"
                if acc.expired or acc.expires_at <= time.time():
                    return "expired"
                return "active"
            if token in self._refresh:
                ref = self._refresh[token]
                if self._grants[ref.grant_id].revoked:
                    return "revoked"
                return ref.state
            return "unknown"

    def fail_next_token(self, error: str, description: str = "", status: int = 400) -> None:
        """Queue one OAuth error reply from the token endpoint (consumed in order)."""
        with self._lock:
            self._forced_errors.append((error, description, status))

    def approve_device(self, user_code: str, user: str | None = None) -> None:
        self._set_device(user_code, "approved", user)

    def deny_device(self, user_code: str) -> None:
        self._set_device(user_code, "denied", None)

    def configure(self, **knobs: Any) -> None:
        """Set several knobs at once (unknown names raise)."""
        for key, value in knobs.items():
            if key.startswith("_") or not hasattr(self, key) or callable(getattr(self, key)):
                raise AttributeError(f"unknown IdP knob {key!r}")
            setattr(self, key, value)

    # ----------------------------------------------------------------- internals
    def _set_device(self, user_code: str, status: str, user: str | None) -> None:
        with self._lock:
            for dev in self._devices.values():
                if dev.user_code == user_code.upper():
                    dev.status = status
                    if user:
                        dev.user = user
                    return
        raise KeyError(user_code)

    def _new_grant(self, client_id: str, user: str, scope: str) -> _Grant:
        gid = len(self._grants) + 1
        grant = _Grant(gid, client_id, user, self._granted_scope(scope))
        self._grants[gid] = grant
        return grant

    def _revoke_grant(self, gid: int) -> None:
        self._grants[gid].revoked = True
        for ref in self._refresh.values():
            if ref.grant_id == gid:
                ref.state = "revoked"

    def _mint(
        self, grant: _Grant, *, lifetime: int | None, with_refresh: bool, nonce: str | None
    ) -> IssuedToken:
        now = time.time()
        life = self.access_token_lifetime if lifetime is None else lifetime
        access = self._access_token_string(grant, now, life)
        self._access[access] = _Access(grant.grant_id, now + life, now)
        refresh = None
        if with_refresh and self.issue_refresh_tokens:
            refresh = "rt_" + secrets.token_urlsafe(24)
            self._refresh[refresh] = _Refresh(grant.grant_id, expires_at=self._refresh_expiry(now))
        return IssuedToken(
            access_token=access,
            refresh_token=refresh,
            expires_in=int(life),
            scope=grant.scope,
            id_token=self._id_token(grant, now, nonce),
        )

    def _id_token(self, grant: _Grant, now: float, nonce: str | None) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant.user.encode()).hexdigest()[:16],
            "aud": grant.client_id,
            "iat": int(now),
            "exp": int(now) + 3600,
            "email": grant.user,
            "preferred_username": grant.user,
            "name": grant.user.split("@")[0].title(),
        }
        if nonce:
            claims["nonce"] = nonce
        header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{_b64url(json.dumps(claims).encode())}."

    def _token_response(self, tok: IssuedToken) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": tok.access_token,
            "token_type": tok.token_type,
            "expires_in": tok.expires_in,
            "scope": tok.scope,
        }
        if tok.refresh_token:
            body["refresh_token"] = tok.refresh_token
            ref = self._refresh.get(tok.refresh_token)
            if ref is not None and ref.expires_at is not None:
                body["refresh_token_expires_in"] = max(0, int(ref.expires_at - time.time()))
        if tok.id_token:
            body["id_token"] = tok.id_token
        return body

    def _authenticate_client(self, headers: Any, form: dict[str, str]) -> _Client:
        # idp_strict.check_form already refused two methods and a mismatched client_id.
        try:
            basic = basic_credentials(headers)
        except StrictViolation as exc:
            raise _OAuthError(exc.error, exc.description, exc.status) from None
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
            raise _OAuthError("invalid_client", f"unknown client {cid!r}", 401)
        if method not in client.auth_methods:
            raise _OAuthError(
                "invalid_client", f"client authentication method {method} not allowed", 401
            )
        if client.secret is not None and (
            secret is None or not hmac.compare_digest(secret, client.secret)
        ):
            raise _OAuthError(
                "invalid_client", "AADSTS7000215: Invalid client secret provided.", 401
            )
        return client

    def token_endpoint(self, headers: Any, form: dict[str, str]) -> dict[str, Any]:
        """Handle a token request (called by the HTTP handler under no lock)."""
        with self._lock:
            self.stats["token"] += 1
            if self._forced_errors:
                raise _OAuthError(*self._forced_errors.pop(0))
            client = self._authenticate_client(headers, form)
            grant_type = form.get("grant_type", "")
            if not grant_type:
                raise _OAuthError("invalid_request", "grant_type is missing")
            if grant_type == "authorization_code":
                return self._grant_code(client, form)
            if grant_type == "refresh_token":
                return self._grant_refresh(client, form)
            if grant_type == DEVICE_GRANT:
                return self._grant_device(client, form)
            raise _OAuthError("unsupported_grant_type", f"grant_type {grant_type!r}")

    def _grant_code(self, client: _Client, form: dict[str, str]) -> dict[str, Any]:
        self.stats["code_exchange"] += 1
        code = self._codes.get(form.get("code", ""))
        if code is None or code.client_id != client.client_id:
            raise _OAuthError("invalid_grant", "unknown authorization code")
        if code.used:
            # RFC 6749 4.1.2: a replayed code revokes what it produced.
            if code.grant_id is not None:
                self._revoke_grant(code.grant_id)
            raise _OAuthError("invalid_grant", "authorization code already used")
        if code.expires_at <= time.time():
            raise _OAuthError("invalid_grant", "authorization code expired")
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise _OAuthError("invalid_grant", "redirect_uri does not match the authorization")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise _OAuthError("invalid_grant", "PKCE code_verifier missing")
            expected = s256(verifier) if code.challenge_method == "S256" else verifier
            if not hmac.compare_digest(expected, code.challenge):
                raise _OAuthError("invalid_grant", "PKCE verification failed")
        code.used = True
        grant = self._new_grant(client.client_id, code.user, code.scope)
        code.grant_id = grant.grant_id
        return self._token_response(
            self._mint(grant, lifetime=None, with_refresh=True, nonce=code.nonce)
        )

    def _grant_refresh(self, client: _Client, form: dict[str, str]) -> dict[str, Any]:
        self.stats["refresh"] += 1
        ref = self._refresh.get(form.get("refresh_token", ""))
        if ref is None:
            raise _OAuthError("invalid_grant", "unknown refresh token")
        grant = self._grants[ref.grant_id]
        if grant.client_id != client.client_id:
            raise _OAuthError("invalid_grant", "refresh token was issued to another client")
        if grant.revoked or ref.state == "revoked":
            raise _OAuthError("invalid_grant", "refresh token revoked")
        if self._refresh_expired(ref):
            raise _OAuthError("invalid_grant", "refresh token expired")
        if ref.state == "rotated":
            if self.revoke_grant_on_replay:
                self._revoke_grant(grant.grant_id)
            raise _OAuthError("invalid_grant", "refresh token already used (replay detected)")
        scope = form.get("scope") or grant.scope
        if not set(scope.split()) <= set(grant.scope.split()):
            raise _OAuthError("invalid_scope", "requested scope exceeds the grant")
        rotate = self.rotate_refresh_tokens and self.return_refresh_token_on_refresh
        if rotate:
            ref.state = "rotated"
        tok = self._mint(grant, lifetime=None, with_refresh=rotate, nonce=None)
        body = self._token_response(tok)
        if not rotate and self.return_refresh_token_on_refresh:
            body["refresh_token"] = form["refresh_token"]  # same token handed back
        return body

    def _grant_device(self, client: _Client, form: dict[str, str]) -> dict[str, Any]:
        self.stats["device_poll"] += 1
        if not form.get("device_code"):
            raise _OAuthError("invalid_request", "device_code is missing")
        dev = self._devices.get(form["device_code"])
        if dev is None or dev.client_id != client.client_id:
            raise _OAuthError("invalid_grant", "unknown device code")
        if dev.done:
            raise _OAuthError("invalid_grant", "device code already used")
        dev.polls += 1
        if dev.expires_at <= time.time() or self.device_mode == "expire":
            raise _OAuthError("expired_token", "the device code has expired")
        if dev.polls <= self.device_slow_down_polls:
            dev.interval += max(self.device_interval, 0.05)
            raise _OAuthError("slow_down", "polling too fast", extra={"interval": dev.interval})
        if dev.status == "pending" and dev.polls > self.device_slow_down_polls + (
            self.device_pending_polls
        ):
            if self.device_mode == "approve":
                dev.status = "approved"
            elif self.device_mode == "deny":
                dev.status = "denied"
        if dev.status == "denied":
            dev.done = True
            raise _OAuthError("access_denied", "the user declined the request")
        if dev.status == "pending":
            raise _OAuthError("authorization_pending", "waiting for the user")
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
            dev = _Device(
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
                return 400, {}, _page("Unknown client", "AADSTS700016: application not found.")
            if not self._redirect_ok(client, redirect_uri):
                return (
                    400,
                    {},
                    _page(
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
                self._codes[code] = _Code(
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
            return 302, {"Location": _add_query(redirect_uri, params)}, ""

    def _redirect_ok(self, client: _Client, redirect_uri: str) -> bool:
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


def _add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _page(title: str, text: str) -> str:
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TestIdP/1.0"

    @property
    def idp(self) -> TestIdP:
        return self.server.idp  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # requests are kept in idp.request_log instead of stderr

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            raise StrictViolation("request body too large", status=413)
        return self.rfile.read(length) if length else b""

    def _form(self, path: str) -> dict[str, Any]:
        body = self._body()
        if path.startswith("/_admin/"):  # the test-only admin API speaks JSON
            return json.loads(body or b"{}")  # type: ignore[no-any-return]
        return check_form(self.headers, body)

    def _refuse(self, exc: StrictViolation, path: str) -> None:
        """Answer a strict-rule violation (JSON OAuth error) and remember it."""
        with self.idp._lock:
            self.idp.violations.append(f"{self.command} {path}: {exc.description}")
        body = {"error": exc.error, "error_description": exc.description}
        headers = {"WWW-Authenticate": "Basic"} if exc.status == 401 else None
        self._json(exc.status, body, headers)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        parts = urlsplit(self.path)
        self.idp.request_log.append(f"GET {parts.path}")
        try:
            query = check_query(parts.query)
        except StrictViolation as exc:
            with self.idp._lock:
                self.idp.violations.append(f"GET {parts.path}: {exc.description}")
            page = _page("Invalid request", f"AADSTS90015: {exc.description}").encode()
            self._send(400, page, "text/html; charset=utf-8")
            return
        if parts.path == "/authorize":
            status, headers, body = self.idp.authorize(query)
            self._send(status, body.encode(), "text/html; charset=utf-8", headers)
        elif parts.path == "/device":
            code = query.get("user_code", "")
            if code and query.get("action") in ("approve", "deny"):
                try:
                    if query["action"] == "approve":
                        self.idp.approve_device(code)
                    else:
                        self.idp.deny_device(code)
                except KeyError:
                    self._send(404, _page("Unknown code", code).encode(), "text/html")
                    return
                self._send(200, _page("Done", "You may close this window.").encode(), "text/html")
            else:
                self._send(200, _page("Enter code", code).encode(), "text/html")
        elif parts.path == "/introspect":
            auth = self.headers.get("Authorization", "")
            if not auth.lower().startswith("bearer "):
                self._json(401, {"error": "invalid_token"})
            else:
                result = self.idp.introspect(auth[7:].strip())
                self._json(200 if result["active"] else 401, result)
        elif parts.path.startswith("/.well-known/") or "/.well-known/" in parts.path:
            doc = self.idp.metadata_for(parts.path)
            if doc is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._json(200, doc)
        elif parts.path == "/_admin/stats":
            self._json(200, dict(self.idp.stats))
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = urlsplit(self.path).path
        self.idp.request_log.append(f"POST {path}")
        try:
            form = self._form(path)
        except StrictViolation as exc:
            self._refuse(exc, path)
            return
        except ValueError:
            self._json(400, {"error": "invalid_request", "error_description": "bad body"})
            return
        try:
            if path == "/token":
                if self._fault():
                    return
                self._json(200, self.idp.token_endpoint(self.headers, form))
            elif path == "/device_authorization":
                self._json(200, self.idp.device_authorization(self.headers, form))
            elif path == "/introspect":
                if self.idp.check_resource_server(self.headers):
                    self._json(200, self.idp.introspect(form.get("token", "")))
                else:  # a client asking about its own token (or a 401 invalid_client)
                    self._json(200, self.idp.client_introspect(self.headers, form))
            elif path == "/revoke":
                self._json(*self.idp.revocation_endpoint(self.headers, form))
            elif path.startswith("/_admin/"):
                self._admin(path, form)
            else:
                self._send(404, b"not found", "text/plain")
        except _OAuthError as err:
            body: dict[str, Any] = {"error": err.error, **err.extra}
            if err.description:
                body["error_description"] = err.description
            headers = {"WWW-Authenticate": "Basic"} if err.status == 401 else None
            self._json(err.status, body, headers)

    def _fault(self) -> bool:
        fault = self.idp.token_fault
        if not fault:
            return False
        with self.idp._lock:
            self.idp.stats["faults"] += 1
        if fault == "500":
            self._json(500, {"error": "server_error"})
        elif fault == "html":
            page = _page("Service unavailable", "Our servers are busy.").encode()
            self._send(200, page, "text/html")
        elif fault == "invalid_json":
            self._send(200, b'{"access_token": "trunc', "application/json")
        elif fault == "hang":
            self.idp._release.wait(self.idp.hang_seconds)
            self.close_connection = True
        elif fault == "disconnect":
            self.close_connection = True  # nothing sent: the client sees a closed connection
        elif fault in idp_faults.FAULTS:
            idp_faults.serve(self, fault)
        else:
            raise ValueError(f"unknown token_fault {fault!r}")
        return True

    def _admin(self, path: str, form: dict[str, Any]) -> None:
        idp = self.idp
        if path == "/_admin/issue":
            tok = idp.issue_token(
                user=form.get("user", DEFAULT_USER),
                scope=form.get("scope", "openid email offline_access"),
                client_id=form.get("client_id", CONFIDENTIAL_CLIENT[0]),
                lifetime=int(form["lifetime"]) if form.get("lifetime") else None,
            )
            self._json(200, idp._token_response(tok))
        elif path == "/_admin/revoke":
            idp.revoke(form["token"])
            self._json(200, {"ok": True})
        elif path == "/_admin/expire":
            idp.expire(form["token"])
            self._json(200, {"ok": True})
        elif path == "/_admin/config":
            try:
                idp.configure(**form)
            except AttributeError as exc:
                self._json(400, {"error": str(exc)})
                return
            self._json(200, {"ok": True})
        else:
            self._send(404, b"not found", "text/plain")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.idp", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--access-lifetime", type=int, default=3600)
    parser.add_argument("--user", default=DEFAULT_USER)
    args = parser.parse_args(argv)
    idp = TestIdP(port=args.port, user=args.user)
    idp.access_token_lifetime = args.access_lifetime
    idp.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print(idp.url, flush=True)
    done.wait()
    idp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
