"""`Pop3Client`: one POP3 connection (RFC 1939, CAPA RFC 2449, SASL RFC 5034), read-only.

The same face as `tui.core.mail.client.MailClient` (connect, login, page, message, save,
abort, close), so the services, the CLI and the TUI use either. A small client of our own
rather than poplib, whose multi-line answers are unbounded lists of lines: here every line
is at most `tui.core.mail.transport.MAX_LINE` bytes and every answer has a byte budget
(`tui.core.mail.pop3_wire.HEADER_LIMIT` for TOP, `~.RETR_LIMIT` for RETR, `UIDL_LIMIT`
for a full UIDL).

- TLS: ``pop3s`` is implicit TLS; ``pop3`` sends STLS, which must be offered unless
  plaintext was allowed for a loopback host (`tui.core.mail.transport.secure_mode`).
- Login: ``AUTH XOAUTH2``/``AUTH OAUTHBEARER`` with the initial response on the command
  line; an error challenge is answered as the mechanism requires, then ``-ERR``. A
  password goes by ``AUTH PLAIN`` (UTF-8 safe) when offered, else USER/PASS.
- Reading never changes the mailbox: no DELE, ever. Messages are identified by their
  UIDL (message numbers change between sessions); pages are newest first, read with
  ``UIDL n``, ``LIST n`` and ``TOP n 0`` (headers only), pipelined when the server offers
  PIPELINING. Opening reads the whole message as a stream (the text is kept up to
  `tui.core.mail.reading.TEXT_LIMIT`, attachments are only counted) with
  ``TOP n <all lines>`` rather than RETR: Dovecot (and others) mark a message \\Seen for
  IMAP once it was RETRieved, even when the session ends without QUIT; TOP leaves it
  alone. Only a server without TOP gets RETR.
- Closing sends QUIT (which commits deletions in POP3; there never are any) and then closes.
"""

from __future__ import annotations

from email.message import Message
from pathlib import Path
from typing import Any

from tui.core.mail.attachments import AttachmentSaver, SavedFile
from tui.core.mail.decode import header_text, parse_date
from tui.core.mail.errors import (
    MailError,
    MailNotFound,
    MailProtocolError,
    MailServerError,
    server_text,
)
from tui.core.mail.models import MessageSummary, MessageView, Page, ServerInfo
from tui.core.mail.pop3_login import Pop3Login
from tui.core.mail.pop3_read import TextCollector, view_from
from tui.core.mail.pop3_wire import RETR_LIMIT, _Pop3Error
from tui.core.mail.settings import ConnectionSettings
from tui.core.mail.transport import (
    Stream,
    greeting_text,
    open_stream,
    secure_mode,
    tls_context,
    tls_details,
)

__all__ = ["Pop3Client"]

UIDL_LIMIT = 64 * 1024 * 1024
"""Largest full ``UIDL`` answer (about 2 million messages)."""
MAX_LIMIT = 1000
ALL_LINES = 999_999_999
"""``TOP n ALL_LINES`` reads a whole message without marking it seen."""


