"""Bounds on what a mail server may send in one operation, for every protocol.

A read timeout never fires while a server keeps trickling, and imaplib reads an announced
literal whole, so an endless LIST or a ``{3000000000}`` literal grew without limit.
`Budget` gives each operation (started by ``transport.Guard.op``) an overall deadline and a
byte cap; `BoundedReader` applies it to a socket's receiving side (POP3's
`transport.Stream` and SMTP's replies read through one); `bound_imaplib` puts an imaplib
connection under it.
"""

from __future__ import annotations

import io
import socket
import time
from contextlib import suppress
from typing import Any

from tui.core.mail.errors import MailError, MailProtocolError, MailTimeout

MAX_LITERAL = 16 * 1024 * 1024
"""Largest literal accepted: every fetch asks for partial ranges of at most a few MiB."""
MAX_COMMAND_BYTES = 64 * 1024 * 1024
"""Bytes one operation may receive (a LIST of 100,000 folders is about 10 MB)."""
DEADLINE_FACTOR = 4
"""One operation ends within this many times the component's timeout (a read timeout
alone never fires while a server keeps trickling)."""


class Budget:
    """Bounds on one operation's answer: an overall deadline and a byte cap.

    `Guard.op` starts it for every operation; readers call `timeout()` before each socket
    read and `count()` after it (`BoundedReader` does both), and `check_literal` before
    reading an announced literal. Going past a bound shuts the connection down (its state
    is unknown) and raises `MailTimeout` or `MailProtocolError`.
    """

    def __init__(self, host: str, timeout: float) -> None:
        self.host = host
        self.timeout = timeout
        self.seconds = timeout * DEADLINE_FACTOR
        self.max_bytes = MAX_COMMAND_BYTES
        self.max_literal = MAX_LITERAL
        self.doing = ""
        self.deadline = float("inf")
        self.received = 0
        self.sock: Any = None

    def start(self, doing: str) -> None:
        self.doing, self.received = doing, 0
        self.deadline = time.monotonic() + self.seconds

    def _fail(self, error: MailError) -> MailError:
        with suppress(OSError, AttributeError):
            self.sock.shutdown(socket.SHUT_RDWR)
        return error

    def _while(self) -> str:
        return f" while {self.doing}" if self.doing else ""

    def timeout_for_read(self) -> float:
        """The socket timeout for the next read: the component's, or less near the end."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.past_deadline()
        return min(self.timeout, left)

    def past_deadline(self) -> MailError:
        """The error for an operation that ran out of time (the connection is shut)."""
        return self._fail(
            MailTimeout(
                f"{self.host} did not finish answering within {self.seconds:g} s"
                f"{self._while()}; giving up",
                advice="the server is too slow or sends without end; try again later",
            )
        )

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def count(self, size: int) -> None:
        self.received += size
        if self.received > self.max_bytes:
            raise self._fail(
                MailProtocolError(
                    f"{self.host} sent more than {self.max_bytes // (1024 * 1024)} MB"
                    f"{self._while()}; giving up"
                )
            )

    def check_literal(self, size: int) -> None:
        if size > self.max_literal:
            raise self._fail(
                MailProtocolError(
                    f"{self.host} announced {size} bytes of data{self._while()}, more than "
                    f"the {self.max_literal // (1024 * 1024)} MB accepted; giving up"
                )
            )


class BoundedReader(io.RawIOBase):
    """A socket's receiving side under a `Budget` (wrap it in ``io.BufferedReader``)."""

    def __init__(self, sock: Any, budget: Budget) -> None:
        self.sock, self.budget = sock, budget
        budget.sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.sock.settimeout(self.budget.timeout_for_read())
        try:
            size = int(self.sock.recv_into(buffer))
        except TimeoutError:
            if self.budget.expired():  # the read was cut short by the deadline, not idle
                raise self.budget.past_deadline() from None
            raise
        self.budget.count(size)
        return size


def bound_imaplib(imap4: Any, budget: Budget) -> None:
    """Read every answer of imaplib connection ``imap4`` under ``budget``.

    imaplib reads a literal whole (``read(size)``, any size) and lines through ``file``:
    the file is replaced by one that checks the operation's deadline and byte cap before
    and after each socket read, and an announced literal above the cap is refused before
    a byte of it is read.
    """
    imap4.file = io.BufferedReader(BoundedReader(imap4.sock, budget), 65536)
    read = imap4.read

    def bounded_read(size: int) -> bytes:
        budget.check_literal(size)
        return bytes(read(size))

    imap4.read = bounded_read
