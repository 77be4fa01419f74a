"""The strict test proxy refuses malformed requests, and forwarding stays bounded too.

The proxy (tests/support/http_proxy.py) must be as strict as real ones, or a client bug
would pass unseen: each malformed request gets its status and is recorded. Plain http://
requests through an ``HTTP_PROXY`` go in absolute form (forwarding, not CONNECT); the
bounded transport caps and times them out the same way.
"""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.support.hostile_token import ACCESS, HostileTokenEndpoint
from tests.support.http_proxy import ProxiedServers, StrictProxy, clear_proxy_environment
from tui.core.oauth.bounded import DeadlineExceeded, ReplyTooLarge, bounded_transport, limit_hit
from tui.core.oauth.proxy import proxy_for

GOOD = b"CONNECT idp.test:443 HTTP/1.1\r\nHost: idp.test:443\r\n\r\n"


def _exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /token HTTP/1.1\r\nHost: idp.test\r\n\r\n", 400),  # origin form
        (b"GET https://idp.test/token HTTP/1.1\r\nHost: idp.test\r\n\r\n", 400),
        (b"GET http://plain.test/ HTTP/1.1\r\nHost: other.test\r\n\r\n", 400),
        (b"CONNECT idp.test HTTP/1.1\r\nHost: idp.test\r\n\r\n", 400),  # no port
        (b"CONNECT idp.test:443 HTTP/1.1\r\n\r\n", 400),  # no Host
        (b"CONNECT idp.test:443 HTTP/1.1\nHost: idp.test:443\n\n", 400),  # bare LF
        (b"CONNECT idp.test:443 HTTP/1.0\r\nHost: idp.test:443\r\n\r\n", 400),
        (b"CONNECT  idp.test:443 HTTP/1.1\r\nHost: idp.test:443\r\n\r\n", 400),
        (GOOD[:-2] + b"Host: x.test:443\r\n\r\n", 400),  # two Host headers
        (b"CONNECT idp.test:443 HTTP/1.1\r\nHost : idp.test:443\r\n\r\n", 400),
        (GOOD[:-2] + b" folded: yes\r\n\r\n", 400),  # obsolete line folding
        (b"CONNECT idp.test:443 HTTP/1.1\r\nHost: other.test:443\r\n\r\n", 400),
        (GOOD[:-2] + b"Content-Length: 2\r\n\r\nhi", 400),  # CONNECT with a body
        (b"CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n", 403),
        (GOOD[:-2] + b"X-Pad: " + b"a" * 20000 + b"\r\n\r\n", 431),
    ],
    ids=lambda value: repr(value[:48]) if isinstance(value, bytes) else None,
)
def test_malformed_requests_are_refused_and_recorded(raw, status):
    with StrictProxy(routes={"idp.test:443": 9}) as proxy:
        answer = _exchange(proxy.port, raw)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode())
    assert len(proxy.refusals) == 1 and proxy.requests == []


def test_missing_credentials_get_407():
    with StrictProxy(routes={"idp.test:443": 9}, credentials=("u", "p")) as proxy:
        answer = _exchange(proxy.port, GOOD)
    assert answer.startswith(b"HTTP/1.1 407 ") and b"Proxy-Authenticate: Basic" in answer


@pytest.fixture
def plain(monkeypatch):
    """``start(mode)`` -> (endpoint, proxy): HTTP_PROXY forwards plain.test to the endpoint."""
    servers = ProxiedServers(monkeypatch)

    def start(mode):
        endpoint = HostileTokenEndpoint(None, None, mode=mode)
        return endpoint, servers.start(endpoint, "plain.test:80", "HTTP_PROXY")

    yield start
    servers.close()


def _post(seconds: float) -> httpx.Response:
    with httpx.Client(transport=bounded_transport(seconds)) as client:
        return client.post("http://plain.test/token", data={"grant_type": "x"})


def test_forwarding_through_an_http_proxy(plain):
    endpoint, proxy = plain("ok")
    assert _post(5).json()["access_token"] == ACCESS
    assert proxy.requests == [("POST", "http://plain.test/token")] and proxy.refusals == []
    assert endpoint.requests == [("POST", "/token")]


def test_a_forwarded_huge_answer_hits_the_cap(plain):
    endpoint, _ = plain("huge")
    with pytest.raises(httpx.HTTPError) as err:
        _post(30)
    assert isinstance(limit_hit(err.value), ReplyTooLarge)
    assert endpoint.sent_bytes < endpoint.huge_bytes


def test_a_forwarded_trickle_hits_the_deadline(plain):
    plain("trickle")
    with pytest.raises(httpx.HTTPError) as err:
        _post(1.0)
    assert isinstance(limit_hit(err.value), DeadlineExceeded)


@pytest.mark.parametrize(
    ("env", "url", "expected"),
    [
        ({"HTTPS_PROXY": "http://p:3128"}, "https://idp.test/t", "http://p:3128"),
        ({"HTTPS_PROXY": "p:3128"}, "https://idp.test/t", "http://p:3128"),
        ({"ALL_PROXY": "http://p:1"}, "https://idp.test/t", "http://p:1"),
        ({"HTTP_PROXY": "http://p:1"}, "https://idp.test/t", None),  # http only
        ({"HTTPS_PROXY": "http://p:1"}, "https://127.0.0.1:8443/t", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://localhost/t", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://[::1]/t", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://evil.localhost/t", "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, "https://idp.test/t", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".test"}, "https://idp.test/t", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "idp.test"}, "https://a.idp.test/", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "dp.test"}, "https://idp.test/", "http://p:1"),
    ],
)
def test_proxy_for(monkeypatch, env, url, expected):
    clear_proxy_environment(monkeypatch)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    choice = proxy_for(url)
    assert (choice.url if choice else None) == expected


def test_proxy_for_never_shows_credentials(monkeypatch):
    clear_proxy_environment(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://bob:hunter2@proxy.corp:3128")
    choice = proxy_for("https://idp.test/")
    assert choice.shown == "http://proxy.corp:3128" and choice.variable == "HTTPS_PROXY"
    assert choice.supported
