"""What every loopback TLS server in the tests needs: a free port and a private CA.

`make_ca` and `make_server_cert` run ``openssl`` (EC P-256 keys) into a directory; the
server certificate names ``localhost`` and ``127.0.0.1`` unless told otherwise.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

__all__ = ["HOST", "free_port", "make_ca", "make_server_cert"]

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
