"""The test IdP's state records (clients, grants, tokens, codes, device codes), its OAuth
error, and the base64url/PKCE helpers shared by ``tests.support.idp`` and its mixins.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

__all__ = [
    "Access",
    "Client",
    "Code",
    "Device",
    "Grant",
    "IdPState",
    "OAuthError",
    "Refresh",
    "b64url",
    "s256",
]


@dataclasses.dataclass
class Client:
    client_id: str
    secret: str | None
    auth_methods: tuple[str, ...]
    redirect_uris: tuple[str, ...] | None


@dataclasses.dataclass
class Grant:
    grant_id: int
    client_id: str
    user: str
    scope: str
    revoked: bool = False


@dataclasses.dataclass
class Access:
    grant_id: int
    expires_at: float
    issued_at: float
    expired: bool = False


@dataclasses.dataclass
class Refresh:
    grant_id: int
    state: str = "active"  # active | rotated | revoked
    expires_at: float | None = None


@dataclasses.dataclass
class Code:
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
class Device:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: float
    user: str
    status: str = "pending"  # pending | approved | denied
    polls: int = 0
    done: bool = False


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515), as JWTs and PKCE use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of ``verifier``."""
    return b64url(hashlib.sha256(verifier.encode()).digest())


class IdPState:
    """The state `tests.support.idp.TestIdP` keeps (its ``__init__`` sets it), declared once
    for the mixins that share it."""

    stats: Any  # a Counter of STAT_KEYS
    _lock: Any  # an RLock: every endpoint runs under it
    _grants: dict[int, Grant]
    _access: dict[str, Access]
    _refresh: dict[str, Refresh]


class OAuthError(Exception):
    """An OAuth error reply (RFC 6749 5.2): ``error``, description, HTTP status, extras."""

    def __init__(
        self,
        error: str,
        description: str = "",
        status: int = 400,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status
        self.extra = extra or {}
