"""The hostile servers' accept loop ends with ``stop()`` and never outlives its socket.

A loop left blocked in ``accept()`` on a closed socket kept the old port listening and, once
a signal made the kernel restart that ``accept()``, took the connections of whichever socket
got the descriptor number next (the session IdP's, in full runs: "connection reset" on
POST /token in a random mail or TUI test).
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator

import pytest

from tests.support.hostile_imap import HostileImap
from tests.support.loopback import HOST


def _greeted(port: int) -> None:
    """One session, so the accept loop has gone round and waits in ``accept()`` again."""
    with socket.create_connection((HOST, port), timeout=10) as conn:
        assert conn.recv(100).startswith(b"* OK")


@pytest.fixture
def restarting_signal() -> Iterator[signal.Signals]:
    """SIGUSR1 with a handler whose interrupted system calls the kernel restarts
    (SA_RESTART, as ``asyncio``'s signal handlers install them)."""
    sig = signal.SIGUSR1
    old = signal.signal(sig, lambda *_: None)
    signal.siginterrupt(sig, False)
    try:
        yield sig
    finally:
        signal.signal(sig, old)


def test_stop_ends_the_accept_loop_and_frees_the_port() -> None:
    server = HostileImap()
    with server:
        port = server.port
        _greeted(port)
    assert not server._thread.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, port), timeout=10).close()


def test_a_stopped_server_takes_no_connection_of_the_next_listener(
    restarting_signal: signal.Signals,
) -> None:
    server = HostileImap()
    with server:
        _greeted(server.port)
    # Usually the lowest free number is the server's old one, as it was the IdP's in full runs.
    listener = socket.create_server((HOST, 0))
    try:
        if server._thread.is_alive():  # a stale loop: restart its accept() on the new socket
            signal.pthread_kill(server._thread.ident or 0, restarting_signal)
        with socket.create_connection(listener.getsockname(), timeout=10):
            listener.settimeout(10)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                pytest.fail("the stopped server accepted the new listener's connection")
            conn.close()
    finally:
        listener.close()
