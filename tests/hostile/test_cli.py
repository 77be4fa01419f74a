"""Hostile text from every server path reaches the CLI's stdout/stderr only sanitized.

Each path gets every class at once (OSC 52, OSC 0, CSI 2J, C1, bidi, newlines): IMAP
greeting, capabilities, login NO, SELECT NO, folder names (quoted, literal, modified UTF-7),
OAuth error/error_description (the failing command, the stored last_error shown again by
``status`` and the ``token`` warning), device user_code and verification_uri.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.hostile.payloads import ALL, assert_clean
from tests.support.fixtures_oauth import oauth_component, token_record
from tests.support.fixtures_vault import cli_env, run_cli
from tests.support.hostile_imap import HostileImap
from tui.core.models.mail import MailComponent
from tui.core.records import Records


def _mail_vault(make_vault, port):
    records = Records()
    records.add(MailComponent(name="Evil", host="127.0.0.1", port=port, protocol="imap",
                              auth="password", username="u", password="pw-secret-1",
                              allow_plaintext=True, timeout=10))  # fmt: skip
    return make_vault(records)


@pytest.mark.parametrize(
    ("knobs", "args"),
    [
        ({}, ["mail", "test", "Evil"]),  # greeting and capabilities
        ({"login_no": True}, ["mail", "folders", "Evil"]),  # login NO
        ({"select_no": True}, ["mail", "list", "Evil"]),  # SELECT NO
        ({"list_mode": "hostile"}, ["mail", "folders", "Evil"]),  # LIST names
        ({"list_mode": "hostile"}, ["mail", "folders", "Evil", "--json"]),
    ],
    ids=["greeting", "login-no", "select-no", "list", "list-json"],
)
def test_imap_texts(make_vault, knobs, args):
    with HostileImap(text=ALL, **knobs) as server:
        path = _mail_vault(make_vault, server.port)
        res = run_cli(*args, env=cli_env(path))
    assert "Traceback" not in res.stderr
    assert_clean(res.stdout, "stdout")
    assert_clean(res.stderr, "stderr")
    if not knobs:
        assert res.returncode == 0 and "Greeting:     ready" in res.stdout
    if knobs.get("list_mode") == "hostile" and "--json" not in args:
        assert res.returncode == 0 and "U7" in res.stdout and "INBOX" in res.stdout
    if "--json" in args:
        names = [f["name"] for f in json.loads(res.stdout)]
        assert any(n.startswith("U7") for n in names)


def _oauth_vault(make_vault, idp, **token):
    records = Records()
    comp = oauth_component(idp, auth_method="client_secret_post")
    records.add(comp)
    issued = idp.issue_token(scope=comp.scope, client_id=comp.client_id)
    records.set_token("Test", comp.name, token_record(issued, **token))
    return make_vault(records)


@pytest.mark.parametrize("error", ["invalid_grant", "server_error", "x" + ALL])
def test_oauth_error_fields_now_and_when_shown_again(make_vault, idp, error):
    path = _oauth_vault(make_vault, idp, expires_in=0)
    idp.fail_next_token(error, "AADSTS70000: " + ALL, status=400)
    env = cli_env(path)
    failed = run_cli("token", "Mail", env=env)
    assert failed.returncode in (1, 3) and "AADSTS70000" in failed.stderr
    for res in (failed, run_cli("status", env=env), run_cli("status", "--json", env=env)):
        assert "Traceback" not in res.stderr
        assert_clean(res.stdout, "stdout")
        assert_clean(res.stderr, "stderr")


def test_the_token_warning_with_a_stored_hostile_error(make_vault, idp):
    """A transient failure while the token is still valid: a warning plus the token."""
    path = _oauth_vault(make_vault, idp, expires_in=20)  # due, still valid for 20 s
    idp.fail_next_token("temporarily_unavailable", ALL, status=503)
    res = run_cli("token", "Mail", env=cli_env(path))
    assert res.returncode == 0 and res.stderr.startswith("tokendesk: ")
    assert_clean(res.stdout, "stdout")
    assert_clean(res.stderr, "stderr")


@pytest.mark.parametrize("field", ["user_code", "verification_uri", "both"])
def test_device_user_code_and_verification_uri(make_vault, idp, field):
    path = _oauth_vault(make_vault, idp)
    idp.device_mode = "manual"
    extra = {"user_code": "ABCD" + ALL, "verification_uri": idp.verification_url + "/" + ALL}
    idp.device_extra = extra if field == "both" else {field: extra[field]}
    res = run_cli("authorize", "Mail", "--device", "--timeout", "1", env=cli_env(path))
    assert "Traceback" not in res.stderr and res.returncode == 1
    assert_clean(res.stdout, "stdout")
    assert_clean(res.stderr, "stderr")
    if field == "user_code":  # shown, sanitized; the URL is fine
        assert re.search(r"^ABCD ", res.stdout, re.M)
    else:  # an unusable verification URI is refused
        assert "verification_uri" in res.stderr


def test_an_echoed_authenticate_plain_response_is_redacted(make_vault):
    """A server that quotes the client's base64 AUTHENTICATE PLAIN response in its NO."""
    import base64

    with HostileImap(echo_auth=True) as server:
        path = _mail_vault(make_vault, server.port)
        res = run_cli("mail", "folders", "Evil", env=cli_env(path))
    assert res.returncode != 0 and "bad response [redacted]" in res.stderr
    leaked = base64.b64encode(b"\0u\0pw-secret-1").decode()
    assert leaked not in res.stderr + res.stdout and "pw-secret-1" not in res.stderr
