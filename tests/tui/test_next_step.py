"""The Textual face renders the core's next step as its own keys and keeps the advice."""

from __future__ import annotations

import json
import time

import pytest

from tests.core.test_next_step import GOOGLE, STEPS
from tui.app.errors import failure_text
from tui.app.next_step import BINDING_IDS, default_keys, step_text
from tui.cli.next_step import failure_lines, step_command
from tui.core.errors import Action, NextStep, describe
from tui.core.oauth.classify import classify_oauth_error


def test_every_named_binding_exists() -> None:
    keys = default_keys()
    for action in Action:
        for binding_id in BINDING_IDS[action]:
            assert binding_id in keys, binding_id


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"{s.action}-{s.field or ''}")
def test_each_face_says_the_same_step_its_own_way(step: NextStep) -> None:
    keys = default_keys()
    text = step_text(step)
    assert "tokendesk " not in text and " --" not in text  # no command line in the app
    for binding_id in BINDING_IDS[step.action]:
        assert f" {keys[binding_id]} " in f" {text} "
    if step.component:
        assert step.component in text and step.component in step_command(step)
    if step.environment and step.action is not Action.SHOW_REDIRECT_URI:
        assert f"({step.environment})" in text


def test_authorize_reads_as_a_key_and_as_a_command() -> None:
    step = NextStep(Action.AUTHORIZE, "Mail", "Test")
    assert step_text(step) == "press a to authorize Mail (Test)"
    assert step_command(step) == "tokendesk authorize Mail --env Test"
    assert step_text(step, {"main.authorize": "ctrl+a,a"}) == (
        "press ctrl+a to authorize Mail (Test)"
    )


def test_google_advice_is_kept_in_both_faces() -> None:
    err = classify_oauth_error(
        "invalid_grant", "Token has been expired or revoked.", component=GOOGLE, env="Test"
    )
    tui = failure_text(err)
    _, cli = failure_lines(describe(err))
    for shown in (tui, cli):
        assert "7 days" in shown and "'Testing'" in shown
    assert tui.endswith("; press a to authorize Gmail (Test)")
    assert cli.endswith("; run: tokendesk authorize Gmail --env Test")
    assert tui.startswith("refreshing the token of 'Gmail' failed: invalid_grant: ")


def test_failure_without_advice_or_step_is_the_message() -> None:
    assert failure_text(RuntimeError("x")) == "unexpected internal error (RuntimeError)"
    assert failure_text(OSError(13, "Permission denied")) == (
        "could not access the file: Permission denied"
    )


def test_a_stored_failure_reads_the_same_in_status_and_the_token_panel(oauth_session, idp, cli):
    from tui.app.widgets.token_panel import token_lines

    session, _ = oauth_session(expires_in=0)
    idp.fail_next_token("invalid_grant", "AADSTS700082: The refresh token has expired.")
    advice = "the refresh token expired after a long inactivity (90 days): authorize again"
    res = cli("token", "Mail")
    assert res.returncode == 3
    assert res.stderr.splitlines()[1] == (
        f"tokendesk: hint: {advice}; run: tokendesk authorize Mail --env Test"
    )
    status = cli("status")
    assert f"Mail: hint: {advice}; run: tokendesk authorize Mail --env Test" in status.stdout
    row = json.loads(cli("status", "--json").stdout)["components"][0]
    assert row["last_error_advice"] == advice
    assert row["next_step"] == {"action": "authorize", "component": "Mail", "environment": "Test"}
    assert row["last_error_hint"].endswith("; run: tokendesk authorize Mail --env Test")
    records = session.reload()
    comp, tok = records.get_oauth("Mail"), records.token("Test", "Mail")
    rows = dict(token_lines(comp, tok, "Test", time.time()))
    assert rows["Next step"] == f"{advice}; press a to authorize Mail (Test)"
