"""The POP3 wire (RFC 1939): status lines, bounded multi-line answers, CAPA.

The lowest half of `tui.core.mail.pop3.Pop3Client` (the login half,
`tui.core.mail.pop3_login.Pop3Login`, builds on it). Every line is at most
`tui.core.mail.transport.MAX_LINE` bytes and every multi-line answer has a byte budget;
past it the connection is dropped, because the rest of an answer cannot be skipped
without reading it.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from tui.core.mail.connection import Connection
from tui.core.mail.errors import MailProtocolError, server_text
from tui.core.mail.transport import Stream

__all__ = ["HEADER_LIMIT", "RETR_LIMIT", "Pop3Wire"]

HEADER_LIMIT = 256 * 1024
"""Largest header block kept from ``TOP n 0`` (the rest is read and dropped)."""
RETR_LIMIT = 256 * 1024 * 1024
"""Largest message ``RETR`` reads before giving up (the connection is then closed)."""


class _Pop3Error(Exception):
    """A ``-ERR`` answer (its text is the argument)."""


class Pop3Wire(Connection):
    """Commands and answers over one `Stream` (set by the subclass's ``connect``)."""

    _stream: Stream | None
    _caps: dict[str, list[str]]

    # -- protocol -----------------------------------------------------------------------

    def _conn(self) -> Stream:
        if self._stream is None:
            raise MailProtocolError("not connected to the mail server")
        return self._stream

    def _send(self, line: str) -> None:
        self._conn().send(line.encode("utf-8") + b"\r\n")

    def _status(self) -> str:
        """Read a status line; returns the text after ``+OK``, raises on ``-ERR``."""
        line = self._conn().readline()
        if line.startswith(b"+OK"):
            return line[3:].strip().decode("utf-8", "replace")
        if line.startswith(b"-ERR"):
            raise _Pop3Error(line[4:].strip())
        raise MailProtocolError(
            f"{self.settings.host} answered {server_text(line[:80], self._guard.secrets)!r}, "
            "not +OK/-ERR: is this a POP3 server?"
        )

    def _command(self, line: str) -> str:
        self._send(line)
        return self._status()

    def _lines(self, budget: int) -> Iterator[bytes]:
        """The pieces of a multi-line answer (`Stream.read_piece`: lines with their line
        break, long lines in several pieces), dot-unstuffed, until the final ``.``.

        More than ``budget`` bytes is an error and the connection is dropped (the rest of
        the answer cannot be skipped without reading it).
        """
        stream = self._conn()
        used = 0
        starts = True
        while True:
            piece = stream.read_piece()
            if starts and piece in (b".\r\n", b".\n"):
                return
            used += len(piece)
            if used > budget:
                self._drop()
                megabytes = budget // (1024 * 1024)
                raise MailProtocolError(
                    f"{self.settings.host} sent an answer larger than {megabytes} MB; "
                    "gave up (the connection was closed)"
                )
            yield piece[1:] if starts and piece.startswith(b".") else piece
            starts = piece.endswith(b"\n")

    def _header_block(self) -> Message:
        kept: list[bytes] = []
        size = 0
        for piece in self._lines(RETR_LIMIT):
            size += len(piece)
            if size <= HEADER_LIMIT:
                kept.append(piece)
        return BytesHeaderParser(policy=compat32).parsebytes(b"".join(kept) + b"\r\n")

    def _capa(self) -> dict[str, list[str]]:
        try:
            self._command("CAPA")
        except _Pop3Error:
            return {}  # an RFC 1939-only server: USER/PASS, no STLS, no SASL
        caps: dict[str, list[str]] = {}
        for line in self._lines(64 * 1024):
            words = line.decode("ascii", "replace").split()
            if words:
                caps[words[0].upper()] = [w.upper() for w in words[1:]]
        return caps

    def _drop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
