"""What a new user's trial of the OAuth verbs found: browsers that do not start, presets,
secrets typed on a terminal, clean network errors, wording, and the missing verbs/options.

Real processes against the test IdP; a pseudo-terminal where a terminal matters.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import browser
from tests.support.browser import visit
from tests.support.fixtures_oauth import run_cli_in_pty
from tests.support.fixtures_vault import REPO, cli_env

SUCCESS = "OAuth2 token received with success!"
PROMPT = "Or, after signing in, paste the address"


def start_cli(vault_path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tui", *args],
        env=cli_env(vault_path, **env),
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(proc: subprocess.Popen, prefix: str) -> list[str]:
    lines: list[str] = []
    while not any(line.startswith(prefix) for line in lines):
        line = proc.stdout.readline()
        assert line, f"no line starting with {prefix!r}: {lines} {proc.stderr.read()}"
        lines.append(line.rstrip("\n"))
    return lines


# ------------------------------------------------------- 1. a browser that does not start
@pytest.mark.parametrize(
    ("browser_value", "detail"),
    [
        ("/nonexistent/browser", "$BROWSER program '/nonexistent/browser' was not found"),
        (  # arguments without %s: the program is still /nonexistent/browser
            "/nonexistent/browser --new-window",
            "$BROWSER program '/nonexistent/browser' was not found",
        ),
        ("BROKEN", "exited with status 1"),  # the test browser in its "fail" mode
    ],
)
def test_browser_that_fails_falls_back_to_url_and_paste(
    oauth_session, idp, vault_path, browser_value, detail
):
    session, _ = oauth_session(tokens=False)
    extra = {}
    if browser_value == "BROKEN":
        browser_value = browser.command()
        extra["TOKENDESK_TEST_BROWSER_MODE"] = "fail"
    proc = start_cli(vault_path, "authorize", "Mail", BROWSER=browser_value, **extra)
    try:
        started = time.monotonic()
        lines = read_until(proc, PROMPT)
        assert time.monotonic() - started < 20  # promptly, not after the 300 s timeout
        urls = [line for line in lines if line.startswith(idp.authorize_url)]
        assert len(urls) == 2 and urls[0] == urls[1]  # shown again, on a line of its own
        assert "ssh -L" not in "\n".join(lines)  # not an SSH session
        redirect = visit(urls[-1], "record")["redirect"]  # signed in elsewhere
        out, err = proc.communicate(redirect + "\n", timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert SUCCESS in out
    (notice,) = [line for line in err.splitlines() if "could not open the browser" in line]
    assert notice.startswith("tokendesk: could not open the browser (") and detail in notice
    assert session.reload().token("Test", "Mail") is not None


def test_after_a_failed_browser_the_callback_still_listens(oauth_session, idp, vault_path):
    session, _ = oauth_session(tokens=False)
    proc = start_cli(
        vault_path, "authorize", "Mail", BROWSER="/nonexistent/browser",
        SSH_CONNECTION="10.1.2.3 50000 10.9.8.7 22",
    )  # fmt: skip
    try:
        lines = read_until(proc, PROMPT)
        url = next(line for line in lines if line.startswith(idp.authorize_url))
        port = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0]).port
        assert f"ssh -L {port}:127.0.0.1:{port} " in "\n".join(lines)  # over SSH: the tunnel
        assert visit(url, "follow")["status"] == 200  # a browser opened by hand, same machine
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert SUCCESS in out and "could not open the browser" in err


def test_browser_arguments_without_percent_s_get_the_url_appended(
    oauth_session, idp, browser_env, cli
):
    session, _ = oauth_session(tokens=False)
    without_placeholder = browser_env["BROWSER"].removesuffix(" %s")
    res = cli("authorize", "Mail", env=dict(browser_env, BROWSER=without_placeholder))
    assert res.returncode == 0, res.stderr
    assert "could not open the browser" not in res.stderr
    assert browser_env.visits()[0]["opened"].startswith(idp.authorize_url)


def test_no_system_browser_found_is_reported(tmp_path):
    """Without $BROWSER, Python's webbrowser finds nothing on an empty PATH: said at once."""
    code = (
        "from tui.core.oauth.browser import open_browser;"
        "got = [];"
        "r = open_browser('http://127.0.0.1:9/x', got.append).wait(10);"
        "import time; time.sleep(0.1);"
        "print(r.ok, '|', r.detail, '|', got == [r])"
    )
    env = cli_env(None, None, PATH=str(tmp_path), DISPLAY=":99")
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert res.stdout.strip() == "False | no browser was found to open it | True", res.stderr


