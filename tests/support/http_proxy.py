"""A strict HTTP proxy on 127.0.0.1: CONNECT tunnels and absolute-form forwarding.

``StrictProxy(routes={"idp.test:443": port})`` (a context manager) forwards only to the
routes it is given, each a port on 127.0.0.1: the client names a host the proxy resolves,
as behind a real corporate proxy, and no test traffic leaves loopback.

It refuses what strict proxies (Squid, Envoy, HAProxy) refuse, and records each refusal in
``refusals`` (a test that did not mean to send one should assert it stays empty):

* a request head over 16 KiB (431), a bare LF or CR, a request line other than
  ``METHOD SP target SP HTTP/1.1``, a header field name that is not a token or has space
  before its colon, obsolete line folding, a second ``Host``, no ``Host`` (400);
* CONNECT to anything but ``host:port`` or with a body; ``Host`` differing from the target;
* a non-CONNECT request not in absolute form ``http://host[:port]/path`` (a request for
  ``https://`` must use CONNECT); ``Host`` differing from the URI's authority (400);
* a destination that is not in ``routes`` (403) or does not answer (502), missing or
  wrong ``Proxy-Authorization`` when ``credentials=(user, password)`` is set (407 with
  ``Proxy-Authenticate``).

Accepted requests are logged in ``requests`` as ``(method, target)``. Knobs:
``connect_trickle`` (seconds between the bytes of the CONNECT answer, 0 = at once).

For tests: ``clear_proxy_environment(monkeypatch)`` removes every proxy variable;
``ProxiedServers(monkeypatch).start(server, "idp.test:443", "HTTPS_PROXY")`` starts a server
(any ``SessionServer``) behind a new proxy named by the variable; ``close()`` stops them all.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
from typing import Any

import pytest

from tests.support.loopback import HOST, SessionServer

MAX_HEAD = 16 * 1024
BARE_LF = re.compile(rb"(?<!\r)\n")
TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
AUTHORITY = re.compile(rb"([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})")
ABSOLUTE = re.compile(rb"http://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?(/[^ ]*)")


class Refused(Exception):
    """A request the proxy refuses: ``status`` and why."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