class Pop3Client(Pop3Login):
    """One POP3 connection; see the module docstring. Thread contract as `MailClient`."""

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings, lambda: self._stream.sock if self._stream else None)
        self._stream: Stream | None = None
        self._caps: dict[str, list[str]] = {}
        self._uidls: list[str] | None = None  # index i holds message i+1's UIDL

    def _translate(self, exc: BaseException, doing: str) -> MailError:
        what = f" while {doing}" if doing else ""
        if isinstance(exc, _Pop3Error):
            text = server_text(exc.args[0] if exc.args else "", self._guard.secrets)
            return MailServerError(f"server refused{what}: {text or 'no reason given'}")
        mapped = self._guard.network_error(
            exc,
            doing,
            "POP3",
            "this looks like a plain POP3 port: use protocol pop3 (STLS) or port 995",
        )
        if mapped is not None:
            return mapped
        return MailProtocolError(
            f"unexpected answer from {self.settings.host}:{self.settings.port}{what}"
        )

    # -- connect and log in -------------------------------------------------------------

    def connect(self) -> ServerInfo:
        """Open the connection and secure it; returns the greeting and capabilities."""
        s = self.settings
        ctx = tls_context(s.ca_file)
        with self._guard.op("connecting"):
            tls = ctx if s.implicit_tls else None
            self._stream = open_stream(s.host, s.port, s.timeout, tls, self._guard.budget)
            greeting = greeting_text(b"+OK " + self._status().encode())
            self._caps = self._capa()
            try:
                mode = secure_mode(s, starttls_offered="STLS" in self._caps)
            except MailError:
                self._drop()
                raise
            if mode == "STARTTLS":
                self._command("STLS")
                self._conn().starttls(ctx)
                self._caps = self._capa()
            version, cipher = tls_details(self._conn().sock)
            caps = tuple(" ".join([k, *v]) for k, v in self._caps.items())
            self.info = ServerInfo(greeting, caps, mode, version, cipher)
            return self.info

    def capabilities(self) -> tuple[str, ...]:
        """The CAPA lines (after login they may differ; POP3 servers rarely change them)."""
        with self._guard.op("reading capabilities"):
            self._caps = self._capa()
            return tuple(" ".join([k, *v]) for k, v in self._caps.items())

    # -- reading ------------------------------------------------------------------------

    def folders(self) -> list[Any]:
        """POP3 has one mailbox: INBOX."""
        from tui.core.mail.models import Folder

        return [Folder("INBOX", "", ())]

    def select(self, folder: str = "INBOX") -> int:
        """The number of messages in the mailbox (STAT)."""
        with self._guard.op("counting messages"):
            return self._stat()

    def _stat(self) -> int:
        words = self._command("STAT").split()
        try:
            return int(words[0])
        except (IndexError, ValueError):
            raise MailProtocolError(f"{self.settings.host} sent a malformed STAT answer") from None

    def _all_uidls(self) -> list[str]:
        if self._uidls is None:
            self._command("UIDL")
            out: list[str] = []
            for line in self._lines(UIDL_LIMIT):
                words = line.decode("ascii", "replace").split()
                if len(words) == 2 and words[0] == str(len(out) + 1):
                    out.append(words[1])
                else:
                    raise MailProtocolError(f"{self.settings.host} sent a malformed UIDL list")
            self._uidls = out
        return self._uidls

    def _number_of(self, uidl: str) -> int:
        try:
            return self._all_uidls().index(uidl) + 1
        except ValueError:
            raise MailNotFound(f"no message with UIDL {uidl!r} in the POP3 mailbox") from None

    def page(
        self,
        folder: str = "INBOX",
        before_uid: int | str | None = None,
        limit: int = 50,
        *,
        uidvalidity: int | None = None,
    ) -> Page:
        """Up to ``limit`` messages older than the one with UIDL ``before_uid``, newest first."""
        if not 1 <= limit <= MAX_LIMIT:
            raise MailError(f"page size must be from 1 to {MAX_LIMIT}, got {limit}")
        with self._guard.op("listing the POP3 mailbox"):
            total = self._stat()
            upper = total if before_uid is None else self._number_of(str(before_uid)) - 1
            numbers = list(range(upper, max(0, upper - limit), -1))
            summaries = self._summaries(numbers)
        lower = numbers[-1] if numbers else 0
        cursor = summaries[-1].uid if summaries and lower > 1 else None
        return Page(folder, tuple(summaries), total, cursor, None)

    def _summaries(self, numbers: list[int]) -> list[MessageSummary]:
        commands = [c for n in numbers for c in (f"UIDL {n}", f"LIST {n}", f"TOP {n} 0")]
        pipelined = "PIPELINING" in self._caps
        if pipelined and commands:
            self._conn().send("".join(c + "\r\n" for c in commands).encode("ascii"))
        try:
            return [self._summary(n, pipelined) for n in numbers]
        except BaseException:
            if pipelined:
                self._drop()  # answers still queued: the connection is out of step
            raise

    def _summary(self, n: int, pipelined: bool) -> MessageSummary:
        answers = []
        for command in (f"UIDL {n}", f"LIST {n}"):
            if not pipelined:
                self._send(command)
            answers.append(self._status().split())
        if not pipelined:
            self._send(f"TOP {n} 0")
        self._status()
        headers = self._header_block()
        try:
            return _summary(answers[0][-1], int(answers[1][-1]), headers)
        except (IndexError, ValueError):
            raise MailProtocolError(
                f"{self.settings.host} sent a malformed UIDL/LIST answer"
            ) from None

    def message(self, uid: int | str, folder: str = "INBOX") -> MessageView:
        """Open one message by UIDL with RETR, streamed (text capped, attachments counted)."""
        with self._guard.op(f"reading message {uid}"):
            number = self._number_of(str(uid))
            size = int(self._command(f"LIST {number}").split()[-1])
            self._retrieve(number)
            collector = TextCollector()
            from tui.core.mail.mimestream import walk

            headers = walk(self._lines(RETR_LIMIT), collector)
        return view_from(str(uid), folder, headers, collector, size)

    def _retrieve(self, number: int) -> None:
        """Start reading a whole message (see the module docstring: TOP, not RETR)."""
        if "TOP" in self._caps:
            self._command(f"TOP {number} {ALL_LINES}")
        else:
            self._command(f"RETR {number}")

    def save_attachments(
        self, uid: int | str, directory: Path, folder: str = "INBOX"
    ) -> list[SavedFile]:
        """Write the message's attachments into ``directory``, decoded as they stream in."""
        from tui.core.mail.mimestream import walk

        with self._guard.op(f"saving the attachments of message {uid}"):
            number = self._number_of(str(uid))
            self._retrieve(number)
            with AttachmentSaver(directory) as saver:
                walk(self._lines(RETR_LIMIT), saver)
            return saver.saved

    # -- closing ------------------------------------------------------------------------

    def _is_open(self) -> bool:
        return self._stream is not None

    def _goodbye(self) -> None:
        self._command("QUIT")  # commits deletions in POP3; there never are any


def _summary(uidl: str, size: int, headers: Message) -> MessageSummary:
    return MessageSummary(
        uid=uidl,
        date=parse_date(header_text(headers.get("Date", ""))),
        sender=header_text(headers.get("From", "")),
        subject=header_text(headers.get("Subject", "")),
        flags=(),
        size=size,
    )
