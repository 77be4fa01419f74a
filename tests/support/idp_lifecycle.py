"""The test IdP's lifecycle endpoints: discovery documents, revocation, client introspection.

Mixed into ``tests.support.idp.TestIdP``. Knobs (plain attributes):

* ``issuer_path`` (""): the issuer is ``url + issuer_path``; with a path, the OpenID
  Connect document is at ``{issuer}/.well-known/openid-configuration`` and the RFC 8414 one at
  ``/.well-known/oauth-authorization-server{issuer_path}`` (RFC 8414 section 3.1).
* ``metadata_documents`` (("oidc", "rfc8414")): which of the two documents are served
  (the others answer 404). ``metadata_issuer`` (None): a different ``issuer`` in the
  documents (RFC 8414 section 3.3 says the client must refuse them). ``metadata_omit`` (()):
  members left out (e.g. ``("revocation_endpoint",)``); ``metadata_extra`` ({}): members
  added or replaced; ``metadata_hang`` (False): the documents answer after ``hang_seconds``
  or at ``stop()``.
* Revocation (RFC 7009): ``POST /revoke`` with client authentication, ``token`` and an
  optional ``token_type_hint``; revoking a refresh or access token revokes the whole grant
  (Google does so too), so introspection then says ``active: false``. Unknown tokens answer
  200 (RFC 7009 section 2.2); another client's token answers ``unauthorized_client``.
  ``revocation_fault`` (None | ``"500"``) makes it fail; ``revoke_unsupported`` (()) lists
  token type hints answered with ``unsupported_token_type``.
* ``jwt_access_tokens`` (False): access tokens are JWTs signed HS256 with a key only the
  IdP knows (clients can decode, never verify). ``granted_scope_drop`` (()): scopes the
  grant leaves out whatever was asked. ``issue_refresh_tokens`` (True): False answers grants
  without a refresh token. ``refresh_token_lifetime`` (None): seconds; sent as
  ``refresh_token_expires_in`` and enforced on refresh.
* ``POST /introspect`` also accepts a registered client's own credentials (Okta and
  Keycloak do so); a client only learns about its own tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from tests.support.idp_records import IdPState, b64url

OIDC_SUFFIX = "/.well-known/openid-configuration"
RFC8414_PREFIX = "/.well-known/oauth-authorization-server"


class LifecycleMixin(IdPState):
    """Discovery, revocation and token-shape knobs of the test IdP."""

    @property
    def url(self) -> str:
        """The server's base URL (TestIdP's, once it listens)."""
        raise NotImplementedError

    def _init_lifecycle(self) -> None:
        self.issuer_path = ""
        self.metadata_documents: tuple[str, ...] = ("oidc", "rfc8414")
        self.metadata_issuer: str | None = None
        self.metadata_omit: tuple[str, ...] = ()
        self.metadata_extra: dict[str, Any] = {}
        self.metadata_hang = False
        self.revocation_fault: str | None = None
        self.revoke_unsupported: tuple[str, ...] = ()
        self.jwt_access_tokens = False
        self.granted_scope_drop: tuple[str, ...] = ()
        self.issue_refresh_tokens = True
        self.refresh_token_lifetime: int | None = None
        self._jwt_key = secrets.token_bytes(32)

    @property
    def issuer(self) -> str:
        return self.url + self.issuer_path

    revoke_url = property(lambda self: self.url + "/revoke")

    # ------------------------------------------------------------- discovery
    def metadata(self) -> dict[str, Any]:
        """The authorization server metadata (both documents carry the same)."""
        doc = {
            "issuer": self.metadata_issuer or self.issuer,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "device_authorization_endpoint": self.url + "/device_authorization",
            "revocation_endpoint": self.revoke_url,
            "introspection_endpoint": self.url + "/introspect",
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "scopes_supported": ["openid", "email", "profile", "offline_access", "imap"],
            "response_types_supported": ["code"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }
        doc.update(self.metadata_extra)
        return {k: v for k, v in doc.items() if k not in self.metadata_omit}

    def metadata_for(self, path: str) -> dict[str, Any] | None:
        """The document served at ``path``, or None (404)."""
        if self.metadata_hang:  # outside the lock: other endpoints keep answering
            self._release.wait(self.hang_seconds)  # type: ignore[attr-defined]
        with self._lock:
            self.stats["metadata"] += 1
            if "oidc" in self.metadata_documents and path == self.issuer_path + OIDC_SUFFIX:
                return self.metadata()
            if "rfc8414" in self.metadata_documents and path == RFC8414_PREFIX + self.issuer_path:
                return self.metadata()
            return None

    # ------------------------------------------------------------ token shapes
    def _access_token_string(self, grant: Any, now: float, life: float) -> str:
        if not self.jwt_access_tokens:
            return "at_" + secrets.token_urlsafe(24)
        claims = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant.user.encode()).hexdigest()[:16],
            "aud": "https://mail.example.test",
            "client_id": grant.client_id,
            "scope": grant.scope,
            "email": grant.user,
            "iat": int(now),
            "exp": int(now + life),
            "jti": secrets.token_urlsafe(12),
        }
        head = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt"}).encode())
        body = b64url(json.dumps(claims).encode())
        mac = hmac.new(self._jwt_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{b64url(mac)}"

    def _granted_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s not in self.granted_scope_drop)

    def _refresh_expiry(self, now: float) -> float | None:
        life = self.refresh_token_lifetime
        return None if life is None else now + life

    def _refresh_expired(self, ref: Any) -> bool:
        expires_at = getattr(ref, "expires_at", None)
        return expires_at is not None and expires_at <= time.time()

    # ------------------------------------------------------------ revocation
    def revocation_endpoint(self, headers: Any, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Handle ``POST /revoke`` (RFC 7009): (status, JSON body)."""
        with self._lock:
            self.stats["revoke"] += 1
            if self.revocation_fault == "500":
                return 500, {"error": "server_error"}
            client = self._authenticate_client(headers, form)  # type: ignore[attr-defined]
            token = form.get("token", "")
            if not token:
                return 400, {"error": "invalid_request", "error_description": "token missing"}
            hint = form.get("token_type_hint", "")
            if hint in self.revoke_unsupported:
                return 400, {"error": "unsupported_token_type"}
            entry = self._access.get(token) or self._refresh.get(token)
            if entry is None:
                return 200, {}  # RFC 7009 2.2: an invalid token is not an error
            grant = self._grants[entry.grant_id]
            if grant.client_id != client.client_id:
                return 400, {
                    "error": "unauthorized_client",
                    "error_description": "the token was issued to another client",
                }
            self._revoke_grant(grant.grant_id)  # type: ignore[attr-defined]
            return 200, {}

    def client_introspect(self, headers: Any, form: dict[str, str]) -> dict[str, Any]:
        """Introspection by a registered client: only its own tokens are described."""
        client = self._authenticate_client(headers, form)  # type: ignore[attr-defined]
        result: dict[str, Any] = self.introspect(form.get("token", ""))  # type: ignore[attr-defined]
        if result.get("active") and result.get("client_id") != client.client_id:
            return {"active": False}
        return result
