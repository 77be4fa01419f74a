"""Only the agent's own user gets an answer: the directory and socket modes keep others out,
and where they would not (loosened modes), the peer-credential check refuses them."""

from __future__ import annotations

import os
import pwd
import socket

import pytest

from tui.core.agent import client

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="needs root to become another user")


def _as_nobody(action) -> bytes:
    """Run ``action()`` (returning bytes) in a forked child that became ``nobody``."""
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os.write(write_end, action())
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(write_end, f"error {type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 4096):
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return data


def _raw_ping(path: str) -> bytes:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    try:
        sock.connect(path)
    except PermissionError:
        return b"permission denied"
    try:
        sock.sendall(b'{"op":"status"}\n')
        reply = sock.recv(65536)
    except (BrokenPipeError, ConnectionResetError):  # closed before or after our request
        reply = b""
    return b"closed without a reply" if reply == b"" else b"answered: " + reply


def test_another_user_is_refused(agent_setup, monkeypatch):
    setup = agent_setup()
    setup.start()
    path = str(setup.socket)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))

    # The lean client does not even talk to a socket another user owns.
    def lean_client() -> bytes:
        return b"none" if client.request({"op": "ping"}) is None else b"reply"

    assert _as_nobody(lean_client) == b"none"
    # The modes keep nobody out of the directory.
    assert _as_nobody(lambda: _raw_ping(path)) == b"permission denied"
    # With the modes loosened (a misconfiguration), the peer check still refuses.
    os.chmod(setup.runtime, 0o711)
    os.chmod(setup.socket.parent, 0o711)
    os.chmod(path, 0o666)
    assert _as_nobody(lambda: _raw_ping(path)) == b"closed without a reply"
    assert setup.status()["refused"] == 1
    # The owner is still served.
    assert setup.cli("token", "Mail").returncode == 0
