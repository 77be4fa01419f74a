"""POP3 login (RFC 5034 SASL and RFC 1939 USER/PASS), mixed into `tui.core.mail.pop3.Pop3Client`.

OAuth uses ``AUTH XOAUTH2``/``AUTH OAUTHBEARER`` with the initial response on the command
line; an error challenge (a JSON status) is answered as RFC 7628 requires, never with the
token again, and the server then says ``-ERR``. A password goes by ``AUTH PLAIN`` (UTF-8
safe) when the server offers it, else USER/PASS. A rejected token is refreshed once and
the login retried once (`tui.core.mail.auth.login_with_refresh`).
"""

from __future__ import annotations

import base64
import binascii

from tui.core.mail.auth import oauth_status
from tui.core.mail.errors import (
    MailAuthenticationFailed,
    MailError,
    MailProtocolError,
    server_text,
)
from tui.core.mail.pop3_wire import Pop3Wire, _Pop3Error


class Pop3Login(Pop3Wire):
    """The login half of `Pop3Client`, over the wire of `Pop3Wire`."""

    SERVICE = "POP3"

    def _login_password(self, password: str) -> None:
        self._guard.secrets.append(password)
        with self._guard.op("logging in"):
            try:
                if "PLAIN" in self._caps.get("SASL", []):
                    self._sasl("PLAIN", self._plain_response(password), [])
                else:
                    self._command(f"USER {self.settings.username}")
                    self._command(f"PASS {password}")
            except _Pop3Error as exc:
                raise self._rejected(
                    f"the password for {self.settings.username}", exc, []
                ) from None

    def _login_oauth(self, token: str) -> None:
        mech, response = self._oauth_response(token)
        with self._guard.op("logging in"):
            if mech not in self._caps.get("SASL", []):
                raise self._not_offered(mech)
            status: list[str] = []
            try:
                self._sasl(mech, response, status)
            except _Pop3Error as exc:
                what = f"the OAuth token for {self.settings.username} ({mech})"
                raise self._rejected(what, exc, status) from None

    def _sasl(self, mech: str, response: bytes, status: list[str]) -> None:
        """``AUTH mech <initial response>`` (RFC 5034); ends an error challenge properly."""
        self._send(f"AUTH {mech} {base64.b64encode(response).decode('ascii') or '='}")
        for _ in range(3):
            line = self._conn().readline()
            if not line.startswith(b"+ ") and line != b"+":
                self._final_status(line)
                return
            try:
                challenge = base64.b64decode(line[2:], validate=True)
            except (binascii.Error, ValueError):
                challenge = b""
            status.append(oauth_status(challenge))
            # RFC 7628: the client answers an error challenge with %x01 (OAUTHBEARER)
            # or an empty response (XOAUTH2), never the token again.
            self._send("AQ==" if mech == "OAUTHBEARER" else "")
        self._send("*")  # still challenging: cancel the exchange
        self._status()

    def _final_status(self, line: bytes) -> None:
        if line.startswith(b"+OK"):
            return
        if line.startswith(b"-ERR"):
            raise _Pop3Error(line[4:].strip())
        raise MailProtocolError(f"{self.settings.host} answered AUTH with something unexpected")

    def _rejected(self, what: str, exc: _Pop3Error, status: list[str]) -> MailError:
        text = server_text(exc.args[0] if exc.args else "", self._guard.secrets)
        said = f" (status {status[0]})" if status else ""
        return MailAuthenticationFailed(
            f"{self.settings.host} rejected {what}: {text or 'no reason given'}{said}"
        )
