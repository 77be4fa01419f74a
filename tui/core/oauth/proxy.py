"""Which proxy an OAuth request goes through: the environment's, as curl and httpx read it.

Users behind a corporate proxy set ``HTTPS_PROXY`` (or ``ALL_PROXY``, ``HTTP_PROXY``) and
``NO_PROXY``; the bounded transport (``tui.core.oauth.bounded``) honours them itself, so the
byte cap and the deadline hold through the proxy too (httpx leaves out the environment's
proxies once a transport is given, and its own proxy transport would not be bounded).

Rules (``proxy_for(url)``):

* the variables are read with ``urllib.request.getproxies`` (lower case first, as curl;
  ``HTTP_PROXY`` is ignored in a CGI request), ``ALL_PROXY`` when the scheme has none;
* ``NO_PROXY`` (``*``, host names matching as a suffix at a dot, ``host:port``) goes direct;
* loopback targets (exactly ``localhost`` and literal loopback addresses) always go direct:
  a proxy would reach its own loopback, not ours, and the tokens would leave the machine;
* only ``http://`` and ``https://`` proxies are supported; any other (``socks5://``) is
  refused with a clear error rather than silently bypassed.

Nothing here shows a proxy's user name or password: ``ProxyChoice.shown`` is scheme, host
and port.
"""

from __future__ import annotations

import dataclasses
import urllib.request
from urllib.parse import urlsplit

from tui.core.models.base import is_loopback_host
from tui.core.text import one_line

SUPPORTED_SCHEMES = ("http", "https")


@dataclasses.dataclass(frozen=True)
class ProxyChoice:
    """The proxy for one request."""

    url: str
    """The proxy URL as configured (may hold credentials: never show it)."""
    variable: str
    """The environment variable that named it (``HTTPS_PROXY``...)."""
    shown: str
    """``scheme://host:port`` of the proxy, safe to show."""
    supported: bool
    """False for a scheme the transport cannot speak (``socks5``...) or a broken URL."""


def proxy_for(url: str) -> ProxyChoice | None:
    """The environment's proxy for a request to ``url``, or None to connect directly."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    if not host or is_loopback_host(host):
        return None
    proxies = urllib.request.getproxies()
    key = parts.scheme if proxies.get(parts.scheme) else "all"
    configured = proxies.get(key)
    if not configured:
        return None
    if urllib.request.proxy_bypass(parts.netloc.rpartition("@")[2]):
        return None
    if "://" not in configured:
        configured = f"http://{configured}"  # HTTPS_PROXY=host:3128, as curl reads it
    return ProxyChoice(
        url=configured,
        variable=f"{key.upper()}_PROXY",
        shown=_shown(configured),
        supported=_usable(configured),
    )


def _usable(proxy_url: str) -> bool:
    """An http(s) proxy URL with a host and a valid port (if any)."""
    try:
        parts = urlsplit(proxy_url)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme.lower() in SUPPORTED_SCHEMES and bool(parts.hostname)


def _shown(proxy_url: str) -> str:
    """``scheme://host:port`` of a proxy URL, without its user name and password."""
    try:
        parts = urlsplit(proxy_url)
        host, port = parts.hostname or "?", parts.port
    except ValueError:
        return "an unreadable proxy URL"
    host = f"[{host}]" if ":" in host else host
    return one_line(f"{parts.scheme}://{host}" + (f":{port}" if port else ""), 200)
