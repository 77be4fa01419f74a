"""Network failures talking to the token and device endpoints get clean one-line messages
(no exception class names or errno texts) with a short hint; old tokens are kept.

Real sockets on loopback: a stopped IdP (refused), the IdP closing the connection, a silent
listener (timeout), a TLS listener with an untrusted certificate, https against the IdP's
plain http port, and an unresolvable host name.
"""

from __future__ import annotations

import socket

import pytest

from tests.support.loopback import make_ca, make_server_cert
from tests.support.tls import tls_listener
from tui.core.errors import TransientError
from tui.core.oauth.device import DeviceFlow
from tui.core.oauth.tokens import fresh_token


def tls_server(tmp_path):
    """A loopback TLS listener whose certificate no system CA trusts."""
    ca = make_ca(tmp_path / "ca", "untrusted test CA")
    cert, key = make_server_cert(tmp_path / "ca", ca)
    return tls_listener(cert, key, lambda tls: tls.recv(100))


def refresh_error(session, timeout: float = 5) -> TransientError:
    with pytest.raises(TransientError) as err:
        fresh_token(session, "Mail", "Test", timeout=timeout)
    assert "Error" not in err.value.message and "Errno" not in err.value.message
    assert err.value.advice.endswith("; the old tokens were kept")
    return err.value


def test_connection_refused(oauth_session, idp):
    session, records = oauth_session(expires_in=0)
    port = idp.port
    idp.stop()
    err = refresh_error(session)
    assert err.message == (
        f"token request for 'Mail' failed: could not connect to 127.0.0.1:{port}: "
        "connection refused"
    )
    assert err.advice.startswith("check that the server runs and that the URL's host and port")
    kept = session.reload().token("Test", "Mail")
    assert kept.refresh_token == records.token("Test", "Mail").refresh_token


def test_server_closes_the_connection(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    idp.token_fault = "disconnect"
    err = refresh_error(session)
    assert err.message == (
        "token request for 'Mail' failed: the server at 127.0.0.1 closed the connection "
        "without answering"
    )


def test_no_answer_in_time(oauth_session):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/token"
        session, _ = oauth_session(expires_in=0, token_url=url)
        err = refresh_error(session, timeout=0.3)
    finally:
        silent.close()
    assert err.message == "token request for 'Mail' failed: no answer from 127.0.0.1 within 0.3 s"
    assert "TOKENDESK_HTTP_TIMEOUT" in err.advice


def test_untrusted_certificate(oauth_session, tmp_path):
    with tls_server(tmp_path) as port:
        session, _ = oauth_session(expires_in=0, token_url=f"https://127.0.0.1:{port}/token")
        err = refresh_error(session)
    assert err.message.startswith(
        "token request for 'Mail' failed: the TLS certificate of 127.0.0.1 was rejected ("
    )
    assert "CA must be trusted" in err.advice


def test_https_against_a_plain_http_port(oauth_session, idp):
    url = idp.token_url.replace("http://", "https://")
    session, _ = oauth_session(expires_in=0, token_url=url)
    err = refresh_error(session)
    assert err.message == (
        f"token request for 'Mail' failed: the TLS handshake with 127.0.0.1:{idp.port} failed: "
        "the server does not speak TLS there"
    )
    assert "plain http" in err.advice


def test_unresolvable_host(oauth_session):
    session, _ = oauth_session(expires_in=0, token_url="https://no-such-host.invalid/token")
    err = refresh_error(session)
    assert err.message == (
        "token request for 'Mail' failed: cannot resolve the host name 'no-such-host.invalid'"
    )


def test_device_request_failure_names_the_device_request(oauth_session, idp):
    session, records = oauth_session(tokens=False)
    port = idp.port
    idp.stop()
    with pytest.raises(TransientError) as err:
        DeviceFlow(records.get_oauth("Mail"), session=session, env="Test", http_timeout=5)
    assert err.value.message == (
        f"device authorization request for 'Mail' failed: could not connect to "
        f"127.0.0.1:{port}: connection refused"
    )
    assert "old tokens" not in err.value.advice


def test_cli_shows_the_clean_message(oauth_session, idp, cli):
    oauth_session(expires_in=0)
    port = idp.port
    idp.stop()
    res = cli("token", "Mail")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr == (
        f"tokendesk: token request for 'Mail' failed: could not connect to 127.0.0.1:{port}: "
        "connection refused\n"
        "tokendesk: hint: check that the server runs and that the URL's host and port are "
        "right; the old tokens were kept\n"
    )
    res = cli("authorize", "Mail", "--device")
    assert res.returncode == 1
    assert res.stderr.startswith(
        "tokendesk: device authorization request for 'Mail' failed: could not connect to "
    )
    assert "old tokens" not in res.stderr
