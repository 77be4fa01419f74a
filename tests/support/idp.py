"""A real OAuth2 authorization server on loopback for tests (stdlib only).

It speaks real HTTP on 127.0.0.1 so the client code under test runs exactly as against
Microsoft or Google: authorization code with PKCE S256, refresh with rotation and replay
detection, the device authorization grant, RFC 7662 introspection for Dovecot, and fault
modes for the token endpoint. Every request first passes the shared strict rules of
``tests.support.idp_strict`` (no repeated parameter, one client authentication method, form
bodies only); refusals are kept in ``idp.violations``, which the ``idp`` fixture requires to be
empty at the end of each test. Endpoints (``idp_grants``; HTTP in ``idp_http``; grants and
minted tokens in ``idp_tokens``) also refuse a
``redirect_uri`` that differs from the authorization request's, a missing or unknown
``grant_type``, and a poll without ``device_code``.

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
import signal
import sys
import threading
import time
from collections import Counter
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support.idp_grants import GrantsMixin
from tests.support.idp_http import Handler
from tests.support.idp_lifecycle import LifecycleMixin
from tests.support.idp_records import Access, Client, Code, Device, Grant, Refresh
from tests.support.idp_tokens import IssuedToken

CONFIDENTIAL_CLIENT = ("tokendesk-test", "test-client-secret-7f3a9c")
PUBLIC_CLIENT = "tokendesk-public"
INTROSPECTION_CLIENT = ("dovecot", "dovecot-introspect-secret")
DEFAULT_USER = "alice@example.test"
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


class TestIdP(GrantsMixin, LifecycleMixin):
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
        self._clients: dict[str, Client] = {}
        self._resource_servers = {INTROSPECTION_CLIENT[0]: INTROSPECTION_CLIENT[1]}
        self._grants: dict[int, Grant] = {}
        self._access: dict[str, Access] = {}
        self._refresh: dict[str, Refresh] = {}
        self._codes: dict[str, Code] = {}
        self._devices: dict[str, Device] = {}
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
        server = ThreadingHTTPServer((self.host, self._port), Handler)
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
            self._clients[client_id] = Client(client_id, secret, tuple(auth_methods), uris)

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
