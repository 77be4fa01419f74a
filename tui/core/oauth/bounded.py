"""HTTP exchanges with a hard overall deadline and a byte cap, enforced at the socket.

httpx's timeouts apply to each read, so a server that trickles one byte every few seconds
(headers or body) keeps a request alive forever, and a 100 MB answer is read whole. The
token refresh runs under the vault lock, so either would hold the lock without bound.

``bounded_transport(seconds, max_bytes)`` returns an httpx transport whose every
socket operation (connect, TLS handshake, write, read) gets at most the time left until one
deadline, and whose reads stop once ``max_bytes`` arrived (headers included). Going past
either raises ``DeadlineExceeded`` (seen by httpx as a timeout) or ``ReplyTooLarge`` (a read
error); ``limit_hit(exc)`` finds them behind httpx's wrapping. One transport serves one
exchange: the deadline starts when it is made. Requests go through the environment's proxy
(``tui.core.oauth.proxy``) within the same bounds; an unusable proxy raises
``UnsupportedProxy`` (an ``httpx.ProxyError``).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from tui.core.oauth.proxy import ProxyChoice, proxy_for

MAX_REPLY_BYTES = 1024 * 1024
"""A token reply is a few kilobytes; one mebibyte is far more than any real one."""


class DeadlineExceeded(httpcore.ReadTimeout):
    """The exchange did not finish before its deadline (``received`` bytes had arrived)."""

    def __init__(self, message: str, received: int) -> None:
        super().__init__(message)
        self.received = received


class ReplyTooLarge(httpcore.ReadError):
    """The server sent more than the exchange's byte cap."""


class _Budget:
    def __init__(self, seconds: float, max_bytes: int) -> None:
        self.seconds, self.max_bytes = seconds, max_bytes
        self.deadline = time.monotonic() + seconds
        self.received = 0

    def timeout(self, asked: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(f"no complete answer within {self.seconds:g} s", self.received)
        return left if asked is None else min(asked, left)

    def count(self, size: int) -> None:
        self.received += size
        if self.received > self.max_bytes:
            raise ReplyTooLarge(f"the answer is larger than {self.max_bytes} bytes")


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, budget: _Budget) -> None:
        self._inner, self._budget = inner, budget

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data = self._inner.read(max_bytes, self._budget.timeout(timeout))
        except httpcore.ReadTimeout:
            self._budget.timeout(None)  # past the deadline: say so rather than "slow read"
            raise
        self._budget.count(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._budget.timeout(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._budget.timeout(timeout))
        return _Stream(inner, self._budget)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, budget: _Budget) -> None:
        self._inner, self._budget = inner, budget

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self._budget.timeout(timeout), local_address, socket_options
        )
        return _Stream(stream, self._budget)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, self._budget.timeout(timeout), socket_options
        )
        return _Stream(stream, self._budget)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class UnsupportedProxy(httpx.ProxyError):
    """The environment names a proxy the transport cannot use (``choice`` says which)."""

    def __init__(self, choice: ProxyChoice) -> None:
        super().__init__(f"unsupported proxy {choice.shown} in {choice.variable}")
        self.choice = choice


class _BoundedTransport(httpx.BaseTransport):
    """Routes each request directly or through the environment's proxy (``proxy_for``);
    every route's connections share one budget."""

    def __init__(self, budget: _Budget) -> None:
        self._budget = budget
        self._routes: dict[str | None, httpx.HTTPTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        choice = proxy_for(str(request.url))
        if choice is not None and not choice.supported:
            raise UnsupportedProxy(choice)
        key = choice.url if choice is not None else None
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = httpx.HTTPTransport(proxy=key)
            # httpx builds its httpcore pool (a proxy pool too) without a way to pass a
            # network backend; the pool keeps it in ``_network_backend`` (httpcore 1.x) and
            # hands it to every connection, the proxy's included.
            # tests/oauth/test_bounds.py and test_proxy.py fail if that ever stops working.
            pool = route._pool
            pool._network_backend = _Backend(pool._network_backend, self._budget)
        return route.handle_request(request)

    def close(self) -> None:
        for route in self._routes.values():
            route.close()


def bounded_transport(seconds: float, max_bytes: int = MAX_REPLY_BYTES) -> httpx.BaseTransport:
    """A transport for one exchange that ends within ``seconds`` and reads <= ``max_bytes``.

    It goes through the environment's proxy where ``proxy_for`` says so (the bounds count
    every byte from the proxy: its CONNECT answer, the TLS inside the tunnel, the reply).
    """
    return _BoundedTransport(_Budget(seconds, max_bytes))


def limit_hit(exc: BaseException) -> DeadlineExceeded | ReplyTooLarge | None:
    """The bound that ended ``exc`` (an httpx error wraps it as its cause), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DeadlineExceeded | ReplyTooLarge):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
