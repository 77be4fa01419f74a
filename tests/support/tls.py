"""A real TLS listener on loopback, for certificates one Dovecot or the IdP cannot present."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def tls_listener(
    cert: Path, key: Path, on_connect: Callable[[ssl.SSLSocket], None]
) -> Iterator[int]:
    """Serve TLS with ``cert`` on 127.0.0.1; after each handshake call ``on_connect``.

    Yields the port. Handshake failures (the client refusing the certificate) are the point
    of most tests, so they are swallowed.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    on_connect(tls)
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        srv.close()
