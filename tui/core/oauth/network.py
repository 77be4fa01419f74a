"""HTTP transport failures in words: what went wrong talking to a URL, and what to do.

``network_failure`` names connection refused, DNS failures, timeouts, closed connections,
TLS certificate and handshake failures, and the reply bounds of ``tui.core.oauth.bounded``
in their own wording instead of the exception's text. Every OAuth2 request (token, device,
discovery, revocation, introspection) reports its transport failures through it. Through an
environment proxy (``tui.core.oauth.proxy``) connection failures name the proxy and its
variable (never its credentials), and every message says the proxy was used.
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import httpx

from tui.core.oauth.bounded import MAX_REPLY_BYTES, ReplyTooLarge, UnsupportedProxy, limit_hit
from tui.core.oauth.proxy import ProxyChoice, proxy_for
from tui.core.text import one_line

TIMEOUT_VARIABLE = "TOKENDESK_HTTP_TIMEOUT"
"""The environment variable that sets the network timeout in seconds."""


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception httpx (and httpcore) wrapped."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def network_failure(exc: BaseException, url: str, seconds: float) -> tuple[str, str]:
    """What went wrong talking to ``url`` and the next step, as ``(detail, hint)``.

    Connection refused, DNS failure, timeout, a closed connection, a TLS certificate or
    handshake failure each get their own wording instead of the exception's text.
    """
    parts = urlsplit(url)
    host = parts.hostname or "the server"
    try:
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    except ValueError:
        port = 0
    where = f"{host}:{port}" if port else host
    root = _root_cause(exc)
    via = proxy_for(url)
    if via is not None:
        return _through_proxy(exc, root, via, where, host, seconds)
    return _direct(exc, root, where, host, seconds)


def _through_proxy(
    exc: BaseException,
    root: BaseException,
    via: ProxyChoice,
    where: str,
    host: str,
    seconds: float,
) -> tuple[str, str]:
    proxy = f"the proxy {via.shown} ({via.variable})"
    if isinstance(exc, UnsupportedProxy):
        return (
            f"{proxy} is not supported: only http:// and https:// proxies are",
            f"set {via.variable} to an http:// proxy, or add {host} to NO_PROXY",
        )
    if isinstance(exc, httpx.ProxyError):
        status = one_line(str(exc), 80)  # the proxy's status line: peer text
        hint = (
            f"check the user name and password in {via.variable}"
            if status.startswith("407")
            else f"check {via.variable}, or add {host} to NO_PROXY if it is reachable directly"
        )
        return f"{proxy} refused the connection to {where}: {status}", hint
    if isinstance(root, socket.gaierror):
        # Every connection goes to the proxy: a name or a refusal is the proxy's.
        return f"cannot resolve the host name of {proxy}", f"check {via.variable} and the DNS"
    if isinstance(root, ConnectionRefusedError):
        return (
            f"could not connect to {proxy}: connection refused",
            f"check that the proxy runs and that {via.variable} names its host and port",
        )
    detail, hint = _direct(exc, root, where, host, seconds)
    return f"{detail} (through {proxy})", hint


def _direct(
    exc: BaseException, root: BaseException, where: str, host: str, seconds: float
) -> tuple[str, str]:
    def fail(detail: str, hint: str) -> tuple[str, str]:
        return detail, hint

    bound = limit_hit(exc)
    if isinstance(bound, ReplyTooLarge):
        return fail(
            f"the answer of {host} is larger than {MAX_REPLY_BYTES // 1024} KB; it was not read",
            "check the URL: a token endpoint answers with a few kilobytes",
        )
    if bound is not None:
        partly = "complete " if bound.received else ""
        return fail(
            f"no {partly}answer from {host} within {seconds:g} s",
            f"the server may be down or slow: try again later, or raise {TIMEOUT_VARIABLE}",
        )

    if isinstance(exc, httpx.TimeoutException) or isinstance(root, TimeoutError):
        return fail(
            f"no answer from {host} within {seconds:g} s",
            f"the server may be down or slow: try again later, or raise {TIMEOUT_VARIABLE}",
        )
    if isinstance(root, ssl.SSLCertVerificationError):
        why = getattr(root, "verify_message", "") or "not trusted"
        return fail(
            f"the TLS certificate of {host} was rejected ({why})",
            "check the URL's host name; a private or corporate CA must be trusted by the system",
        )
    if isinstance(root, ssl.SSLError):
        if "WRONG_VERSION_NUMBER" in str(root):
            return fail(
                f"the TLS handshake with {where} failed: the server does not speak TLS there",
                "check the URL: this port may be plain http, not https",
            )
        reason = getattr(root, "reason", None) or type(root).__name__
        return fail(f"the TLS handshake with {where} failed ({reason})", "check the URL")
    if isinstance(root, socket.gaierror):
        return fail(
            f"cannot resolve the host name {host!r}",
            "check the URL's host name and the network (DNS)",
        )
    if isinstance(root, ConnectionRefusedError):
        return fail(
            f"could not connect to {where}: connection refused",
            "check that the server runs and that the URL's host and port are right",
        )
    if isinstance(exc, httpx.RemoteProtocolError) and "without sending" in str(exc):
        return fail(
            f"the server at {host} closed the connection without answering",
            "try again later; if it keeps happening, check the URL",
        )
    if isinstance(root, ConnectionResetError):
        return fail(f"the connection to {where} was reset", "try again later")
    if isinstance(root, OSError) and root.strerror:
        return fail(
            f"could not connect to {where}: {root.strerror[:1].lower()}{root.strerror[1:]}",
            "check the network",
        )
    return fail(
        f"the exchange with {where} failed ({type(exc).__name__})",
        "check the network or try again later",
    )
