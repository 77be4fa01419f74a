"""Error translation: server text kept, secrets redacted, one class per failure."""

from __future__ import annotations

import imaplib
import socket
import ssl

from tui.core.mail.errors import (
    MailConnectionRefused,
    MailDNSError,
    MailProtocolError,
    MailServerError,
    MailTimeout,
    redact,
    translate,
)
from tui.core.mail.settings import ConnectionSettings

WHERE = ConnectionSettings("imap.example.test", 993, "imaps", timeout=7.0)


def test_server_no_text_is_kept_and_secrets_redacted():
    token = "at_secret-token-value"
    exc = imaplib.IMAP4.error(f"fetch failed: [ALERT] token {token} is not welcome".encode())
    err = translate(exc, WHERE, secrets=[token], doing="listing folder 'INBOX'")
    assert isinstance(err, MailServerError) and err.exit_code == 1
    assert err.message == (
        "server refused while listing folder 'INBOX': fetch failed: [ALERT] token [redacted] "
        "is not welcome"
    )


def test_each_network_failure_has_its_own_class():
    assert isinstance(translate(socket.gaierror(-2, "Name"), WHERE), MailDNSError)
    assert isinstance(translate(ConnectionRefusedError(111, "x"), WHERE), MailConnectionRefused)
    timeout = translate(TimeoutError("timed out"), WHERE, doing="logging in")
    assert isinstance(timeout, MailTimeout)
    assert timeout.message == "no answer from imap.example.test:993 within 7 s while logging in"
    lost = translate(imaplib.IMAP4.abort("socket error: EOF"), WHERE)
    assert isinstance(lost, MailProtocolError) and "connection to imap.example.test:993 lost" in (
        lost.message
    )
    assert translate(ssl.SSLError(1, "wrong version number"), WHERE).reason == "other"


def test_redact_ignores_tiny_secrets():
    assert redact("a b c", ["b", ""]) == "a b c"
    assert redact("x password1 y", ["password1"]) == "x [redacted] y"
