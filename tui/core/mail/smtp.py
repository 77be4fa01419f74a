"""`SmtpSender`: one SMTP submission connection (RFC 6409) over smtplib, for sending.

- TLS: ``smtps`` is implicit TLS (465); ``smtp`` (587) sends STARTTLS, which must be
  offered unless plaintext was allowed for a loopback host
  (`tui.core.mail.transport.secure_mode`), so no credential ever crosses in the clear.
- Login: ``AUTH XOAUTH2``/``AUTH OAUTHBEARER`` with the initial response; an error
  challenge (334 with a JSON status) is answered with an empty response (XOAUTH2) or
  %x01 (OAUTHBEARER), never the token again. A rejected token is refreshed once and the
  login retried once (`tui.core.mail.auth.login_with_refresh`). Passwords use AUTH PLAIN
  (UTF-8 safe) when offered, else LOGIN.
- Replies are bounded: a line is at most `tui.core.mail.transport.MAX_LINE` bytes and a
  reply at most `MAX_REPLY_LINES` lines (smtplib alone accepts any number), and every
  read is under the operation's `tui.core.mail.bounds.Budget` (an overall deadline and a
  byte cap, as for IMAP and POP3): a server that trickles a reply is cut off in time.
- Errors are `tui.core.errors.MailError` subclasses with secrets redacted, like IMAP's.
"""

from __future__ import annotations

import base64
import io
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from tui.core.mail.auth import oauth_status
from tui.core.mail.bounds import BoundedReader, Budget
from tui.core.mail.connection import Connection
from tui.core.mail.errors import (
    MailAuthenticationFailed,
    MailError,
    MailProtocolError,
    MailServerError,
    server_text,
)
from tui.core.mail.models import ServerInfo
from tui.core.mail.settings import ConnectionSettings
from tui.core.mail.transport import (
    MAX_LINE,
    greeting_text,
    secure_mode,
    tls_context,
    tls_details,
)

__all__ = ["MAX_REPLY_LINES", "SmtpSender"]

MAX_REPLY_LINES = 100


class _BoundedReplies:
    """smtplib's ``getreply`` with a bound on the number of lines of one reply, reading
    through a `BoundedReader` under ``budget`` (the `Guard`'s, set before connecting)."""

    file: Any
    sock: Any
    close: Callable[[], None]  # smtplib.SMTP's (annotation only: not shadowed)
    budget: Budget

    def getreply(self) -> tuple[int, bytes]:
        resp: list[bytes] = []
        if self.file is None:
            # smtplib drops ``file`` after STARTTLS, so the TLS socket is wrapped anew.
            self.file = io.BufferedReader(BoundedReader(self.sock, self.budget), 65536)
        while True:
            try:
                line = self.file.readline(MAX_LINE + 1)
            except OSError as exc:
                self.close()
                raise smtplib.SMTPServerDisconnected(f"connection closed: {exc}") from None
            if not line:
                self.close()
                raise smtplib.SMTPServerDisconnected("connection closed by the server")
            if len(line) > MAX_LINE or len(resp) >= MAX_REPLY_LINES:
                self.close()
                raise smtplib.SMTPResponseException(500, b"reply too long")
            resp.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
        return code, b"\n".join(resp)


class _SMTP(_BoundedReplies, smtplib.SMTP):
    pass


class _SMTPS(_BoundedReplies, smtplib.SMTP_SSL):
    pass


