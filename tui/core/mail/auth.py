"""Authentication pieces: credentials, the refresh-once rule, SASL responses, IMAP AUTHENTICATE.

OAuth logins use XOAUTH2 or OAUTHBEARER (RFC 7628); passwords use AUTHENTICATE PLAIN when
offered (it carries UTF-8, which the LOGIN command cannot), else LOGIN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.mail.decode import clean_text
from tui.core.mail.errors import MailAuthenticationFailed, server_text


@dataclass(frozen=True)
class Credential:
    """How to log in: a password, or an OAuth access-token source.

    ``secret(force_refresh)`` returns the password or the access token; for OAuth,
    ``force_refresh=True`` must return a newly refreshed token (or raise
    `tui.core.errors.ReauthorizationNeeded`). ``refreshable`` says whether asking again can help.
    The repr never shows the secret.
    """

    kind: str  # "password" | "oauth"
    secret: Callable[[bool], str]
    refreshable: bool = False

    def __repr__(self) -> str:
        return f"Credential(kind={self.kind!r})"

    @classmethod
    def password(cls, password: str) -> Credential:
        return cls("password", lambda _force: password)

    @classmethod
    def token(cls, token: str, refresh: Callable[[], str] | None = None) -> Credential:
        """A fixed access token, optionally with a callable returning a refreshed one."""

        def get(force: bool) -> str:
            return refresh() if force and refresh else token

        return cls("oauth", get, refreshable=refresh is not None)


def login_with_refresh(
    credential: Credential,
    username: str,
    login_password: Callable[[str], None],
    login_oauth: Callable[[str], None],
    service: str,
) -> None:
    """Log in with ``credential``; an OAuth rejection refreshes once and retries once.

    The same rule for every protocol: a rejected token may just have been revoked or
    expired early, so one forced refresh (under the OAuth service's lock) gets a new one.

    Raises:
        MailAuthenticationFailed: no username, the password was rejected, or the token
            was rejected even after a refresh.
        ReauthorizationNeeded: the refresh itself said the grant is gone.
    """
    if not username:
        raise MailAuthenticationFailed(
            "no username to log in with",
            advice="Set the component's username (or authorize so the token names it).",
        )
    if credential.kind == "password":
        login_password(credential.secret(False))
        return
    try:
        login_oauth(credential.secret(False))
        return
    except MailAuthenticationFailed:
        if not credential.refreshable:
            raise
    token = credential.secret(True)  # may raise ReauthorizationNeeded
    try:
        login_oauth(token)
    except MailAuthenticationFailed as exc:
        raise MailAuthenticationFailed(
            f"{exc.message} (also with a freshly refreshed token)",
            advice="Check the username matches the token's account and that the token's "
            f"scope includes {service} access.",
        ) from None


def sasl_initial_response(mechanism: str, username: str, token: str) -> bytes:
    """The SASL client response for XOAUTH2 or OAUTHBEARER (RFC 7628 section 3.1)."""
    if mechanism.lower() == "oauthbearer":
        gs2 = "n,a=" + username.replace("=", "=3D").replace(",", "=2C") + ","
        return f"{gs2}\x01auth=Bearer {token}\x01\x01".encode()
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


def authenticate(imap: Any, mech: str, response: bytes, status: list[str] | None = None) -> None:
    """AUTHENTICATE ``mech`` on an imapclient connection with one client response.

    When the server answers with an error challenge (RFC 7628: a JSON status document),
    the exchange is ended as the mechanism requires (%x01 for OAUTHBEARER, an empty
    response for XOAUTH2) instead of sending the token again; the status (``401``,
    ``invalid_token``...) is appended to ``status``. Raises imaplib's error on NO/BAD.
    """
    steps = 0

    def step(challenge: bytes) -> bytes:
        nonlocal steps
        steps += 1
        if steps == 1 and not challenge:
            return response
        if status is not None:
            status.append(oauth_status(challenge))
        return b"\x01" if mech == "OAUTHBEARER" else b""

    imap._imap.authenticate(mech, step)
    imap._cached_capabilities = None  # they change after login


def oauth_status(challenge: bytes) -> str:
    """The ``status`` of an RFC 7628 error challenge, or ``unknown``."""
    try:
        doc = json.loads(challenge.decode("utf-8", "replace"))
        return clean_text(str(doc.get("status", "")))[:40] or "unknown"
    except (ValueError, AttributeError):
        return "unknown"


def is_auth_failure(exc: BaseException) -> bool:
    """True for a tagged NO/BAD answer (imaplib's error), not for a broken connection."""
    from imaplib import IMAP4

    return isinstance(exc, IMAP4.error) and not isinstance(exc, IMAP4.abort)


def server_reason(exc: BaseException, secrets: list[str]) -> str:
    """The server's text from an imaplib error, on one line, with secrets redacted."""
    return server_text(exc.args[0] if exc.args else exc, secrets) or "no reason given"