# ------------------------------------------------------------- 2. and 3. presets
def test_removing_a_google_preset_parameter_is_refused(make_vault, cli):
    make_vault()
    assert cli("oauth", "add", "G", "--type", "google", "--client-id", "c").returncode == 0
    res = cli("oauth", "edit", "G", "--param", "prompt=")
    assert res.returncode == 2 and "Updated" not in res.stdout
    assert res.stderr == (
        "tokendesk: the google preset needs prompt; give it another value instead of removing it\n"
    )
    res = cli("oauth", "add", "G2", "--type", "google", "--client-id", "c", "--param", "prompt=")
    assert res.returncode == 2 and "the google preset needs prompt" in res.stderr
    res = cli("oauth", "edit", "G", "--param", "prompt=select_account")
    assert res.returncode == 0 and "Updated OAuth2 component G" in res.stdout
    params = json.loads(cli("oauth", "show", "G", "--json").stdout)["extra_params"]
    assert params == {"access_type": "offline", "prompt": "select_account"}


def test_edit_without_a_change_does_not_say_updated(make_vault, cli):
    make_vault()
    cli("oauth", "add", "G", "--type", "google", "--client-id", "c")
    res = cli("oauth", "edit", "G", "--param", "access_type=offline", "--client-id", "c")
    assert res.returncode == 0
    assert res.stdout == "Nothing changed: G already has these settings\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--type", "microsoft", "--auth-url", "https://evil.example/auth"],
            "--auth-url cannot be combined with --type microsoft: the preset sets the endpoints",
        ),
        (
            ["--type", "google", "--token-url", "https://evil.example/token"],
            "--token-url cannot be combined with --type google: the preset sets the endpoints",
        ),
        (
            ["--type", "microsoft", "--device-url", "https://evil.example/device"],
            "--device-url cannot be combined with --type microsoft",
        ),
        (
            ["--token-url", "https://t.example/t", "--tenant", "foo"],
            "--tenant only applies to --type microsoft",
        ),
        (["--type", "google", "--tenant", "foo"], "--tenant only applies to --type microsoft"),
    ],
)
def test_options_a_preset_ignores_are_refused_on_add(make_vault, cli, args, message):
    make_vault()
    res = cli("oauth", "add", "M3", "--client-id", "c", *args)
    assert res.returncode == 2
    assert res.stderr.splitlines()[0].startswith(f"tokendesk: {message}")
    assert cli("oauth", "show", "M3").returncode == 2  # nothing was added


def test_options_a_preset_ignores_are_refused_on_edit(make_vault, cli):
    make_vault()
    cli("oauth", "add", "MS", "--type", "microsoft", "--client-id", "c")
    cli("oauth", "add", "Corp", "--token-url", "https://t.example/t", "--auth-url",
        "https://t.example/a", "--client-id", "c")  # fmt: skip
    before = cli("oauth", "show", "MS", "--json").stdout
    res = cli("oauth", "edit", "MS", "--auth-url", "https://evil.example/auth")
    assert res.returncode == 2
    assert "--auth-url cannot be used on 'MS', a microsoft component" in res.stderr
    assert "hint: to set the endpoints yourself, change the type with --type custom" in res.stderr
    res = cli("oauth", "edit", "Corp", "--tenant", "foo")
    assert res.returncode == 2 and "--tenant only applies to --type microsoft" in res.stderr
    res = cli("oauth", "edit", "Corp", "--type", "microsoft", "--token-url", "https://x.example/t")
    assert res.returncode == 2 and "cannot be combined with --type microsoft" in res.stderr
    assert cli("oauth", "show", "MS", "--json").stdout == before
    # Changing the type along with the endpoints is fine.
    res = cli("oauth", "edit", "MS", "--type", "custom", "--auth-url", "https://a.example/auth")
    assert res.returncode == 0, res.stderr
    assert json.loads(cli("oauth", "show", "MS", "--json").stdout)["authorization_url"] == (
        "https://a.example/auth"
    )


