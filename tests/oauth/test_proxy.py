"""Token requests through the environment's proxy keep the byte cap and the deadline.

A real strict proxy on 127.0.0.1 (tests/support/http_proxy.py) tunnels ``idp.test:443`` to a
hostile TLS token endpoint on 127.0.0.1 (tests/support/hostile_token.py) whose certificate a
test CA (``SSL_CERT_FILE``) vouches for: the client names a host only the proxy resolves, as
behind a corporate proxy. Loopback targets never go through a proxy.
"""

from __future__ import annotations

import socket
import threading

import pytest

from tests.support.fixtures_vault import cli_env, run_cli
from tests.support.hostile_token import ACCESS, REFRESH, HostileTokenEndpoint
from tests.support.http_proxy import ProxiedServers, StrictProxy, clear_proxy_environment
from tests.support.loopback import free_port, make_ca, make_server_cert
from tui.core.errors import TransientError
from tui.core.oauth.device import DeviceFlow
from tui.core.oauth.tokens import fresh_token

TOKEN_URL = "https://idp.test/token"


@pytest.fixture
def certs(tmp_path, monkeypatch):
    """A server certificate for idp.test from a CA that the client trusts (SSL_CERT_FILE)."""
    ca = make_ca(tmp_path / "ca")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca[0]))
    clear_proxy_environment(monkeypatch)
    return make_server_cert(tmp_path / "ca", ca, names=("idp.test",))


@pytest.fixture
def through_proxy(certs, monkeypatch):
    """``start(mode, user="", **proxy_knobs)`` -> (endpoint, proxy); HTTPS_PROXY names it."""
    servers = ProxiedServers(monkeypatch)

    def start(mode="ok", user="", **knobs):
        endpoint = HostileTokenEndpoint(*certs, mode=mode)
        return endpoint, servers.start(endpoint, "idp.test:443", "HTTPS_PROXY", user, **knobs)

    yield start
    servers.close()


def _refresh_fails(session, timeout=5.0) -> TransientError:
    old = session.records.token("Test", "Mail")
    with pytest.raises(TransientError) as err:
        fresh_token(session, "Mail", "Test", force=True, timeout=timeout)
    after = session.reload().token("Test", "Mail")
    assert (after.access_token, after.refresh_token) == (old.access_token, old.refresh_token)
    with session.vault.transaction(timeout=0.5):  # the lock is free again
        pass
    return err.value


def test_a_refresh_goes_through_the_environment_proxy(oauth_session, through_proxy):
    endpoint, proxy = through_proxy("ok")
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    tok = fresh_token(session, "Mail", "Test")
    assert (tok.access_token, tok.refresh_token) == (ACCESS, REFRESH)
    assert proxy.requests == [("CONNECT", "idp.test:443")] and proxy.refusals == []
    assert endpoint.requests == [("POST", "/token")]


def test_a_huge_answer_through_the_proxy_is_not_read_whole(oauth_session, through_proxy):
    endpoint, proxy = through_proxy("huge")
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    err = _refresh_fails(session, timeout=30)
    assert "larger than 1024 KB" in err.message
    assert f"through the proxy http://127.0.0.1:{proxy.port} (HTTPS_PROXY)" in err.message
    assert endpoint.sent_bytes < endpoint.huge_bytes  # the client hung up long before
    assert proxy.refusals == []


def test_a_trickled_answer_through_the_proxy_ends_at_the_deadline(oauth_session, through_proxy):
    through_proxy("trickle")
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    err = _refresh_fails(session, timeout=2.0)
    assert "no complete answer from idp.test within 2 s (through the proxy" in err.message


def test_a_proxy_trickling_its_connect_answer_ends_at_the_deadline(oauth_session, through_proxy):
    through_proxy("ok", connect_trickle=0.5)
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    err = _refresh_fails(session, timeout=1.5)
    assert "within 1.5 s" in err.message


