"""Messages and hints name the real component and environment and fit the situation;
``oauth forget``, ``oauth edit --rename`` and the notice when an edit outdates the tokens."""

from __future__ import annotations

import json

from tests.support.fixtures_vault import PASSPHRASE
from tui.core.session import Session


def stderr_lines(res) -> tuple[str, str]:
    lines = res.stderr.splitlines()
    assert len(lines) == 2, res.stderr
    return lines[0], lines[1]


# ------------------------------------------------------------------------ 9. wording
def test_never_authorized_says_so(oauth_session, cli):
    oauth_session(tokens=False)
    res = cli("token", "Mail")
    assert res.returncode == 3 and res.stdout == ""
    assert stderr_lines(res) == (
        "tokendesk: 'Mail' is not authorized yet in environment 'Test'",
        "tokendesk: hint: run: tokendesk authorize Mail --env Test",
    )


def test_timeout_hints_do_not_suggest_what_was_done(oauth_session, idp, browser_env, cli):
    oauth_session(tokens=False)
    res = cli("authorize", "Mail", "--no-browser", "--timeout", "0.3")
    message, hint = stderr_lines(res)
    assert message == "tokendesk: no authorization response within 0.3 s"
    assert "--no-browser" not in hint and "paste the address" in hint
    assert hint.endswith("; or sign in on another device (tokendesk authorize Mail --env Test "
                         "--device)")  # fmt: skip
    env = dict(browser_env, TOKENDESK_TEST_BROWSER_MODE="record")
    res = cli("authorize", "Mail", "--env", "Production", "--timeout", "0.5", env=env)
    _, hint = stderr_lines(res)
    assert (
        "paste the final URL instead (tokendesk authorize Mail --env Production --no-browser)"
        in (hint)
    )


def test_device_hints_name_the_component(oauth_session, idp, cli):
    oauth_session(tokens=False)
    idp.device_interval = 0.05
    idp.device_mode = "manual"
    res = cli("authorize", "Mail", "--device", "--timeout", "0.3")
    assert res.returncode == 1
    assert stderr_lines(res)[1] == (
        "tokendesk: hint: start again; run: tokendesk authorize Mail --env Test --device"
    )


def test_missing_device_url_hint_names_the_component(oauth_session, cli):
    oauth_session(tokens=False, device_authorization_url="", name="My Mail")
    res = cli("authorize", "My Mail", "--device")
    assert res.returncode == 1
    assert stderr_lines(res)[1] == (
        "tokendesk: hint: set the component's device authorization URL; "
        "run: tokendesk oauth edit 'My Mail' --device-url URL"
    )


def test_device_only_component_has_no_redirect_uri(make_vault, cli, idp):
    make_vault()
    res = cli("oauth", "add", "TV", "--token-url", idp.token_url, "--device-url", idp.device_url,
              "--client-id", "c")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "Register this redirect URI" not in res.stdout
    assert "TV signs in with the device grant only: it has no redirect URI to register." in (
        res.stdout.splitlines()
    )
    res = cli("oauth", "redirect-uri", "TV")
    assert res.returncode == 2 and res.stdout == ""
    assert stderr_lines(res)[0] == (
        "tokendesk: 'TV' has no redirect URI: it signs in with the device grant only "
        "(it has no authorization URL)"
    )
    assert json.loads(cli("oauth", "show", "TV", "--json").stdout)["redirect_uri"] is None
    assert "none (device sign-in only)" in cli("oauth", "show", "TV").stdout


# --------------------------------------------------------------------- 11. forget
def test_forget_drops_the_tokens_of_one_environment(oauth_session, cli):
    session, records = oauth_session()
    tok = records.token("Test", "Mail")
    with session.edit() as rec:
        rec.set_token("Production", "Mail", tok)
    res = cli("oauth", "forget", "@Mail")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Forgot the tokens of Mail in Test\n"
    on_disk = session.reload()
    assert on_disk.token("Test", "Mail") is None and on_disk.token("Production", "Mail") == tok
    res = cli("oauth", "forget", "Mail", "--env", "Test")
    assert res.returncode == 0 and res.stdout == "Mail has no tokens in Test: nothing to forget\n"
    res = cli("oauth", "forget", "Nope")
    assert res.returncode == 2 and "no component named 'Nope'" in res.stderr
    res = cli("oauth", "forget", "Mail", "--env", "Staging")
    assert res.returncode == 2 and "no environment named 'Staging'" in res.stderr
    assert session.reload().token("Production", "Mail") == tok


# --------------------------------------------------------------------- 12. rename
def test_edit_rename_moves_the_tokens(oauth_session, cli):
    session, records = oauth_session()
    tok = records.token("Test", "Mail")
    res = cli("oauth", "edit", "Mail", "--rename", "Work")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Updated OAuth2 component Work\n" and res.stderr == ""
    on_disk = session.reload()
    assert "Mail" not in on_disk.components and on_disk.token("Test", "Work") == tok
    assert on_disk.get_oauth("Work").variable == "Mail"  # references stay valid
    assert cli("token", "Work").stdout == tok.access_token + "\n"
    res = cli("oauth", "edit", "Work", "--rename", "bad\tname")
    assert res.returncode == 2 and "Name must be" in res.stderr


# --------------------------------------------------------------------- 13. notice
def test_edit_that_outdates_the_tokens_says_so_and_keeps_them(oauth_session, cli):
    session, records = oauth_session()
    res = cli("oauth", "edit", "Mail", "--refresh-delay", "60")
    assert res.returncode == 0 and res.stderr == ""  # tokens still match the settings
    res = cli("oauth", "edit", "Mail", "--scope", "openid", "--client-id", "other")
    assert res.returncode == 0
    assert res.stderr == (
        "tokendesk: note: the tokens of Mail in Test were issued for the old client id and "
        "scope; if calls fail, authorize again: tokendesk authorize Mail --env Test\n"
    )
    assert session.reload().token("Test", "Mail") == records.token("Test", "Mail")
    oauth_free = Session.open(session.path, PASSPHRASE)
    with oauth_free.edit() as rec:
        rec.drop_token("Test", "Mail")
    res = cli("oauth", "edit", "Mail", "--scope", "openid email")
    assert res.returncode == 0 and res.stderr == ""  # no tokens: nothing to say
