"""A hostile token endpoint on 127.0.0.1 over TLS, for tests that reach it through a proxy.

``HostileTokenEndpoint(cert, key, mode=...)`` (a context manager; ``port``; ``cert=None``
serves plain HTTP) reads one
request (head and ``Content-Length`` body) per connection and answers by ``mode``:

* ``"ok"``: a valid token reply (``access_token`` ``ACCESS``, ``refresh_token`` ``REFRESH``);
* ``"huge"``: a 200 JSON reply announcing ``huge_bytes`` (100 MB) and sending them as fast
  as the client reads, until it hangs up;
* ``"trickle"``: a token reply whose bytes come one every ``trickle`` seconds (0.3 s), so
  no single read ever times out.

``requests`` logs ``(method, path)``; ``sent_bytes`` counts what was sent.
The test IdP cannot serve TLS for a name like ``idp.test``; this one exists for that.
"""

from __future__ import annotations

import json
import socket
import ssl
from pathlib import Path
from typing import Any

from tests.support.loopback import SessionServer

ACCESS, REFRESH = "at_through_the_proxy", "rt_through_the_proxy"
BODY = json.dumps(
    {"access_token": ACCESS, "refresh_token": REFRESH, "token_type": "Bearer", "expires_in": 3600}
).encode()


class HostileTokenEndpoint(SessionServer):
    """See the module docstring; knobs are plain attributes."""

    def __init__(self, cert: Path | None, key: Path | None, mode: str = "ok", **knobs: Any) -> None:
        self.mode = mode
        self.trickle = 0.3
        self.huge_bytes = 100 * 1024 * 1024
        self.sent_bytes = 0
        self.requests: list[tuple[str, str]] = []
        self._ctx: ssl.SSLContext | None = None
        if cert is not None:
            self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ctx.load_cert_chain(cert, key)
        super().__init__(**knobs)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            if self._ctx is None:
                with conn:
                    self._answer(conn)
                return
            with self._ctx.wrap_socket(conn, server_side=True) as tls:
                self._answer(tls)
        except (OSError, ValueError):
            return  # a client that hung up (as it should) or refused the certificate

    def _answer(self, tls: socket.socket) -> None:
        reader = tls.makefile("rb")
        method, path, _ = reader.readline(8192).split(b" ", 2)
        length = 0
        while (line := reader.readline(8192)) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        reader.read(length)
        self.requests.append((method.decode(), path.decode()))
        size = self.huge_bytes if self.mode == "huge" else len(BODY)
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
        ).encode()
        self._send(tls, head)
        if self.mode == "huge":
            chunk = b" " * 65536
            while self.sent_bytes < size and not self._stop.is_set():
                self._send(tls, chunk)
        elif self.mode == "trickle":
            for byte in BODY:
                self._send(tls, bytes([byte]))
                if self._stop.wait(self.trickle):
                    return
        else:
            self._send(tls, BODY)

    def _send(self, tls: socket.socket, data: bytes) -> None:
        tls.sendall(data)
        self.sent_bytes += len(data)
