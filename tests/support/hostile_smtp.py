"""A hostile SMTP server on 127.0.0.1, for replies no real server can be made to send.

It speaks just enough ESMTP (greeting, EHLO, MAIL, RCPT, DATA, QUIT) for the client to
reach the hostile reply, which comes at ``stage``: ``"greeting"`` (instead of the 220
banner) or ``"data"`` (after the message's final dot). The reply is, by ``mode``:

* ``"trickle_lines"``: ``250-`` continuation lines without end, one every ``trickle``
  seconds (each read returns data, so a read timeout never fires);
* ``"endless_line"``: one line that never ends, a byte every ``trickle`` seconds;
* ``"huge"``: ``huge_bytes`` of full-length continuation lines sent as fast as the client
  reads, then a final line (every line within smtplib's own limits).

``with HostileSmtp(mode=..., stage=...) as server: server.port``; ``sent_bytes`` counts what
the hostile reply sent. Sessions run in daemon threads; ``stop()`` ends them.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from tests.support.loopback import SessionServer

LINE = 8000
"""Payload bytes of one ``huge`` continuation line (below the client's 8192-byte line cap)."""


class HostileSmtp(SessionServer):
    """See the module docstring; knobs are plain attributes."""

    def __init__(self, mode: str, stage: str = "greeting", **knobs: Any) -> None:
        self.mode = mode
        self.stage = stage
        self.trickle = 0.05
        self.huge_bytes = 4 * 1024 * 1024
        self.sent_bytes = 0
        super().__init__(**knobs)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        reader = conn.makefile("rb")
        try:
            if self.stage == "greeting":
                self._hostile(conn, b"220")
                return
            conn.sendall(b"220 localhost ESMTP hostile\r\n")
            while not self._stop.is_set():
                line = reader.readline(65536)
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-localhost\r\n250 8BITMIME\r\n")
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    conn.sendall(b"250 ok\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while reader.readline(65536) not in (b".\r\n", b".\n", b""):
                        pass
                    self._hostile(conn, b"250")
                    return
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not here\r\n")
        except OSError:
            return
        finally:
            conn.close()

    def _hostile(self, conn: socket.socket, code: bytes) -> None:
        def send(data: bytes) -> None:
            conn.sendall(data)
            self.sent_bytes += len(data)

        if self.mode == "trickle_lines":
            n = 0
            while not self._stop.is_set():
                n += 1
                send(code + b"-line %d\r\n" % n)
                time.sleep(self.trickle)
        elif self.mode == "endless_line":
            send(code + b"-")
            while not self._stop.is_set():
                send(b"x")
                time.sleep(self.trickle)
        elif self.mode == "huge":
            line = code + b"-" + b"x" * LINE + b"\r\n"
            while self.sent_bytes < self.huge_bytes and not self._stop.is_set():
                send(line)
            send(code + b" done\r\n")
        else:
            raise ValueError(f"unknown mode {self.mode!r}")