def test_google_has_no_device_sign_in(make_vault, cli):
    make_vault()
    cli("oauth", "add", "Gmail", "--type", "google", "--client-id", "c")
    res = cli("authorize", "Gmail", "--device")
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert lines[0] == (
        "tokendesk: 'Gmail' is a Google component, and Google does not allow the Gmail scope "
        "with the device sign-in"
    )
    assert lines[1] == (
        "tokendesk: hint: sign in with a browser and paste the redirect URL instead; "
        "run: tokendesk authorize Gmail --env Test --no-browser"
    )


# --------------------------------------------------------------- 4. secrets on a TTY
def test_client_secret_typed_on_a_terminal_is_not_echoed(make_vault, vault_path):
    make_vault()
    secret = "typed-secret-4711"
    args = ["oauth", "add", "T", "--token-url", "https://t.example/t", "--auth-url",
            "https://t.example/a", "--client-id", "c", "--client-secret-stdin"]  # fmt: skip
    status, shown = run_cli_in_pty(args, cli_env(vault_path), secret)
    assert status == 0, shown
    assert "Client secret:" in shown and secret not in shown
    from tests.support.fixtures_vault import PASSPHRASE
    from tui.core.session import Session

    assert Session.open(vault_path, PASSPHRASE).records.get_oauth("T").client_secret == secret


def test_secret_from_a_pipe_loses_only_one_newline(make_vault, cli, vault_path):
    make_vault()
    res = cli("oauth", "add", "T", "--token-url", "https://t.example/t", "--auth-url",
              "https://t.example/a", "--client-id", "c", "--client-secret-stdin",
              input=" spaced secret \r\n\n")  # fmt: skip
    assert res.returncode == 0, res.stderr
    from tests.support.fixtures_vault import PASSPHRASE
    from tui.core.session import Session

    comp = Session.open(vault_path, PASSPHRASE).records.get_oauth("T")
    assert comp.client_secret == " spaced secret "
    res = cli("oauth", "edit", "T", "--client-secret-stdin", input="\n")
    assert res.returncode == 2 and "no client secret on standard input" in res.stderr


# ------------------------------------------------------------------ 6. HTTP timeout
@pytest.mark.parametrize("value", ["abc", "inf", "nan", "0", "-1", "601"])
def test_bad_http_timeout_is_a_usage_error(oauth_session, idp, cli, value):
    session, records = oauth_session(expires_in=0)
    res = cli("token", "Mail", env={"TOKENDESK_HTTP_TIMEOUT": value})
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == (
        "tokendesk: TOKENDESK_HTTP_TIMEOUT must be a number of seconds above 0 and at most "
        f"600, got {value!r}\n"
    )
    assert idp.stats["token"] == 0
    assert session.reload().token("Test", "Mail") == records.token("Test", "Mail")  # no error


# ------------------------------------------------------------------- 7. SASL user
def test_sasl_user_defaults_to_the_account_like_the_mail_login(oauth_session, cli, make_vault):
    import base64
    import dataclasses

    from tests.support.fixtures_vault import PASSPHRASE
    from tui.core.session import Session

    session, records = oauth_session()
    tok = records.token("Test", "Mail")
    with Session.open(session.path, PASSPHRASE).edit() as rec:
        rec.set_token("Test", "Mail", dataclasses.replace(
            tok, id_claims={"preferred_username": "pat@corp.example", "sub": "x1"}))  # fmt: skip
    res = cli("token", "Mail", "--sasl", "xoauth2")
    assert res.returncode == 0, res.stderr
    raw = base64.b64decode(res.stdout.strip()).decode()
    assert raw == f"user=pat@corp.example\x01auth=Bearer {tok.access_token}\x01\x01"
