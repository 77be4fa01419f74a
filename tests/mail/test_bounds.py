"""A hostile IMAP server cannot grow memory or time without bound: literal cap, byte cap
and an overall deadline for each operation (timeouts alone are per read)."""

from __future__ import annotations

import pytest

from tests.support.hostile_imap import HostileImap
from tui.core.mail import bounds
from tui.core.mail.auth import Credential
from tui.core.mail.client import MailClient
from tui.core.mail.errors import MailProtocolError, MailTimeout
from tui.core.mail.settings import ConnectionSettings


def _client(server, timeout=0.5):
    client = MailClient(ConnectionSettings("127.0.0.1", server.port, "imap", username="u",
                                           allow_plaintext=True, timeout=timeout))  # fmt: skip
    client.connect()
    client.login(Credential.password("pw-secret-1"))
    return client


def test_a_huge_literal_is_refused_before_it_is_read():
    with HostileImap(fetch_mode="huge_literal") as server, _client(server) as client:
        with pytest.raises(MailProtocolError, match="announced 3000000000 bytes") as err:
            client.message(1)
        assert "while opening message" in err.value.message or "while" in err.value.message
        with pytest.raises(MailProtocolError):  # the connection is not reused half-read
            client.folders()


def test_an_endless_list_ends_at_the_deadline():
    with HostileImap(list_mode="endless", trickle=0.01) as server, _client(server) as client:
        with pytest.raises(MailTimeout, match="within 2 s while listing folders"):
            client.folders()


def test_an_endless_fast_list_ends_at_the_byte_cap(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_COMMAND_BYTES", 1024 * 1024)
    with HostileImap(list_mode="endless") as server, _client(server, timeout=30) as client:
        with pytest.raises(MailProtocolError, match="sent more than 1 MB while listing"):
            client.folders()
        assert server.sent_bytes < 64 * 1024 * 1024


def test_normal_answers_pass():
    with HostileImap(list_mode="hostile", text="x") as server, _client(server) as client:
        assert [f.name for f in client.folders()][0] == "INBOX"
        assert client.message(1) is not None


def test_pop3_reads_are_bounded_by_the_deadline_too():
    """The same budget bounds POP3: a CAPA answer that never ends, one line at a time."""
    import socket
    import threading
    import time

    from tui.core.mail.pop3 import Pop3Client

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"+OK hostile POP3\r\n")
            conn.recv(100)  # CAPA
            conn.sendall(b"+OK\r\n")
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    conn.sendall(b"X-CAP%d\r\n" % n)
                except OSError:
                    return
                time.sleep(0.01)

    threading.Thread(target=serve, daemon=True).start()
    port = listener.getsockname()[1]
    client = Pop3Client(ConnectionSettings("127.0.0.1", port, "pop3", allow_plaintext=True,
                                           timeout=0.5))  # fmt: skip
    try:
        with pytest.raises(MailTimeout, match="within 2 s while connecting"):
            client.connect()
    finally:
        stop.set()
        listener.close()
        client.close()
