"""Pure helpers: browser detection, the SSH hint, pasted URLs, issuer check, classification."""

from __future__ import annotations

import base64
import json
import shlex

import pytest

from tui.core.errors import (
    Action,
    AuthorizationFailed,
    ConfigurationError,
    NextStep,
    OperationFailed,
    ReauthorizationNeeded,
    TransientError,
)
from tui.core.models.oauth import OAuthComponent
from tui.core.oauth.browser import browser_usable, ssh_tunnel_command
from tui.core.oauth.classify import classify_oauth_error
from tui.core.oauth.flow import _origin, expected_issuer_origin, parse_response
from tui.core.oauth.status import iso_utc
from tui.core.oauth.tokens import decode_id_token
from tui.core.text import one_line

COMP = OAuthComponent(
    name="C", authorization_url="https://idp.example/oauth/authorize",
    token_url="https://idp.example/oauth/token", client_id="c",
)  # fmt: skip


@pytest.mark.parametrize(
    ("env", "platform", "usable"),
    [
        ({"BROWSER": "firefox", "SSH_CONNECTION": "1 2 3 4"}, "linux", True),  # $BROWSER wins
        ({"SSH_CONNECTION": "1 2 3 4", "DISPLAY": ":0"}, "linux", False),
        ({"SSH_TTY": "/dev/pts/1"}, "darwin", False),
        ({}, "linux", False),  # no display
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({}, "darwin", True),
        ({"BROWSER": "  "}, "linux", False),
    ],
)
def test_browser_usable(env, platform, usable):
    assert browser_usable(env, platform)[0] is usable


def test_ssh_tunnel_command():
    cmd = ssh_tunnel_command(8765, {"SSH_CONNECTION": "10.0.0.2 51000 192.0.2.7 22"})
    argv = shlex.split(cmd)
    assert argv[:3] == ["ssh", "-L", "8765:127.0.0.1:8765"]
    assert argv[-1].endswith("@192.0.2.7") and "-p" not in argv
    argv = shlex.split(ssh_tunnel_command(1, {"SSH_CONNECTION": "a 1 host.example 2200"}))
    assert argv[argv.index("-p") + 1] == "2200"


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:5000/?code=abc&state=xyz",
        "  'http://localhost:5000/?code=abc&state=xyz'\n",
        "?code=abc&state=xyz",
        "code=abc&state=xyz",
    ],
)
def test_parse_pasted_response(text):
    assert parse_response(text) == {"code": "abc", "state": "xyz"}


def test_issuer_origin():
    assert expected_issuer_origin(COMP) == "https://idp.example"
    assert _origin("https://IDP.example:443/realms/x") == "https://idp.example"
    assert _origin("https://idp.example:8443") == "https://idp.example:8443"
    assert _origin("http://[::1") == ""


@pytest.mark.parametrize(
    ("error", "desc", "during", "cls"),
    [
        ("invalid_grant", "", "refresh", ReauthorizationNeeded),
        ("invalid_grant", "", "authorization", AuthorizationFailed),
        ("invalid_client", "", "refresh", ConfigurationError),
        ("unauthorized_client", "", "device", ConfigurationError),
        ("invalid_scope", "", "refresh", ConfigurationError),
        ("temporarily_unavailable", "", "refresh", TransientError),
        ("server_error", "", "authorization", TransientError),
        ("weird_error", "", "refresh", OperationFailed),
        ("invalid_request", "AADSTS700082: expired", "refresh", ReauthorizationNeeded),
        ("invalid_grant", "AADSTS7000215: Invalid client secret", "refresh", ConfigurationError),
    ],
)
def test_classification(error, desc, during, cls):
    err = classify_oauth_error(error, desc, component=COMP, env="Test", during=during)
    assert type(err) is cls
    assert error in err.message and "'C'" in err.message


def test_reauthorization_names_the_step_not_a_command():
    err = classify_oauth_error("invalid_grant", "gone", component=COMP, env="My Env")
    assert err.next_step == NextStep(Action.AUTHORIZE, "C", "My Env")
    assert err.advice is None


def test_descriptions_are_one_line_and_bounded():
    assert one_line("a\n  b\tc") == "a b c"
    assert len(one_line("x" * 1000)) == 300


def test_decode_id_token_keeps_display_claims_only():
    claims = {"email": "a@b.c", "sub": "1", "secret_thing": "no", "iss": "https://x"}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert decode_id_token(f"e30.{body}.") == {"email": "a@b.c", "sub": "1", "iss": "https://x"}
    assert decode_id_token("not-a-jwt") == {} and decode_id_token("a.!!.c") == {}
    assert decode_id_token(None) == {}


def test_iso():
    assert iso_utc(0) == "1970-01-01T00:00:00Z" and iso_utc(None) is None
