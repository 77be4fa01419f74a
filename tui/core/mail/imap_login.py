"""IMAP login (XOAUTH2, OAUTHBEARER RFC 7628, AUTHENTICATE PLAIN or LOGIN), mixed into
`tui.core.mail.client.MailClient`.

A rejected token is refreshed once and the login retried once
(`tui.core.mail.auth.login_with_refresh`); every secret sent (the password, the token and
their base64 SASL responses) is added to the redaction list first, because a server may
quote the response back in its NO.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from tui.core.mail.auth import (
    authenticate,
    is_auth_failure,
    server_reason,
)
from tui.core.mail.connection import Connection
from tui.core.mail.errors import MailAuthenticationFailed, MailError


class ImapLogin(Connection):
    """The login half of `MailClient` (which provides ``_secrets`` and ``_op`` used here)."""

    SERVICE = "IMAP"
    _secrets: list[str]

    def _op(self, doing: str) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _login_password(self, password: str) -> None:
        self._secrets.append(password)
        with self._op("logging in") as imap:
            caps = self._server_caps()
            if "LOGINDISABLED" in caps:
                raise MailAuthenticationFailed(
                    f"{self.settings.host} does not allow password login here"
                )
            with self._rejection(f"the password for {self.settings.username}"):
                if "AUTH=PLAIN" in caps:
                    # AUTHENTICATE PLAIN carries UTF-8 passwords, which LOGIN cannot.
                    authenticate(imap, "PLAIN", self._plain_response(password))
                else:
                    imap.login(self.settings.username, password)

    def _login_oauth(self, token: str) -> None:
        mech, response = self._oauth_response(token)
        with self._op("logging in") as imap:
            if f"AUTH={mech}" not in self._server_caps():
                raise self._not_offered(mech)
            status: list[str] = []
            with self._rejection(f"the OAuth token for {self.settings.username} ({mech})", status):
                authenticate(imap, mech, response, status)

    @contextmanager
    def _rejection(self, what: str, status: list[str] | None = None) -> Iterator[None]:
        """Turn the server's NO/BAD to a login into `MailAuthenticationFailed`."""
        try:
            yield
        except Exception as exc:
            if isinstance(exc, MailError) or not is_auth_failure(exc):
                raise
            said = f" (status {status[0]})" if status else ""
            raise MailAuthenticationFailed(
                f"{self.settings.host} rejected {what}: {server_reason(exc, self._secrets)}{said}"
            ) from None

    def _server_caps(self) -> set[str]:
        return {c.upper() for c in (self.info.capabilities if self.info else ())}