class SmtpSender(Connection):
    """One submission connection; ``connect``, ``login``, ``send``, ``close``."""

    SERVICE = "SMTP"

    def __init__(self, settings: ConnectionSettings, from_address: str = "") -> None:
        super().__init__(settings, lambda: self._smtp.sock if self._smtp else None)
        self.from_address = from_address or settings.username
        """The sender address (From and envelope); by default the login name."""
        self._smtp: smtplib.SMTP | None = None

    def _translate(self, exc: BaseException, doing: str) -> MailError:
        what = f" while {doing}" if doing else ""
        where = f"{self.settings.host}:{self.settings.port}"
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return MailProtocolError(f"connection to {where} lost{what}")
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            refused = ", ".join(
                f"{addr} ({code} {server_text(text, self._guard.secrets, 120)})"
                for addr, (code, text) in list(exc.recipients.items())[:5]
            )
            return MailServerError(f"{self.settings.host} refused the recipients: {refused}")
        if isinstance(exc, smtplib.SMTPResponseException):
            text = server_text(exc.smtp_error, self._guard.secrets)
            return MailServerError(f"server refused{what}: {exc.smtp_code} {text}")
        mapped = self._guard.network_error(
            exc,
            doing,
            "SMTP",
            "this looks like a plain SMTP port: use protocol smtp (STARTTLS) or port 465",
        )
        if mapped is not None:
            return mapped
        return MailProtocolError(f"unexpected answer from {where}{what}: {type(exc).__name__}")

    def _conn(self) -> smtplib.SMTP:
        if self._smtp is None:
            raise MailProtocolError("not connected to the mail server")
        return self._smtp

    # -- connect and log in -------------------------------------------------------------

    def connect(self) -> ServerInfo:
        """Open the connection, say EHLO and secure it; returns greeting and extensions."""
        s = self.settings
        ctx = tls_context(s.ca_file)
        with self._guard.op("connecting"):
            bounded: _SMTP | _SMTPS
            if s.implicit_tls:
                bounded = _SMTPS(timeout=s.timeout, context=ctx)
            else:
                bounded = _SMTP(timeout=s.timeout)
            bounded.budget = self._guard.budget
            smtp: smtplib.SMTP = bounded
            self._smtp = smtp
            smtp._host = s.host  # type: ignore[attr-defined]  # TLS name; set by __init__ only
            code, banner = smtp.connect(s.host, s.port)
            if code != 220:
                raise smtplib.SMTPResponseException(code, banner)
            smtp.ehlo()
            try:
                mode = secure_mode(s, starttls_offered=smtp.has_extn("starttls"))
            except MailError:
                self._drop()
                raise
            if mode == "STARTTLS":
                smtp.starttls(context=ctx)
                smtp.ehlo()
            version, cipher = tls_details(smtp.sock)
            caps = tuple(f"{k.upper()} {v.strip()}".strip() for k, v in smtp.esmtp_features.items())
            self.info = ServerInfo(greeting_text(banner), caps, mode, version, cipher)
            return self.info

    def capabilities(self) -> tuple[str, ...]:
        """The EHLO extensions (after login they stay the same)."""
        return self.info.capabilities if self.info else ()

    def _mechanisms(self) -> list[str]:
        return self._conn().esmtp_features.get("auth", "").upper().split()

    def _login_password(self, password: str) -> None:
        self._guard.secrets.append(password)
        with self._guard.op("logging in"):
            try:
                if "PLAIN" in self._mechanisms():
                    self._sasl("PLAIN", self._plain_response(password), [])
                else:
                    self._conn().login(self.settings.username, password)  # LOGIN (ASCII only)
            except smtplib.SMTPAuthenticationError as exc:
                raise self._rejected(
                    f"the password for {self.settings.username}", exc, []
                ) from None
            except smtplib.SMTPNotSupportedError:
                raise MailAuthenticationFailed(
                    f"{self.settings.host} offers no password login (AUTH PLAIN/LOGIN)"
                ) from None

    def _login_oauth(self, token: str) -> None:
        mech, response = self._oauth_response(token)
        with self._guard.op("logging in"):
            if mech not in self._mechanisms():
                raise self._not_offered(mech)
            status: list[str] = []
            try:
                self._sasl(mech, response, status)
            except smtplib.SMTPAuthenticationError as exc:
                what = f"the OAuth token for {self.settings.username} ({mech})"
                raise self._rejected(what, exc, status) from None

    def _sasl(self, mech: str, response: bytes, status: list[str]) -> None:
        """``AUTH mech <initial response>`` (RFC 4954). Sent by hand rather than with
        ``smtplib.SMTP.auth``, which encodes responses as ASCII (no UTF-8 passwords)."""
        smtp = self._conn()
        code, reply = smtp.docmd("AUTH", f"{mech} {base64.b64encode(response).decode() or '='}")
        for _ in range(3):
            if code != 334:
                break
            try:
                status.append(oauth_status(base64.b64decode(reply)))
            except ValueError:
                status.append("unknown")
            # RFC 7628: answer an error challenge with %x01 / empty, never the token again.
            code, reply = smtp.docmd("AQ==" if mech == "OAUTHBEARER" else "")
        if code == 334:
            code, reply = smtp.docmd("*")  # still challenging: cancel the exchange
        if code not in (235, 503):  # 503: already authenticated
            raise smtplib.SMTPAuthenticationError(code, reply)

    def _rejected(
        self, what: str, exc: smtplib.SMTPResponseException, status: list[str]
    ) -> MailError:
        text = server_text(exc.smtp_error, self._guard.secrets) or "no reason given"
        said = f" (status {status[0]})" if status else ""
        return MailAuthenticationFailed(f"{self.settings.host} rejected {what}: {text}{said}")

    # -- sending ------------------------------------------------------------------------

    def send(self, message: EmailMessage) -> None:
        """Submit ``message`` (its From/To/Cc/Bcc headers give the envelope)."""
        with self._guard.op("sending the message"):
            self._conn().send_message(message)

    # -- closing ------------------------------------------------------------------------

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def _is_open(self) -> bool:
        return self._smtp is not None

    def _goodbye(self) -> None:
        self._conn().quit()
