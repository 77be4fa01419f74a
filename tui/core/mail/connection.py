"""`Connection`: what the IMAP, POP3 and SMTP clients share, whatever their protocol.

Each client is built from one `tui.core.mail.settings.ConnectionSettings` and owns one
`tui.core.mail.transport.Guard` (its lock, cancellation and error mapping). It is used as
a context manager (leaving it closes the connection), can be aborted from any thread, and
logs in the same way: a password, or an OAuth token by SASL XOAUTH2/OAUTHBEARER, where a
rejected token is refreshed once and the login retried once
(`tui.core.mail.auth.login_with_refresh`). A subclass supplies ``_translate`` (its
protocol's exceptions as `MailError`s), ``_login_password``, ``_login_oauth``, and for
``close`` ``_is_open``, ``_goodbye`` and ``_drop``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, ClassVar, Self

from tui.core.mail.auth import Credential, login_with_refresh, sasl_initial_response
from tui.core.mail.errors import MailAuthenticationFailed, MailError
from tui.core.mail.models import ServerInfo
from tui.core.mail.settings import ConnectionSettings
from tui.core.mail.transport import Guard

__all__ = ["Connection"]


class Connection:
    """One mail connection's settings, guard and login; see the module docstring."""

    SERVICE: ClassVar[str] = "mail"
    """The protocol's name in messages (IMAP, POP3, SMTP)."""

    def __init__(self, settings: ConnectionSettings, socket: Callable[[], Any]) -> None:
        self.settings = settings
        """Where to connect and how to log in (`ConnectionSettings.from_component`)."""
        self.info: ServerInfo | None = None
        """The greeting, capabilities and TLS details, once connected."""
        self._guard = Guard(settings, self._translate, socket)

    def __repr__(self) -> str:
        s = self.settings
        return f"{type(self).__name__}({s.host!r}, {s.port}, protocol={s.protocol!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _translate(self, exc: BaseException, doing: str) -> MailError:
        """``exc``, raised by the protocol code while ``doing``, as a `MailError`."""
        raise NotImplementedError

    # -- logging in ---------------------------------------------------------------------

    def login(self, credential: Credential) -> None:
        """Authenticate; an OAuth rejection triggers one forced refresh and one retry.

        Raises:
            MailAuthenticationFailed: the server rejected the password, or the token
                even after a refresh.
            ReauthorizationNeeded: the refresh itself said the grant is gone.
        """
        login_with_refresh(
            credential,
            self.settings.username,
            self._login_password,
            self._login_oauth,
            self.SERVICE,
        )

    def _login_password(self, password: str) -> None:
        raise NotImplementedError

    def _login_oauth(self, token: str) -> None:
        raise NotImplementedError

    def _plain_response(self, password: str) -> bytes:
        """SASL PLAIN's response (RFC 4616: UTF-8, unlike LOGIN) for ``password``; its
        base64 form is redacted from every error from now on (a server may quote it)."""
        response = f"\0{self.settings.username}\0{password}".encode()
        self._guard.secrets.append(base64.b64encode(response).decode("ascii"))
        return response

    def _oauth_response(self, token: str) -> tuple[str, bytes]:
        """The SASL mechanism (upper case) and initial response for ``token``.

        The token and the base64 response are redacted from every error from now on: a
        server may quote the response back.
        """
        s = self.settings
        response = sasl_initial_response(s.sasl, s.username, token)
        self._guard.secrets += [token, base64.b64encode(response).decode("ascii")]
        return s.sasl.upper(), response

    def _not_offered(self, mech: str) -> MailAuthenticationFailed:
        """The error for a server that does not offer SASL ``mech``."""
        return MailAuthenticationFailed(
            f"{self.settings.host} does not offer SASL {mech}",
            advice="Try the other SASL mechanism (xoauth2 / oauthbearer).",
        )

    # -- closing ------------------------------------------------------------------------

    def abort(self) -> None:
        """Cancel from any thread: shut the socket so a blocked call returns at once."""
        self._guard.abort()

    def close(self) -> None:
        """Say goodbye (best effort; not after `abort`) and close. Safe to call twice."""
        with self._guard.lock:
            if self._is_open() and not self._guard.aborted:
                try:
                    self._goodbye()
                except Exception:  # noqa: BLE001 - closing anyway
                    pass
            self._drop()

    def _is_open(self) -> bool:
        """Whether the connection is (still) open."""
        raise NotImplementedError

    def _goodbye(self) -> None:
        """End the session politely (LOGOUT, QUIT)."""
        raise NotImplementedError

    def _drop(self) -> None:
        """Close the socket without a word; nothing when it is already closed."""
        raise NotImplementedError
