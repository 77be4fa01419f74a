"""AuthorizationAttempt end to end: test browser -> test IdP -> loopback callback -> vault."""

from __future__ import annotations

import http.client
import socket
import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import visit
from tests.support.idp import PUBLIC_CLIENT
from tui.core.errors import AuthorizationFailed, ConfigurationError, OperationFailed, UsageError
from tui.core.oauth.callback import SUCCESS_TEXT
from tui.core.oauth.flow import AuthorizationAttempt


def port_is_free(port: int) -> bool:
    """True if a new server could listen on ``port`` (as ours does, with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_authorization_url_has_pkce_state_and_extra_params(oauth_session):
    session, records = oauth_session(tokens=False, extra_params=(("login_hint", "bob@x.test"),))
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    try:
        q = {k: v[0] for k, v in parse_qs(urlsplit(attempt.url).query).items()}
        assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
        assert q["state"] == attempt.state and len(attempt.state) >= 32
        assert q["redirect_uri"] == attempt.redirect_uri == f"http://127.0.0.1:{attempt.port}/"
        assert q["login_hint"] == "bob@x.test" and q["response_type"] == "code"
        assert "client_secret" not in q
    finally:
        attempt.cancel()


def test_success_through_the_browser_saves_only_that_environment(oauth_session, idp, browser_env):
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    tok = attempt.wait(timeout=20)
    assert attempt.source == "browser"
    assert idp.token_state(tok.access_token) == "active"
    assert tok.account == "alice@example.test"
    on_disk = session.reload()
    assert on_disk.token("Test", "Mail").refresh_token == tok.refresh_token
    assert on_disk.token("Production", "Mail") is None
    (visit_,) = browser_env.visits()
    assert visit_["status"] == 200 and SUCCESS_TEXT in visit_["body"]
    assert port_is_free(attempt.port)


def test_authorizing_test_leaves_production_tokens_alone(oauth_session, idp, browser_env):
    from tests.support.fixtures_oauth import token_record

    session, _ = oauth_session()
    prod = token_record(idp.issue_token())
    with session.edit() as records:
        records.set_token("Production", "Mail", prod)
    attempt = AuthorizationAttempt(session.records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    attempt.wait(timeout=20)
    assert session.reload().token("Production", "Mail") == prod


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic", "public"])
def test_code_exchange_with_each_client_authentication(oauth_session, idp, browser_env, method):
    if method == "public":
        session, records = oauth_session(tokens=False, client_id=PUBLIC_CLIENT, client_secret="")
    else:
        idp.add_client("only-" + method, "sec-" + method, auth_methods=(method,))
        session, records = oauth_session(
            tokens=False, client_id="only-" + method, client_secret="sec-" + method,
            auth_method=method,
        )  # fmt: skip
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    assert attempt.wait(timeout=20).access_token


def test_denied(oauth_session, idp, browser_env):
    session, _ = oauth_session()
    before = session.records.token("Test", "Mail")
    idp.authorize_mode = "deny"
    attempt = AuthorizationAttempt(session.records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    with pytest.raises(AuthorizationFailed) as err:
        attempt.wait(timeout=20)
    assert "access_denied" in err.value.message and err.value.exit_code == 1
    assert session.reload().token("Test", "Mail") == before
    (visit_,) = browser_env.visits()
    assert visit_["status"] == 400 and "denied" in visit_["body"]
    assert idp.stats["code_exchange"] == 0


@pytest.mark.parametrize(("mode", "words"), [("tamper-iss", "issuer")])
def test_tampered_response_is_rejected(oauth_session, idp, browser_env, monkeypatch, mode, words):
    monkeypatch.setenv("TOKENDESK_TEST_BROWSER_MODE", mode)
    session, _ = oauth_session()
    before = session.records.token("Test", "Mail")
    attempt = AuthorizationAttempt(session.records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    with pytest.raises(AuthorizationFailed) as err:
        attempt.wait(timeout=20)
    assert words in err.value.message
    assert session.reload().token("Test", "Mail") == before
    assert idp.stats["code_exchange"] == 0


def test_second_callback_is_ignored(oauth_session, idp, browser_env, monkeypatch):
    monkeypatch.setenv("TOKENDESK_TEST_BROWSER_MODE", "double")
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    tok = attempt.wait(timeout=20)
    (visit_,) = browser_env.visits()
    assert visit_["status"] == 200
    # The replayed callback finds the server closed or is refused politely.
    assert visit_["second_status"] in (None, 409)
    assert idp.stats["code_exchange"] == 1
    assert session.reload().token("Test", "Mail").access_token == tok.access_token
    assert idp.token_state(tok.access_token) == "active"


def test_missing_code_fails(oauth_session, idp):
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    got: dict = {}
    browser = threading.Thread(
        target=lambda: got.update(r=_get(f"{attempt.redirect_uri}?state={attempt.state}"))
    )
    browser.start()
    with pytest.raises(AuthorizationFailed, match="no code"):
        attempt.wait(timeout=5)
    browser.join(10)
    status, body = got["r"]
    assert status == 400 and "no code" in body


def test_requests_without_oauth_parameters_do_not_end_the_attempt(oauth_session, browser_env):
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    assert _get(f"http://127.0.0.1:{attempt.port}/favicon.ico")[0] == 404
    assert _get(f"http://localhost:{attempt.port}/")[0] == 400  # answers "localhost" too
    attempt.open_browser()
    assert attempt.wait(timeout=20).access_token


def test_paste_flow(oauth_session, idp, browser_env, monkeypatch):
    monkeypatch.setenv("TOKENDESK_TEST_BROWSER_MODE", "record")
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    record = visit(attempt.url, "record")  # the browser on another machine
    with pytest.raises(UsageError):
        attempt.submit_pasted_url("I signed in")  # not a redirect URL: keep waiting
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(tok=attempt.wait(timeout=20)))
    worker.start()
    assert attempt.submit_pasted_url(f"  {record['redirect']}\n") is True
    worker.join(20)
    assert attempt.source == "paste"
    assert idp.token_state(result["tok"].access_token) == "active"
    assert port_is_free(attempt.port)
    assert attempt.submit_pasted_url(record["redirect"]) is False  # already decided


def test_pasted_url_with_wrong_state_is_refused_and_the_attempt_goes_on(oauth_session, idp):
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    redirect = visit(attempt.url, "record")["redirect"]
    with pytest.raises(UsageError, match="another sign-in"):
        attempt.submit_pasted_url(redirect.replace(attempt.state, "other"))
    with pytest.raises(UsageError, match="another sign-in"):
        attempt.submit_pasted_url("?code=x")  # no state at all
    assert not attempt.decided
    assert attempt.submit_pasted_url(redirect) is True
    assert idp.token_state(attempt.wait(timeout=20).access_token) == "active"


@pytest.mark.parametrize("query", ["code=x&state=wrong", "error=access_denied", "state=guess"])
def test_a_wrong_state_request_gets_an_error_page_and_the_attempt_listens(
    oauth_session, idp, browser_env, query
):
    """A local process (or a web page guessing the port) cannot abort a sign-in."""
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    status, body = _get(f"http://127.0.0.1:{attempt.port}/?{query}")
    assert status == 400 and "does not belong to the sign-in" in body
    assert not attempt.decided
    attempt.open_browser()
    tok = attempt.wait(timeout=20)
    assert idp.token_state(tok.access_token) == "active"
    assert browser_env.visits()[0]["status"] == 200


def test_idle_connections_are_closed(oauth_session, monkeypatch):
    """An idle peer does not hold a server thread until it closes."""
    from tui.core.oauth import callback

    monkeypatch.setattr(callback, "IDLE_TIMEOUT", 0.3)
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    try:
        with socket.create_connection(("127.0.0.1", attempt.port)) as idle:
            idle.sendall(b"GET /?code=x")  # a request that never ends
            idle.settimeout(20)
            assert idle.recv(100) == b""  # the server hung up on its own
    finally:
        attempt.cancel()


def test_timeout_frees_the_port(oauth_session):
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    with pytest.raises(AuthorizationFailed, match="within"):
        attempt.wait(timeout=0.2)
    assert port_is_free(attempt.port)


def test_cancel_from_another_thread(oauth_session):
    session, records = oauth_session(tokens=False)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    threading.Timer(0.2, attempt.cancel).start()
    with pytest.raises(AuthorizationFailed, match="cancelled"):
        attempt.wait(timeout=20)
    assert attempt.cancelled and port_is_free(attempt.port)


def test_fixed_redirect_port_and_busy_port(oauth_session):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    session, records = oauth_session(tokens=False, redirect_port=port)
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    try:
        assert attempt.redirect_uri == f"http://127.0.0.1:{port}/"
        with pytest.raises(OperationFailed, match="cannot listen"):
            AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    finally:
        attempt.cancel()


def test_exchange_failure_is_classified_and_shown_to_the_browser(oauth_session, idp, browser_env):
    session, records = oauth_session(tokens=False, client_secret="not-the-secret")
    attempt = AuthorizationAttempt(records.get_oauth("Mail"), session=session, env="Test")
    attempt.open_browser()
    with pytest.raises(ConfigurationError, match="invalid_client"):
        attempt.wait(timeout=20)
    (visit_,) = browser_env.visits()
    assert visit_["status"] == 400 and "invalid_client" in visit_["body"]
    assert "not-the-secret" not in visit_["body"]
    assert session.reload().token("Test", "Mail") is None


def test_microsoft_redirect_uses_localhost(idp):
    from tui.core.models.oauth import OAuthComponent
    from tui.core.oauth.callback import redirect_uri_for, registration_redirect_uri

    ms = OAuthComponent(name="M", type="microsoft", client_id="c")
    assert redirect_uri_for(ms, 5000) == "http://localhost:5000/"
    assert registration_redirect_uri(ms) == "http://localhost"
    fixed = OAuthComponent(name="F", token_url="https://t.example/t", client_id="c",
                           authorization_url="https://t.example/a", redirect_port=8765)  # fmt: skip
    assert registration_redirect_uri(fixed) == "http://127.0.0.1:8765/"


def _get(url: str) -> tuple[int, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()
