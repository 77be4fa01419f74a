"""A local SMTP server (aiosmtpd) that keeps what it receives: the relay behind Dovecot's
submission service in tests.

Example::

    with SmtpSink() as sink:                      # listens on 127.0.0.1:<free port>
        ... Dovecot(..., relay_port=sink.port) ...
        envelope = sink.wait_for(1)[0]            # mail_from, rcpt_tos, content (bytes)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.support.loopback import HOST, free_port


@dataclass(frozen=True)
class Received:
    """One message as the sink received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


class SmtpSink:
    """An aiosmtpd controller on 127.0.0.1 that stores every message in ``received``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._cond = threading.Condition()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook: keep the message."""
        with self._cond:
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
            )
            self._cond.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Block until ``count`` messages arrived (AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the SMTP sink got {len(self.received)} of {count}")
                self._cond.wait(left)
            return list(self.received)

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=HOST, port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
