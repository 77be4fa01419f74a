"""IMAP login (XOAUTH2, OAUTHBEARER RFC 7628, AUTHENTICATE PLAIN or LOGIN), mixed into
`tui.core.mail.client.MailClient`.

A rejected token is refreshed once and the login retried once
(`tui.core.mail.auth.login_with_refresh`); every secret sent (the password, the token and
their base64 SASL responses) is added to the redaction list first, because a server may
quote the response back in its NO.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from tui.core.mail.auth import (
    Credential,
    authenticate,
    is_auth_failure,
    login_with_refresh,
    sasl_initial_response,
    server_reason,
)
from tui.core.mail.errors import MailAuthenticationFailed, MailError
from tui.core.mail.models import ServerInfo
from tui.core.mail.settings import ConnectionSettings


class ImapLogin:
    """The login half of `MailClient` (which provides the attributes and ``_op`` used here)."""

    settings: ConnectionSettings
    info: ServerInfo | None
    _secrets: list[str]

    def _op(self, doing: str) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def login(self, credential: Credential) -> None:
        """Authenticate; an OAuth rejection triggers one forced refresh and one retry.

        Raises:
            MailAuthenticationFailed: the server rejected the password, or the token
                even after a refresh.
            ReauthorizationNeeded: the refresh itself said the grant is gone.
        """
        login_with_refresh(
            credential, self.settings.username, self._login_password, self._login_oauth, "IMAP"
        )

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
                    response = f"\0{self.settings.username}\0{password}".encode()
                    # A server may quote the response back in its NO: redact that too.
                    self._secrets.append(base64.b64encode(response).decode("ascii"))
                    authenticate(imap, "PLAIN", response)
                else:
                    imap.login(self.settings.username, password)

    def _login_oauth(self, token: str) -> None:
        mech = self.settings.sasl.upper()
        response = sasl_initial_response(self.settings.sasl, self.settings.username, token)
        self._secrets += [token, base64.b64encode(response).decode("ascii")]
        with self._op("logging in") as imap:
            if f"AUTH={mech}" not in self._server_caps():
                raise MailAuthenticationFailed(
                    f"{self.settings.host} does not offer SASL {mech}",
                    advice="Try the other SASL mechanism (xoauth2 / oauthbearer).",
                )
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