class StrictProxy(SessionServer):
    """See the module docstring."""

    def __init__(self, **knobs: Any) -> None:
        self.routes: dict[str, int] = {}
        self.credentials: tuple[str, str] | None = None
        self.connect_trickle = 0.0
        self.requests: list[tuple[str, str]] = []
        self.refusals: list[str] = []
        super().__init__(**knobs)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with conn:
            try:
                method, target, headers, rest = self._read_head(conn)
                if method == b"CONNECT":
                    self._tunnel(conn, target, headers, rest)
                else:
                    self._forward(conn, method, target, headers, rest)
            except Refused as exc:
                self.refusals.append(str(exc))
                with contextlib.suppress(OSError):
                    conn.sendall(_refusal(exc.status))
                    _linger(conn)
            except OSError:
                return

    # ------------------------------------------------------------------ parsing
    def _read_head(self, conn: socket.socket) -> tuple[bytes, bytes, dict[bytes, bytes], bytes]:
        buf = b""
        while b"\r\n\r\n" not in buf:
            if len(buf) > MAX_HEAD:
                raise Refused(431, "request head too large")
            chunk = conn.recv(4096)
            if not chunk:
                raise OSError("closed before the end of the head")
            buf += chunk
            if BARE_LF.search(buf.split(b"\r\n\r\n", 1)[0]):  # the head only
                raise Refused(400, "a line ends in a bare LF")
        head, rest = buf.split(b"\r\n\r\n", 1)
        if len(head) > MAX_HEAD:
            raise Refused(431, "request head too large")
        lines = head.split(b"\r\n")
        if any(b"\r" in line for line in lines):
            raise Refused(400, "a bare CR")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or parts[2] != b"HTTP/1.1" or not TOKEN.fullmatch(parts[0]):
            raise Refused(400, f"bad request line {lines[0][:80]!r}")
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t"):
                raise Refused(400, "obsolete line folding")
            name, colon, value = line.partition(b":")
            if not colon or not TOKEN.fullmatch(name):
                raise Refused(400, f"bad header line {line[:40]!r}")
            key = name.lower()
            if key == b"host" and key in headers:
                raise Refused(400, "two Host headers")
            headers[key] = value.strip(b" \t")
        if b"host" not in headers:
            raise Refused(400, "no Host header")
        self._authorize(headers)
        return parts[0], parts[1], headers, rest

    def _authorize(self, headers: dict[bytes, bytes]) -> None:
        if self.credentials is None:
            return
        user, password = self.credentials
        expected = b"Basic " + base64.b64encode(f"{user}:{password}".encode())
        if headers.get(b"proxy-authorization") != expected:
            raise Refused(407, "missing or wrong proxy credentials")

    def _route(self, authority: bytes) -> int:
        port = self.routes.get(authority.decode("ascii").lower())
        if port is None:
            raise Refused(403, f"destination {authority.decode('ascii')!r} not allowed")
        return port

    # ------------------------------------------------------------------ relaying
    def _tunnel(
        self, conn: socket.socket, target: bytes, headers: dict[bytes, bytes], rest: bytes
    ) -> None:
        if not AUTHORITY.fullmatch(target):
            raise Refused(400, f"CONNECT target {target[:80]!r} is not host:port")
        if headers[b"host"].lower() != target.lower():
            raise Refused(400, "Host differs from the CONNECT target")
        if b"content-length" in headers or b"transfer-encoding" in headers or rest:
            raise Refused(400, "CONNECT with a body")
        upstream = _connect(self._route(target))
        self.requests.append(("CONNECT", target.decode("ascii")))
        answer = b"HTTP/1.1 200 Connection established\r\n\r\n"
        if self.connect_trickle:
            for byte in answer:
                conn.sendall(bytes([byte]))
                if self._stop.wait(self.connect_trickle):
                    return
        else:
            conn.sendall(answer)
        _pipe(conn, upstream)

    def _forward(
        self,
        conn: socket.socket,
        method: bytes,
        target: bytes,
        headers: dict[bytes, bytes],
        rest: bytes,
    ) -> None:
        match = ABSOLUTE.fullmatch(target)
        if match is None:
            raise Refused(400, f"target {target[:80]!r} is not an absolute http:// URI")
        host, port, path = match.group(1), match.group(2) or b"80", match.group(3)
        authority = host + b":" + port
        if headers[b"host"].lower() not in (host.lower(), authority.lower()):
            raise Refused(400, "Host differs from the request URI")
        if b"transfer-encoding" in headers:
            raise Refused(400, "chunked request bodies are not forwarded")
        upstream = _connect(self._route(authority))
        self.requests.append((method.decode("ascii"), target.decode("ascii")))
        hop = {b"proxy-authorization", b"proxy-connection", b"connection", b"keep-alive"}
        lines = [method + b" " + path + b" HTTP/1.1"]
        lines += [k + b": " + v for k, v in headers.items() if k not in hop]
        lines.append(b"Connection: close")
        upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + rest)
        _pipe(conn, upstream)


def _connect(port: int) -> socket.socket:
    try:
        return socket.create_connection((HOST, port), timeout=10)
    except OSError as exc:
        raise Refused(502, f"upstream 127.0.0.1:{port} unreachable") from exc


def _refusal(status: int) -> bytes:
    reason = {
        400: "Bad Request",
        403: "Forbidden",
        407: "Proxy Authentication Required",
        431: "Request Header Fields Too Large",
        502: "Bad Gateway",
    }[status]
    extra = 'Proxy-Authenticate: Basic realm="test"\r\n' if status == 407 else ""
    return (
        f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode()


def _linger(conn: socket.socket) -> None:
    """Half-close and drain what the client still sends (at most 1 MiB, 1 s per read), so
    closing does not reset the connection before the client read the refusal."""
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(1)
    drained = 0
    while drained < 1 << 20 and (chunk := conn.recv(65536)):
        drained += len(chunk)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy both ways until either side closes (the other side is then shut down)."""

    def copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    client.settimeout(None)
    upstream.settimeout(None)
    back = threading.Thread(target=copy, args=(upstream, client), daemon=True)
    back.start()
    with upstream:
        copy(client, upstream)
        back.join()


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def clear_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every proxy variable (either case) for the test."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


class ProxiedServers:
    """Servers behind strict proxies for one test (see the module docstring)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._running: list[SessionServer] = []
        clear_proxy_environment(monkeypatch)

    def start(
        self, server: SessionServer, authority: str, variable: str, user: str = "", **knobs: Any
    ) -> StrictProxy:
        """Start ``server`` and a proxy routing ``authority`` to it; ``variable`` names the
        proxy (``user`` is put before its address: ``"name:password@"``)."""
        self._running.append(server.__enter__())
        proxy = StrictProxy(routes={authority: server.port}, **knobs).__enter__()
        self._running.append(proxy)
        self._monkeypatch.setenv(variable, f"http://{user}{HOST}:{proxy.port}")
        return proxy

    def close(self) -> None:
        for server in self._running:
            server.stop()
