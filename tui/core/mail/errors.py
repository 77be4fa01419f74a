"""Mail errors: one `tui.core.errors` subclass per failure a user can act on differently.

`translate()` turns an IMAP connection's low-level exceptions (socket and ssl through
`tui.core.mail.transport.network_error`, imaplib/imapclient) into these,
with the server's own NO/BAD text where there is one and every secret redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.core.errors import MailError, NextStep, ReauthorizationNeeded
from tui.core.text import one_line, sanitize

if TYPE_CHECKING:
    from tui.core.mail.settings import ConnectionSettings

__all__ = [
    "MailAuthenticationFailed",
    "MailCancelled",
    "MailConnectionRefused",
    "MailDNSError",
    "MailError",
    "MailFolderChanged",
    "MailNotFound",
    "MailPlaintextRefused",
    "MailProtocolError",
    "MailServerError",
    "MailTLSError",
    "MailTimeout",
    "ReauthorizationNeeded",
    "redact",
    "server_text",
    "strip_timing",
    "translate",
]

# Dovecot ends tagged replies with its timing: "... (0.001 + 0.000 + 0.001 secs)."
_TIMING = re.compile(r"\s*\((?:\d+(?:\.\d+)?\s*\+\s*)*\d+(?:\.\d+)?\s+secs\)\.?\s*$")


class MailConnectionRefused(MailError):
    """Nothing listens on host:port (or a firewall rejects the connection)."""


class MailDNSError(MailError):
    """The host name does not resolve."""


class MailTimeout(MailError):
    """The server did not answer within the component's timeout."""


class MailTLSError(MailError):
    """The TLS handshake failed; ``reason`` is one of hostname, expired, untrusted, other."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = "other",
        advice: str | None = None,
        next_step: NextStep | None = None,
    ) -> None:
        super().__init__(message, advice=advice, next_step=next_step)
        self.reason = reason


class MailPlaintextRefused(MailError):
    """The server offers no STARTTLS, and plaintext was not allowed for this host."""


class MailAuthenticationFailed(MailError):
    """The server rejected the login (password, or a token that a refresh did not fix)."""


class MailServerError(MailError):
    """The server answered NO or BAD to a command (its text is in the message)."""


class MailProtocolError(MailError):
    """The connection broke or the server said something we cannot parse."""


class MailNotFound(MailError):
    """A folder or a message UID does not exist."""

    exit_code = 2


class MailFolderChanged(MailError):
    """The folder's UIDVALIDITY changed: UIDs (and a paging cursor) no longer mean the same."""


class MailCancelled(MailError):
    """The operation was cancelled (the connection was aborted from another thread)."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in ``text`` with ``[redacted]``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def strip_timing(text: str) -> str:
    """``text`` without Dovecot's trailing ``(0.001 + 0.000 secs).``"""
    return _TIMING.sub("", text)


def server_text(value: object, secrets: Iterable[str] = (), limit: int = 300) -> str:
    """A server's NO/BAD text for users: UTF-8 (undecodable bytes replaced), on one line,
    without Dovecot's timing, ``secrets`` redacted, at most ``limit`` characters."""
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
    else:
        text = str(value)
        if text.startswith(("b'", 'b"')) and len(text) > 3:
            text = text[2:-1]
    # Redacted first, as the server sent it, and only then made one line and cut: a secret
    # is never half shown, nor missed because its spaces were collapsed.
    return one_line(strip_timing(sanitize(redact(text, secrets))), limit)


def _server_text(exc: BaseException, secrets: Iterable[str]) -> str:
    return server_text(exc.args[0] if exc.args else exc, secrets)


def translate(
    exc: BaseException,
    settings: ConnectionSettings,
    *,
    secrets: Iterable[str] = (),
    doing: str = "",
) -> MailError:
    """Map a low-level exception of an IMAP connection to the matching `MailError` subclass."""
    from imaplib import IMAP4

    # Imported here: the transport module builds on the classes above.
    from tui.core.mail.transport import network_error

    secrets = list(secrets)
    where = f"{settings.host}:{settings.port}"
    what = f" while {doing}" if doing else ""
    mapped = network_error(
        exc,
        settings,
        secrets=secrets,
        doing=doing,
        service="IMAP",
        plain_hint="this looks like a plain IMAP port: use the imap protocol (STARTTLS) "
        "or port 993",
    )
    if mapped is not None:
        step = mapped.next_step
        if step is not None and step.field == "protocol":
            mapped.next_step = step._replace(value="imap")
        return mapped
    if isinstance(exc, IMAP4.abort):
        return MailProtocolError(f"connection to {where} lost{what}: {_server_text(exc, secrets)}")
    if isinstance(exc, IMAP4.error):
        return MailServerError(f"server refused{what}: {_server_text(exc, secrets)}")
    return MailProtocolError(f"unexpected answer from {where}{what}: {_server_text(exc, secrets)}")
