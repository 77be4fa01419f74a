"""The OAuth verbs as a user and a mail client run them: real processes, real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import visit
from tests.support.fixtures_vault import REPO, cli_env
from tests.support.idp import CONFIDENTIAL_CLIENT

SUCCESS = "OAuth2 token received with success!"


def no_secrets(text: str, *secrets: str) -> None:
    for secret in (CONFIDENTIAL_CLIENT[1], *secrets):
        assert not secret or secret not in text
    assert "Traceback" not in text


# ---------------------------------------------------------------- authorize
def test_authorize_in_the_browser(oauth_session, idp, browser_env, cli):
    session, _ = oauth_session(tokens=False)
    res = cli("authorize", "Mail", env=dict(browser_env))
    assert res.returncode == 0, res.stderr
    assert SUCCESS + "\n" in res.stdout
    url_lines = [line for line in res.stdout.splitlines() if line.startswith(idp.authorize_url)]
    assert len(url_lines) == 1  # the URL on a line of its own, whole
    tok = session.reload().token("Test", "Mail")
    assert idp.token_state(tok.access_token) == "active"
    assert "alice@example.test" in res.stdout
    no_secrets(res.stdout + res.stderr, tok.access_token, tok.refresh_token)
    (visit_,) = browser_env.visits()  # the page reached the browser before the CLI exited
    assert visit_["status"] == 200 and "OAuth2 token received with success!" in visit_["body"]


def test_authorize_denied_exits_1_and_keeps_tokens(oauth_session, idp, browser_env, cli):
    session, records = oauth_session()
    idp.authorize_mode = "deny"
    res = cli("authorize", "Mail", "--env", "Test", env=dict(browser_env))
    assert res.returncode == 1
    assert res.stderr.startswith("tokendesk: the authorization was denied (access_denied)")
    assert SUCCESS not in res.stdout
    assert session.reload().token("Test", "Mail") == records.token("Test", "Mail")


def test_authorize_state_tampered_keeps_waiting(oauth_session, idp, browser_env, cli):
    """A response with another state gets an error page; the attempt waits for the real one."""
    oauth_session(tokens=False)
    env = dict(browser_env, TOKENDESK_TEST_BROWSER_MODE="tamper-state")
    res = cli("authorize", "Mail", "--timeout", "3", env=env)
    assert res.returncode == 1 and "no authorization response within 3 s" in res.stderr
    (visit_,) = browser_env.visits()
    assert visit_["status"] == 400 and "does not belong to the sign-in" in visit_["body"]
    assert idp.stats["code_exchange"] == 0


def test_authorize_timeout(oauth_session, idp, browser_env, cli):
    oauth_session(tokens=False)
    env = dict(browser_env, TOKENDESK_TEST_BROWSER_MODE="record")
    res = cli("authorize", "Mail", "--timeout", "0.5", env=env)
    assert res.returncode == 1 and "no authorization response within 0.5 s" in res.stderr


def test_no_browser_over_ssh_prints_url_tunnel_and_accepts_paste(oauth_session, idp, vault_path):
    session, _ = oauth_session(tokens=False)
    env = cli_env(vault_path, SSH_CONNECTION="10.1.2.3 50000 10.9.8.7 2222", COLUMNS="20")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "authorize", "Mail", "--env", "Production"],
        env=env,
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        while not any(line.startswith("Or, after signing in") for line in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line.rstrip("\n"))
        url = next(line for line in lines if line.startswith(idp.authorize_url))
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        port = urlsplit(redirect_uri).port
        assert f"ssh -L {port}:127.0.0.1:{port} -p 2222 " in "\n".join(lines)
        assert any(line.endswith("@10.9.8.7") for line in lines if line.startswith("ssh "))
        redirect = visit(url, "record")["redirect"]  # signed in on another machine
        out, err = proc.communicate("not a url\n" + redirect + "\n", timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert SUCCESS in out
    assert "not the redirect URL" in err  # the first paste was refused, the second taken
    # ... with what to paste instead.
    advice = "copy the whole address of the page that failed to load"
    assert f"tokendesk: hint: {advice} (it starts with {redirect_uri})" in err
    assert session.reload().token("Production", "Mail") is not None
    assert session.records.token("Test", "Mail") is None


def test_no_display_means_no_browser(oauth_session, idp, browser_env, cli):
    oauth_session(tokens=False)
    res = cli("authorize", "Mail", "--timeout", "0.3", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert res.returncode == 1
    assert "No browser will be opened (there is no graphical display)" in res.stdout
    assert any(line.startswith(idp.authorize_url) for line in res.stdout.splitlines())
    assert "ssh -L" not in res.stdout  # not an SSH session
    res = cli("authorize", "Mail", "--no-browser", "--timeout", "0.3", env=dict(browser_env))
    assert res.returncode == 1 and "(--no-browser)" in res.stdout
    assert browser_env.visits(timeout=0.5) == []  # $BROWSER was not run


def test_device_grant(oauth_session, idp, cli):
    session, _ = oauth_session(tokens=False)
    idp.device_interval = 0.05
    idp.device_slow_down_polls = 1
    res = cli("authorize", "Mail", "--device")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert idp.verification_url in lines
    code = lines[lines.index("and enter the code:") + 1]
    assert len(code) == 9 and code[4] == "-"
    assert SUCCESS in lines
    assert "█" not in res.stdout  # no QR code when stdout is not a terminal
    assert session.reload().token("Test", "Mail") is not None


def test_device_grant_denied(oauth_session, idp, cli):
    oauth_session(tokens=False)
    idp.device_interval = 0.05
    idp.device_mode = "deny"
    res = cli("authorize", "Mail", "--device")
    assert res.returncode == 1 and "declined" in res.stderr


# -------------------------------------------------------------------- token
def test_token_prints_only_the_token(oauth_session, idp, cli):
    _, records = oauth_session()
    tok = records.token("Test", "Mail")
    for ref in ("Mail", "@Mail", "@{Mail}"):
        res = cli("token", ref)
        assert res.returncode == 0 and res.stdout == tok.access_token + "\n" and not res.stderr
    assert idp.stats["token"] == 0


def test_token_json_and_sasl(oauth_session, idp, cli):
    import base64

    _, records = oauth_session()
    tok = records.token("Test", "Mail")
    data = json.loads(cli("token", "Mail", "--json").stdout)
    assert set(data) == {"access_token", "token_type", "expires_at", "scope"}
    assert data["access_token"] == tok.access_token and data["token_type"] == "Bearer"
    assert data["expires_at"].endswith("Z") and data["expires_at"][:2] == "20"
    res = cli("token", "@Mail", "--sasl", "xoauth2", "--user", "a@b.test")
    raw = base64.b64decode(res.stdout.strip()).decode()
    assert raw == f"user=a@b.test\x01auth=Bearer {tok.access_token}\x01\x01"
    res = cli("token", "@Mail", "--sasl", "oauthbearer", "--user", "a@b.test")
    assert base64.b64decode(res.stdout.strip()).decode().startswith("n,a=a@b.test,\x01auth=")


def test_token_refreshes_when_due(oauth_session, idp, cli):
    session, records = oauth_session(expires_in=0)
    res = cli("token", "Mail")
    assert res.returncode == 0, res.stderr
    new = session.reload().token("Test", "Mail")
    assert res.stdout == new.access_token + "\n" != records.token("Test", "Mail").access_token
    assert idp.stats["refresh"] == 1
    no_secrets(res.stderr, new.access_token, new.refresh_token)


def test_token_exit_3_when_the_grant_is_revoked(oauth_session, idp, cli):
    session, records = oauth_session(expires_in=0)
    old = records.token("Test", "Mail")
    idp.revoke(old.refresh_token)
    res = cli("token", "Mail")
    assert res.returncode == 3 and res.stdout == ""
    assert "invalid_grant" in res.stderr
    assert "hint: run: tokendesk authorize Mail --env Test" in res.stderr
    no_secrets(res.stderr, old.access_token, old.refresh_token)
    status = json.loads(cli("status", "--json").stdout)["components"][0]
    assert status["status"] == "needs authorization" and "invalid_grant" in status["last_error"]
    # The health line and the last error name the same next step: said once.
    text = cli("status").stdout
    assert "Mail: last error: " in text and "invalid_grant" in text
    assert text.count("run: tokendesk authorize Mail --env Test") == 1, text


@pytest.mark.parametrize("fault", ["500", "html", "invalid_json", "hang"])
def test_token_fault_modes_exit_1_and_keep_tokens(oauth_session, idp, cli, fault):
    session, records = oauth_session(expires_in=0)
    old = records.token("Test", "Mail")
    idp.token_fault = fault
    res = cli("token", "Mail", env={"TOKENDESK_HTTP_TIMEOUT": "0.5"})
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith("tokendesk: token request for 'Mail' failed")
    no_secrets(res.stderr, old.access_token, old.refresh_token)
    kept = session.reload().token("Test", "Mail")
    assert (kept.access_token, kept.refresh_token) == (old.access_token, old.refresh_token)
    idp.token_fault = None
    assert cli("token", "Mail").returncode == 0  # the kept refresh token still works


def test_concurrent_force_refresh_processes(oauth_session, idp, vault_path):
    """8 processes refresh at once: the lock serialises them, none replays a refresh token."""
    session, _ = oauth_session()
    env = cli_env(vault_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tui", "token", "Mail", "--force-refresh"],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in results]
    tokens = [out.strip() for out, _ in results]
    assert len(set(tokens)) == 8 and all(err == "" for _, err in results)
    assert idp.stats["refresh"] == 8
    final = session.reload().token("Test", "Mail")
    assert final.access_token in tokens
    assert idp.token_state(final.refresh_token) == "active"
    assert idp.token_state(final.access_token) == "active"


def test_token_usage_errors(oauth_session, cli):
    oauth_session()
    assert cli("token", "Mail", "--user", "a@b").returncode == 2
    assert cli("token", "Mail", "--sasl", "plain").returncode == 2
    res = cli("token", "Nope")
    assert res.returncode == 2 and "no component named 'Nope'" in res.stderr
    assert cli("token", "Mail", "--env", "Staging").returncode == 2


def test_fast_path_loads_no_http_libraries(oauth_session, vault_path):
    oauth_session()
    code = (
        "import sys; from tui.cli import main; rc = main(['token', 'Mail']);"
        "heavy = sorted(m for m in ('httpx', 'authlib', 'textual', 'segno') if m in sys.modules);"
        "print(rc, heavy, file=sys.stderr)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], env=cli_env(vault_path), cwd=REPO,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.stderr.strip() == "0 []"


# ------------------------------------------------------------------- status
def test_status(oauth_session, cli):
    oauth_session()
    res = cli("status")
    assert res.returncode == 0
    assert "Environment: Test" in res.stdout and "fresh" in res.stdout
    data = json.loads(cli("status", "--json").stdout)
    (row,) = data["components"]
    assert row["name"] == "Mail" and row["fresh"] and row["has_refresh_token"]
    assert 3500 < row["expires_in"] <= 3600 and row["variable"] == "@Mail"
    prod = json.loads(cli("status", "--env", "Production", "--json").stdout)["components"][0]
    assert prod["status"] == "needs authorization" and not prod["has_token"]
    no_secrets(res.stdout + json.dumps(data))


# ------------------------------------------------------------------ oauth *
def test_oauth_add_show_edit_rm(make_vault, cli, idp):
    make_vault()
    res = cli(
        "oauth", "add", "Corp", "--auth-url", idp.authorize_url, "--token-url", idp.token_url,
        "--client-id", "cid", "--client-secret-stdin", "--auth-method", "client_secret_basic",
        "--scope", "openid  imap", "--refresh-delay", "60", "--variable", "CorpToken",
        "--redirect-port", "8765", "--param", "prompt=consent", "--param", "login_hint=a@b",
        input="the-secret-value\n",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "http://127.0.0.1:8765/" in res.stdout.splitlines()
    shown = json.loads(cli("oauth", "show", "Corp", "--json").stdout)
    assert shown["client_secret"] == "********" and shown["variable"] == "@CorpToken"
    assert shown["scope"] == "openid imap" and shown["refresh_delay"] == 60
    assert shown["extra_params"] == {"prompt": "consent", "login_hint": "a@b"}
    text = cli("oauth", "show", "Corp").stdout
    assert "the-secret-value" not in text and "********" in text
    assert cli("oauth", "redirect-uri", "Corp", "--env", "Production").stdout == (
        "http://127.0.0.1:8765/\n"
    )
    res = cli("oauth", "edit", "Corp", "--param", "prompt=", "--redirect-port", "0")
    assert res.returncode == 0, res.stderr
    shown = json.loads(cli("oauth", "show", "Corp", "--json").stdout)
    assert shown["extra_params"] == {"login_hint": "a@b"} and shown["redirect_port"] == 0
    assert cli("oauth", "redirect-uri", "Corp").stdout == "http://127.0.0.1/\n"
    assert cli("oauth", "rm", "Corp").returncode == 0
    assert cli("oauth", "show", "Corp").returncode == 2


def test_oauth_presets(make_vault, cli):
    make_vault()
    assert cli("oauth", "add", "MS", "--type", "microsoft", "--tenant", "organizations",
               "--client-id", "c").returncode == 0  # fmt: skip
    ms = json.loads(cli("oauth", "show", "MS", "--json").stdout)
    assert ms["token_url"] == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    assert ms["redirect_uri"] == "http://localhost" and ms["auth_method"] == "none"
    assert cli("oauth", "add", "G", "--type", "google", "--client-id", "c",
               "--client-secret", "s").returncode == 0  # fmt: skip
    g = json.loads(cli("oauth", "show", "G", "--json").stdout)
    assert g["scope"] == "https://mail.google.com/"
    assert g["extra_params"] == {"access_type": "offline", "prompt": "consent"}


def test_show_masks_a_password_in_an_endpoint_url(make_vault, cli):
    make_vault()
    url = "https://svc:s3cret-pw@idp.example.com/token"
    assert cli("oauth", "add", "P", "--auth-url", "https://idp.example.com/a", "--token-url",
               url, "--introspection-url", "https://rs:p%40ss@idp.example.com/i",
               "--client-id", "c").returncode == 0  # fmt: skip
    shown = cli("oauth", "show", "P").stdout
    data = json.loads(cli("oauth", "show", "P", "--json").stdout)
    for text in (shown, json.dumps(data)):
        assert "s3cret-pw" not in text and "p%40ss" not in text
    assert data["token_url"] == "https://svc:********@idp.example.com/token"
    assert data["introspection_url"] == "https://rs:********@idp.example.com/i"
    assert data["authorization_url"] == "https://idp.example.com/a"  # nothing to mask


def test_google_without_a_client_secret_says_it_is_needed(make_vault, cli):
    make_vault()
    res = cli("oauth", "add", "G", "--type", "google", "--client-id", "c")
    assert res.returncode == 0, res.stderr
    # Said at once, not as "client_secret is missing" after the browser sign-in.
    assert "Google's token endpoint also asks desktop-app clients for their client secret" in (
        res.stderr
    )
    assert res.stderr.rstrip().endswith("add it: tokendesk oauth edit G --client-secret-stdin")
    with_secret = cli("oauth", "add", "G2", "--type", "google", "--client-id", "c",
                      "--client-secret-stdin", input="s\n")  # fmt: skip
    assert with_secret.returncode == 0 and with_secret.stderr == ""
    other = cli("oauth", "add", "MS", "--type", "microsoft", "--client-id", "c")
    assert other.returncode == 0 and other.stderr == ""  # public clients need none


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token-url", "http://idp.example/t"], "must use https"),
        (["--token-url", "https://t.example/t", "--redirect-port", "70000"], "--redirect-port"),
        (["--token-url", "https://t.example/t", "--refresh-delay", "-1"], "--refresh-delay"),
        (["--token-url", "https://t.example/t", "--param", "novalue"], "KEY=VALUE"),
        (["--token-url", "https://t.example/t", "--variable", "1bad"], "identifier"),
        (["--token-url", "https://t.example/t", "--param", "state=x"], "set by tokendesk"),
        (["--token-url", "https://t.example/t", "--type", "okta"], "invalid choice"),
        (
            ["--token-url", "https://t.example/t", "--client-secret", "a", "--client-secret-stdin"],
            "not allowed with",
        ),  # fmt: skip
        ([], "Token URL is required"),
    ],
)
def test_oauth_add_validation(make_vault, cli, args, message):
    make_vault()
    res = cli("oauth", "add", "X", "--client-id", "c", "--auth-url", "https://t.example/a", *args)
    assert res.returncode == 2 and message in res.stderr
    assert "Traceback" not in res.stderr


def test_oauth_duplicates_and_edit_errors(oauth_session, idp, cli):
    oauth_session(tokens=False)
    base = ["--token-url", idp.token_url, "--auth-url", idp.authorize_url, "--client-id", "c"]
    res = cli("oauth", "add", "Mail", *base)
    assert res.returncode == 2 and "exists already" in res.stderr
    res = cli("oauth", "add", "Other", *base, "--variable", "Mail")
    assert res.returncode == 2 and "@Mail is used" in res.stderr
    assert cli("oauth", "edit", "Mail").returncode == 2
    assert cli("oauth", "edit", "Nope", "--scope", "x").returncode == 2
    res = cli("authorize", "Mail", "--timeout", "soon")
    assert res.returncode == 2 and "--timeout" in res.stderr


def test_device_without_device_url_is_a_configuration_error(oauth_session, cli):
    oauth_session(tokens=False, device_authorization_url="")
    res = cli("authorize", "Mail", "--device")
    assert res.returncode == 1 and "no device authorization URL" in res.stderr


def test_edit_keeps_tokens(oauth_session, cli):
    session, records = oauth_session()
    assert cli("oauth", "edit", "Mail", "--scope", "openid email").returncode == 0
    assert session.reload().token("Test", "Mail") == records.token("Test", "Mail")
