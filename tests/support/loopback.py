"""What every loopback server in the tests needs: a free port, a private CA, a session loop.

`make_ca` and `make_server_cert` run ``openssl`` (EC P-256 keys) into a directory; the
server certificate names ``localhost`` and ``127.0.0.1`` unless told otherwise.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

__all__ = ["HOST", "SessionServer", "free_port", "make_ca", "make_server_cert"]

HOST = "127.0.0.1"


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def make_ca(directory: Path, name: str = "tokendesk test CA") -> tuple[Path, Path]:
    """Create a self-signed CA in ``directory``; return ``(cert, key)`` paths."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "ca.crt", directory / "ca.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key.name, "-out", cert.name, "-days", "3650", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    return cert, key


def make_server_cert(
    directory: Path,
    ca: tuple[Path, Path],
    names: tuple[str, ...] = ("localhost", "127.0.0.1"),
    stem: str = "server",
) -> tuple[Path, Path]:
    """Issue a server certificate signed by ``ca`` for DNS names/IP addresses ``names``."""
    san = ",".join(
        (f"IP:{n}" if n.replace(".", "").isdigit() or ":" in n else f"DNS:{n}") for n in names
    )
    cert, key, csr = directory / f"{stem}.crt", directory / f"{stem}.key", directory / f"{stem}.csr"
    ext = directory / f"{stem}.ext"
    ext.write_text(
        f"subjectAltName={san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
    )
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key.name, "-out", csr.name, "-subj", f"/CN={names[0]}",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", csr.name, "-CA", str(ca[0]), "-CAkey", str(ca[1]),
        "-CAcreateserial", "-out", cert.name, "-days", "825", "-extfile", ext.name,
        cwd=directory,
    )  # fmt: skip
    csr.unlink()
    return cert, key


class SessionServer:
    """A TCP server on 127.0.0.1 that runs `_session` for each connection in a daemon thread.

    Subclasses set their knobs (plain attributes) before calling ``__init__`` with the
    caller's ``knobs``, which may only change existing ones. Use as a context manager.
    """

    def __init__(self, **knobs: Any) -> None:
        for key, value in knobs.items():
            if not hasattr(self, key):
                raise AttributeError(key)
            setattr(self, key, value)
        self._sock = socket.create_server((HOST, 0))
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, tell the sessions to end, and free the port.

        The accept loop is woken and joined before the socket is closed. Closing alone
        leaves the loop blocked in ``accept()`` on the closed descriptor (Linux does not wake
        it) and the port listening; when a signal later interrupts that ``accept()`` (a
        child's SIGCHLD, in the traced case), the kernel restarts it with the same
        descriptor number, which by then names another socket: in full test runs, the
        session IdP's, whose connections the dead server then took and answered with an
        IMAP greeting and a reset.
        """
        self._stop.set()
        with contextlib.suppress(OSError):  # never started, or already stopped
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept() (EINVAL)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if not self._thread.is_alive():  # else keep the number taken rather than reuse it
            self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        raise NotImplementedError
