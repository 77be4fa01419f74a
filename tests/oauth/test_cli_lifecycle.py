"""The lifecycle verbs as a user runs them: discovery, revocation, inspect, health in status."""

from __future__ import annotations

import json
import time

from tests.support.fixtures_oauth import run_cli_in_pty
from tests.support.fixtures_vault import cli_env
from tests.support.idp import CONFIDENTIAL_CLIENT
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.records import Records

SCOPE = "openid email offline_access imap"


def clean(res, *tokens: str) -> str:
    """stdout + stderr, asserting no token, secret or traceback is in them."""
    text = res.stdout + res.stderr
    for secret in (CONFIDENTIAL_CLIENT[1], *tokens):
        assert not secret or secret not in text
    assert "Traceback" not in text
    return text


def add_args(idp, *extra: str) -> list[str]:
    return [
        "oauth",
        "add",
        "Mail",
        "--issuer",
        idp.issuer,
        "--client-id",
        CONFIDENTIAL_CLIENT[0],
        "--client-secret-stdin",
        "--scope",
        SCOPE,
        *extra,
    ]


# ---------------------------------------------------------------- discovery
def test_add_with_issuer_shows_the_endpoints_and_saves(make_vault, idp, cli):
    make_vault()
    res = cli(*add_args(idp), input=CONFIDENTIAL_CLIENT[1] + "\n")
    assert res.returncode == 0, res.stderr
    clean(res)
    assert f"Discovered from {idp.issuer}/.well-known/openid-configuration:" in res.stdout
    assert f"Revocation URL:            {idp.revoke_url}" in res.stdout
    shown = json.loads(cli("oauth", "show", "Mail", "--json").stdout)
    assert shown["issuer"] == idp.issuer and shown["revocation_url"] == idp.revoke_url
    assert shown["token_url"] == idp.token_url and shown["introspection_url"] == idp.introspect_url


def test_add_with_issuer_on_a_terminal_asks_first(make_vault, idp, vault_path, cli):
    make_vault()
    env = cli_env(vault_path, CLIENT_SECRET_UNUSED="1")
    args = ["oauth", "add", "Mail", "--issuer", idp.issuer, "--client-id", "c"]
    status, shown = run_cli_in_pty(args, env, "n")
    assert status == 2, shown
    assert "Save these endpoints [y/N]:" in shown and "not saved" in shown
    assert "Mail" not in cli("oauth", "show", "Mail").stdout
    status, shown = run_cli_in_pty([*args, "--yes"], env, "")
    assert status == 0 and "Save these endpoints" not in shown and "Added OAuth2" in shown


def test_edit_with_issuer_fills_the_new_endpoints(oauth_session, idp, cli):
    oauth_session()
    res = cli("oauth", "edit", "Mail", "--issuer", idp.issuer)
    assert res.returncode == 0, res.stderr
    assert json.loads(cli("oauth", "show", "Mail", "--json").stdout)["revocation_url"] == (
        idp.revoke_url
    )


def test_mismatched_issuer_saves_nothing(make_vault, idp, cli):
    make_vault()
    idp.metadata_issuer = "https://other.example"
    res = cli(*add_args(idp), input=CONFIDENTIAL_CLIENT[1] + "\n")
    assert res.returncode == 1
    assert "names the issuer 'https://other.example'" in clean(res)
    assert cli("oauth", "show", "Mail").returncode == 2


def test_rfc8414_fallback_from_the_cli(make_vault, idp, cli):
    make_vault()
    idp.issuer_path, idp.metadata_documents = "/t1", ("rfc8414",)
    res = cli(*add_args(idp), input=CONFIDENTIAL_CLIENT[1] + "\n")
    assert res.returncode == 0, res.stderr
    assert "/.well-known/oauth-authorization-server/t1:" in res.stdout


def test_the_providers_client_authentication_is_chosen(make_vault, idp, cli):
    make_vault()
    idp.metadata_extra = {"token_endpoint_auth_methods_supported": ["client_secret_basic"]}
    res = cli(*add_args(idp), input=CONFIDENTIAL_CLIENT[1] + "\n")
    assert res.returncode == 0, res.stderr
    assert "Client authentication:     client_secret_basic (the provider's choice)" in res.stdout
    assert json.loads(cli("oauth", "show", "Mail", "--json").stdout)["auth_method"] == (
        "client_secret_basic"
    )


def test_bad_issuer_urls_and_presets_exit_2(make_vault, idp, cli):
    make_vault()
    res = cli("oauth", "add", "M", "--token-url", idp.token_url, "--client-id", "c", "--yes")
    assert res.returncode == 2 and "--yes only applies with --issuer" in res.stderr
    res = cli("oauth", "add", "M", "--issuer", "http://id.example", "--client-id", "c")
    assert res.returncode == 2 and "must use https" in res.stderr
    res = cli("oauth", "add", "M", "--type", "google", "--issuer", idp.issuer, "--client-id", "c")
    assert res.returncode == 2 and "--issuer cannot be combined with --type google" in res.stderr
    assert idp.stats["metadata"] == 0


