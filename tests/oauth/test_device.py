"""The device authorization grant (RFC 8628) against the test IdP."""

from __future__ import annotations

import threading

import pytest

from tui.core.errors import AuthorizationFailed, ConfigurationError
from tui.core.oauth.device import DeviceFlow


@pytest.fixture
def fast_device(idp):
    idp.device_interval = 0.05
    return idp


def test_device_flow_with_pending_and_slow_down(oauth_session, fast_device):
    idp = fast_device
    idp.device_pending_polls = 2
    idp.device_slow_down_polls = 1
    session, records = oauth_session(tokens=False)
    flow = DeviceFlow(records.get_oauth("Mail"), session=session, env="Test")
    assert flow.user_code and flow.verification_uri == idp.verification_url
    assert flow.user_code in flow.verification_uri_complete
    assert flow.interval == pytest.approx(0.05)
    tok = flow.wait(timeout=20)
    assert flow.interval == pytest.approx(0.1)  # slow_down raised it (to the interval given)
    assert flow.polls == 1 + 2 + 1  # slow_down, pending x2, success
    assert idp.token_state(tok.access_token) == "active"
    assert session.reload().token("Test", "Mail").access_token == tok.access_token
    assert session.records.token("Production", "Mail") is None


def test_slow_down_without_interval_adds_five_seconds(oauth_session, fast_device, monkeypatch):
    """RFC 8628 3.5: without a new interval in the reply, add 5 s (step patched for speed)."""
    from tui.core.oauth import protocol

    session, records = oauth_session(tokens=False)
    flow = DeviceFlow(records.get_oauth("Mail"))
    flow.slow_down_step = 0.07

    def slow_down(*args, **kwargs):
        raise protocol.OAuthErrorReply("slow_down", "", {}, 400)

    monkeypatch.setattr(protocol, "poll_device", slow_down)
    assert flow.poll() is None
    assert flow.interval == pytest.approx(0.12)


def test_manual_approval_from_another_thread(oauth_session, fast_device):
    idp = fast_device
    idp.device_mode = "manual"
    session, records = oauth_session(tokens=False)
    flow = DeviceFlow(records.get_oauth("Mail"), session=session, env="Production")
    threading.Timer(0.3, idp.approve_device, args=(flow.user_code, "bob@example.test")).start()
    tok = flow.wait(timeout=20)
    assert tok.account == "bob@example.test"
    assert session.reload().token("Production", "Mail").access_token == tok.access_token


@pytest.mark.parametrize(("mode", "words"), [("deny", "declined"), ("expire", "expired")])
def test_denied_and_expired(oauth_session, fast_device, mode, words):
    fast_device.device_mode = mode
    session, records = oauth_session()
    before = records.token("Test", "Mail")
    flow = DeviceFlow(records.get_oauth("Mail"), session=session, env="Test")
    with pytest.raises(AuthorizationFailed, match=words):
        flow.wait(timeout=20)
    assert session.reload().token("Test", "Mail") == before


def test_cancel_and_timeout(oauth_session, fast_device):
    fast_device.device_mode = "manual"
    session, records = oauth_session(tokens=False)
    flow = DeviceFlow(records.get_oauth("Mail"))
    threading.Timer(0.2, flow.cancel).start()
    with pytest.raises(AuthorizationFailed, match="cancelled"):
        flow.wait(timeout=20)
    flow = DeviceFlow(records.get_oauth("Mail"))
    with pytest.raises(AuthorizationFailed, match="within"):
        flow.wait(timeout=0.3)


def test_qr_text_encodes_the_complete_uri(oauth_session, fast_device):
    _, records = oauth_session(tokens=False)
    flow = DeviceFlow(records.get_oauth("Mail"))
    qr = flow.qr_text()
    lines = qr.splitlines()
    assert len(lines) > 10 and all(len(line) == len(lines[0]) for line in lines)
    assert set(qr) <= set(" \n█▀▄")


def test_component_without_device_url(oauth_session):
    _, records = oauth_session(tokens=False, device_authorization_url="")
    with pytest.raises(ConfigurationError, match="no device authorization URL"):
        DeviceFlow(records.get_oauth("Mail"))


def test_unknown_client_at_the_device_endpoint(oauth_session, fast_device):
    _, records = oauth_session(tokens=False, client_id="nobody")
    with pytest.raises(ConfigurationError, match="invalid_client"):
        DeviceFlow(records.get_oauth("Mail"))


@pytest.mark.parametrize(
    "auth",
    [
        {"auth_method": "client_secret_post"},
        {"auth_method": "client_secret_basic"},
        {"auth_method": "none", "client_id": "tokendesk-public", "client_secret": ""},
    ],
    ids=["client_secret_post", "client_secret_basic", "public"],
)
def test_device_sign_in_with_every_client_authentication(oauth_session, fast_device, auth):
    """The device request names the client once (a strict server refuses 'client_id' twice)."""
    session, records = oauth_session(tokens=False, **auth)
    flow = DeviceFlow(records.get_oauth("Mail"), session=session, env="Test")
    tok = flow.wait(timeout=20)
    assert fast_device.token_state(tok.access_token) == "active"
    assert fast_device.violations == []
