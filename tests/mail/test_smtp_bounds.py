"""SMTP replies are under the same per-operation budget as IMAP and POP3: a hostile server
that trickles or never ends a reply is cut off at the operation's deadline, and one that
sends too much at its byte cap (a read timeout alone never fires while bytes keep coming)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tests.support.hostile_smtp import HostileSmtp
from tui.core.mail import bounds, smtp
from tui.core.mail.errors import MailProtocolError, MailTimeout
from tui.core.mail.settings import ConnectionSettings
from tui.core.mail.smtp import SmtpSender


def _sender(server: HostileSmtp, timeout: float = 0.5) -> SmtpSender:
    settings = ConnectionSettings("127.0.0.1", server.port, "smtp", allow_plaintext=True,
                                  timeout=timeout)  # fmt: skip
    return SmtpSender(settings, from_address="a@example.test")


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.test", "b@example.test", "hi"
    msg.set_content("body")
    return msg


def test_a_trickled_greeting_ends_at_the_deadline():
    with HostileSmtp("trickle_lines") as server, _sender(server) as sender:
        with pytest.raises(MailTimeout, match="within 2 s while connecting"):
            sender.connect()


def test_an_endless_greeting_line_ends_at_the_deadline():
    with HostileSmtp("endless_line", trickle=0.01) as server, _sender(server) as sender:
        with pytest.raises(MailTimeout, match="within 2 s while connecting"):
            sender.connect()


def test_a_trickled_reply_to_the_message_ends_at_the_deadline():
    with HostileSmtp("trickle_lines", stage="data") as server, _sender(server) as sender:
        sender.connect()
        with pytest.raises(MailTimeout, match="within 2 s while sending the message"):
            sender.send(_message())
        with pytest.raises(MailProtocolError):  # the connection is not reused half-read
            sender.send(_message())


def test_a_huge_reply_ends_at_the_byte_cap(monkeypatch):
    # Lift the line-count cap so that only the byte cap can stop this reply.
    monkeypatch.setattr(smtp, "MAX_REPLY_LINES", 10**6)
    monkeypatch.setattr(bounds, "MAX_COMMAND_BYTES", 1024 * 1024)
    with HostileSmtp("huge") as server, _sender(server, timeout=30) as sender:
        with pytest.raises(MailProtocolError, match="sent more than 1 MB while connecting"):
            sender.connect()


def test_normal_replies_pass():
    with HostileSmtp("huge", stage="data", huge_bytes=64 * 1024) as server:
        with _sender(server) as sender:
            sender.connect()
            sender.send(_message())