# ---------------------------------------------------------------- revocation
def test_forget_revokes_at_the_provider(oauth_session, idp, cli):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    tok = records.token("Test", "Mail")
    res = cli("oauth", "forget", "Mail", "--env", "Test")
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        "Test: revoked the refresh token and access token at the provider\n"
        "Forgot the tokens of Mail in Test\n"
    )
    clean(res, tok.access_token, tok.refresh_token)
    assert idp.introspect(tok.access_token) == {"active": False}
    assert session.reload().token("Test", "Mail") is None


def test_forget_with_the_server_down_forgets_locally_and_says_so(oauth_session, idp, cli):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    idp.stop()
    res = cli("oauth", "forget", "Mail", env={"TOKENDESK_HTTP_TIMEOUT": "5"})
    assert res.returncode == 0
    assert "revoking at the provider failed: refresh token: could not connect" in res.stderr
    assert "the local tokens were forgotten anyway" in res.stderr
    assert res.stdout.endswith("Forgot the tokens of Mail in Test\n")
    assert session.reload().token("Test", "Mail") is None


def test_forget_no_revoke_keeps_the_provider_grant(oauth_session, idp, cli):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    tok = records.token("Test", "Mail")
    res = cli("oauth", "forget", "Mail", "--no-revoke")
    assert res.returncode == 0 and res.stdout == "Forgot the tokens of Mail in Test\n"
    assert idp.token_state(tok.access_token) == "active" and idp.stats["revoke"] == 0


def test_rm_revokes_then_removes(oauth_session, idp, cli):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    tok = records.token("Test", "Mail")
    res = cli("oauth", "rm", "Mail")
    assert res.returncode == 0, res.stderr
    assert "Test: revoked the refresh token and access token" in res.stdout
    assert idp.token_state(tok.refresh_token) == "revoked"
    assert "Mail" not in session.reload().components


# ---------------------------------------------------------------- inspect
def test_inspect_opaque_token_never_prints_it(oauth_session, idp, cli):
    session, records = oauth_session(scope=SCOPE, introspection_url=idp.introspect_url)
    tok = records.token("Test", "Mail")
    res = cli("inspect", "@Mail", "--env", "Test")
    assert res.returncode == 0, res.stderr
    clean(res, tok.access_token, tok.refresh_token)
    assert "  Access token:     opaque\n" in res.stdout
    assert f"  Issuer:           {idp.issuer}  (from introspection)" in res.stdout
    assert "  Introspection:    active\n" in res.stdout
    data = json.loads(cli("inspect", "Mail", "--json").stdout)
    assert data["granted_scopes"] == SCOPE.split() and data["findings"] == []


def test_inspect_jwt_and_refresh_never_print_tokens(oauth_session, idp, cli):
    idp.jwt_access_tokens = True
    session, records = oauth_session(scope=SCOPE)
    res = cli("inspect", "Mail", "--refresh", "--json")
    assert res.returncode == 0, res.stderr
    tok = session.reload().token("Test", "Mail")
    old = records.token("Test", "Mail")
    clean(res, tok.access_token, tok.refresh_token, old.access_token, old.refresh_token)
    data = json.loads(res.stdout)
    assert data["access_token_format"] == "JWT"
    assert data["audience"] == ["https://mail.example.test"]
    assert data["refresh_token_rotations"] == 1


def test_inspect_warns_about_a_dropped_scope_and_a_missing_refresh_token(oauth_session, idp, cli):
    idp.granted_scope_drop = ("imap", "offline_access")
    idp.issue_refresh_tokens = False
    session, records = oauth_session(scope=SCOPE)
    res = cli("inspect", "Mail")
    assert res.returncode == 0
    clean(res, records.token("Test", "Mail").access_token)
    assert "tokendesk: warning: the provider did not grant: imap\n" in res.stderr
    assert "mail scope was dropped" in res.stderr
    assert "tokendesk: warning: no refresh token came back" in res.stderr
    assert "consent for offline access may be missing" in res.stderr
    assert "Health:           no refresh token" in res.stdout


# ---------------------------------------------------------------- status
def test_status_has_a_health_line_per_component(make_vault, cli):
    records = Records()
    records.add(OAuthComponent(name="Work", type="microsoft", client_id="c"))
    records.add(OAuthComponent(name="Gmail", type="google", client_id="g"))
    now = time.time()
    old = dict(access_token="a" * 20, refresh_token="r" * 20, expires_at=now + 3000)
    records.set_token("Test", "Work", TokenRecord(**old, refresh_token_issued_at=now - 80 * 86400))
    records.set_token("Test", "Gmail", TokenRecord(**old, refresh_token_issued_at=now - 86400))
    make_vault(records)
    res = cli("status")
    assert res.returncode == 0, res.stderr
    clean(res, "a" * 20, "r" * 20)
    assert "Work: health: warning: refresh token 80d 0h old" in res.stdout
    assert "Microsoft ends refresh tokens unused for 90 days (in 9d 23h)" in res.stdout
    assert (
        "Work: hint: refresh the token now: each refresh restarts the 90 days; run: "
        "tokendesk inspect Work --env Test --refresh" in res.stdout
    )
    assert "Gmail: health: ok: refresh token 1d 0h old" in res.stdout
    data = json.loads(cli("status", "--json").stdout)
    work = next(c for c in data["components"] if c["name"] == "Work")
    assert work["health"]["level"] == "warning" and work["health"]["next_step"] == "refresh"