def test_proxy_credentials_are_sent_and_never_shown(oauth_session, through_proxy):
    endpoint, proxy = through_proxy("ok", user="alice:s3cret@", credentials=("alice", "s3cret"))
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    assert fresh_token(session, "Mail", "Test").access_token == ACCESS
    assert proxy.refusals == []
    proxy.credentials = ("alice", "other")
    err = _refresh_fails(session)
    assert err.message.endswith(
        f"the proxy http://127.0.0.1:{proxy.port} (HTTPS_PROXY) refused the connection to "
        "idp.test:443: 407 Proxy Authentication Required"
    )
    assert "user name and password in HTTPS_PROXY" in err.advice
    assert "s3cret" not in err.message + err.advice and "alice" not in err.message


def test_loopback_targets_never_go_through_a_proxy(oauth_session, through_proxy, monkeypatch):
    _, proxy = through_proxy("ok")
    for name in ("HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    session, _ = oauth_session(expires_in=0)  # the test IdP on 127.0.0.1
    tok = fresh_token(session, "Mail", "Test")
    assert tok.access_token and proxy.requests == []


def test_a_socks_proxy_is_refused_by_name(oauth_session, certs, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://bob:pw123@127.0.0.1:1080")
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    err = _refresh_fails(session)
    assert (
        "the proxy socks5://127.0.0.1:1080 (ALL_PROXY) is not supported: only http:// and "
        "https:// proxies are" in err.message
    )
    assert "pw123" not in err.message + err.advice


def test_a_proxy_that_is_not_running(oauth_session, certs, monkeypatch):
    port = free_port()
    monkeypatch.setenv("HTTPS_PROXY", f"127.0.0.1:{port}")  # no scheme: http, as curl
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    err = _refresh_fails(session)
    assert err.message.endswith(
        f"could not connect to the proxy http://127.0.0.1:{port} (HTTPS_PROXY): connection refused"
    )


def test_the_cli_through_a_proxy_gets_one_line_and_keeps_the_tokens(oauth_session, through_proxy):
    through_proxy("huge")
    session, records = oauth_session(expires_in=0, token_url=TOKEN_URL)
    res = run_cli("token", "Mail", env=cli_env(session.path))
    assert res.returncode == 1, res.stderr
    assert "larger than 1024 KB" in res.stderr and "Traceback" not in res.stderr
    kept = session.reload().token("Test", "Mail")
    assert kept.refresh_token == records.token("Test", "Mail").refresh_token


def test_a_proxy_that_cannot_reach_the_server(oauth_session, certs, monkeypatch):
    with StrictProxy(routes={"idp.test:443": free_port()}) as proxy:  # nothing listens there
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
        err = _refresh_fails(session)
    assert err.message.endswith("refused the connection to idp.test:443: 502 Bad Gateway")
    assert "add idp.test to NO_PROXY" in err.advice


def test_a_hostile_proxy_status_line_reaches_no_terminal(oauth_session, certs, monkeypatch):
    """The proxy's reason phrase is peer text: control sequences are removed."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 403 \x1b]52;c;aGk=\x07Denied\x1b[2J\xc2\x9b\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.getsockname()[1]}")
    session, _ = oauth_session(expires_in=0, token_url=TOKEN_URL)
    try:
        err = _refresh_fails(session)
    finally:
        thread.join(10)
        server.close()
    assert "refused the connection to idp.test:443: 403" in err.message
    assert "\x1b" not in err.message and "\x07" not in err.message and "\x9b" not in err.message


def test_the_device_request_through_the_proxy_is_capped_too(oauth_session, through_proxy):
    _, proxy = through_proxy("huge")
    session, records = oauth_session(tokens=False, device_authorization_url=TOKEN_URL)
    with pytest.raises(TransientError, match="larger than 1024 KB"):
        DeviceFlow(records.get_oauth("Mail"), session=session, env="Test", http_timeout=30)
    assert proxy.requests == [("CONNECT", "idp.test:443")]
