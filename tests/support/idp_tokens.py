"""Grants and the tokens minted for them: the base of the test IdP's endpoints
(``tests.support.idp_grants.GrantsMixin``, mixed into ``tests.support.idp.TestIdP``).

`IssuedToken` is what the token endpoint returned (and what ``TestIdP.issue_token``
returns); `TokensMixin` creates and revokes grants and mints a grant's access token,
rotated refresh token and unsigned OpenID id_token, and turns them into the token
endpoint's JSON. Every method runs under the IdP's lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import time
from typing import Any

from tests.support.idp_records import Access, Grant, IdPState, Refresh, b64url

__all__ = ["IssuedToken", "TokensMixin"]


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


class TokensMixin(IdPState):
    """Grants and tokens; `TestIdP` provides the state and knobs declared here."""

    # Provided by TestIdP (its __init__) and LifecycleMixin (the token shapes).
    issuer: str
    access_token_lifetime: int
    issue_refresh_tokens: bool
    _access_token_string: Any
    _granted_scope: Any
    _refresh_expiry: Any

    def _new_grant(self, client_id: str, user: str, scope: str) -> Grant:
        gid = len(self._grants) + 1
        grant = Grant(gid, client_id, user, self._granted_scope(scope))
        self._grants[gid] = grant
        return grant

    def _revoke_grant(self, gid: int) -> None:
        self._grants[gid].revoked = True
        for ref in self._refresh.values():
            if ref.grant_id == gid:
                ref.state = "revoked"

    def _mint(
        self, grant: Grant, *, lifetime: int | None, with_refresh: bool, nonce: str | None
    ) -> IssuedToken:
        now = time.time()
        life = self.access_token_lifetime if lifetime is None else lifetime
        access = self._access_token_string(grant, now, life)
        self._access[access] = Access(grant.grant_id, now + life, now)
        refresh = None
        if with_refresh and self.issue_refresh_tokens:
            refresh = "rt_" + secrets.token_urlsafe(24)
            self._refresh[refresh] = Refresh(grant.grant_id, expires_at=self._refresh_expiry(now))
        return IssuedToken(
            access_token=access,
            refresh_token=refresh,
            expires_in=int(life),
            scope=grant.scope,
            id_token=self._id_token(grant, now, nonce),
        )

    def _id_token(self, grant: Grant, now: float, nonce: str | None) -> str:
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
        header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{b64url(json.dumps(claims).encode())}."

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
