"""The structured next step: the core's data, old vaults, the one formatter, both faces.

The core raises errors with advice and a ``NextStep``; the CLI renders the step as a command
line its own parser accepts, the Textual app as the keys its screens bind. Both keep the
provider's advice (Google's 7-day expiry of testing apps is the example the issue names).
"""

from __future__ import annotations

import shlex

import pytest

from tui.cli import build_parser
from tui.cli.next_step import failure_lines, step_command
from tui.core.errors import (
    Action,
    Failure,
    NextStep,
    ReauthorizationNeeded,
    ValidationError,
    describe,
)
from tui.core.models.oauth import OAuthComponent, TokenRecord, parse_params
from tui.core.oauth.classify import classify_oauth_error
from vault import WrongPassphrase

GOOGLE = OAuthComponent(name="Gmail", type="google", client_id="c")

# One step per action, with the details a real raiser gives (edit: the field it names).
STEPS = [
    NextStep(Action.AUTHORIZE, "My Mail", "Test"),
    NextStep(Action.AUTHORIZE_DEVICE, "Mail", "Production"),
    NextStep(Action.AUTHORIZE_WITHOUT_BROWSER, "Gmail", "Test"),
    NextStep(Action.EDIT_COMPONENT, "Mail", field="device_authorization_url"),
    NextStep(Action.EDIT_COMPONENT, "Mail", field="authorization_url"),
    NextStep(Action.EDIT_COMPONENT, "imaps-x", field="ca_file"),
    NextStep(Action.EDIT_COMPONENT, "imaps-x", field="protocol", value="imap"),
    NextStep(Action.SHOW_REDIRECT_URI, "Mail", "Test"),
    NextStep(Action.LIST_COMPONENTS),
    NextStep(Action.LIST_FOLDERS, "imaps-x", "Test"),
    NextStep(Action.SWITCH_ENVIRONMENT),
    NextStep(Action.REFRESH, "Work", "Test"),
]


def test_every_action_has_a_step_in_these_tests() -> None:
    assert {s.action for s in STEPS} == set(Action)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"{s.action}-{s.field or ''}")
def test_cli_renders_a_command_its_own_parser_accepts(step: NextStep) -> None:
    line = step_command(step)
    words = shlex.split(line)
    assert words[0] == "tokendesk"
    args = build_parser().parse_args(words[1:])  # SystemExit (a failure) if it is not valid
    assert callable(args.handler)
    if step.component:
        assert step.component in words
    if step.environment and step.action is not Action.SHOW_REDIRECT_URI:
        assert words[words.index("--env") + 1] == step.environment


def test_cli_commands_are_exact() -> None:
    assert [step_command(s) for s in STEPS[:4]] == [
        "tokendesk authorize 'My Mail' --env Test",
        "tokendesk authorize Mail --env Production --device",
        "tokendesk authorize Gmail --env Test --no-browser",
        "tokendesk oauth edit Mail --device-url URL",
    ]
    assert step_command(STEPS[6]) == "tokendesk mail edit imaps-x --protocol imap"
    assert step_command(STEPS[9]) == "tokendesk mail folders imaps-x --env Test"


def test_next_step_round_trips_and_rejects_unknown_actions() -> None:
    for step in STEPS:
        assert NextStep.from_dict(step.to_dict()) == step
    assert NextStep.from_dict({"action": "format_disk"}) is None
    assert NextStep.from_dict("authorize") is None
    assert NextStep(Action.EDIT_COMPONENT, field="ca_file").about("imaps-x", "Test") == (
        NextStep(Action.EDIT_COMPONENT, "imaps-x", "Test", field="ca_file")
    )


def test_google_advice_is_kept_by_the_cli() -> None:
    err = classify_oauth_error(
        "invalid_grant", "Token has been expired or revoked.", component=GOOGLE, env="Test"
    )
    assert isinstance(err, ReauthorizationNeeded)
    assert err.next_step == NextStep(Action.AUTHORIZE, "Gmail", "Test")
    message, hint = failure_lines(describe(err))
    assert message.startswith("refreshing the token of 'Gmail' failed: invalid_grant")
    assert "7 days" in hint and "'Testing'" in hint
    assert hint.endswith("; run: tokendesk authorize Gmail --env Test")


def test_describe_is_the_one_formatter() -> None:
    err = ValidationError(
        "bad \x1b[31mvalue\x1b[0m",
        advice="see\nthis",
        next_step=NextStep(Action.LIST_COMPONENTS),
    )
    failure = describe(err)
    assert failure == Failure("bad [31mvalue [0m", "see this", NextStep(Action.LIST_COMPONENTS), 2)
    vault = describe(WrongPassphrase("wrong passphrase or damaged vault", hint="try again"))
    assert (vault.message, vault.advice, vault.next_step, vault.exit_code) == (
        "wrong passphrase or damaged vault", "try again", None, 1,
    )  # fmt: skip
    assert describe(RuntimeError("secret=1")).message == "unexpected internal error (RuntimeError)"
    assert failure_lines(describe(RuntimeError("x"))) == [
        "unexpected internal error (RuntimeError)"
    ]


def test_old_vault_hint_loses_its_command_but_keeps_the_advice() -> None:
    google = (
        "Google expires refresh tokens after 7 days for apps in 'Testing' status (publish the "
        "app to avoid it), and when the user revokes access: authorize again"
    )
    old = {
        "access_token": "a",
        "refresh_token": "r",
        "last_error": "refreshing the token of 'Gmail' failed: invalid_grant",
        "last_error_hint": f"{google}; run: tokendesk authorize Gmail --env Test",
        "needs_reauthorization": True,
    }
    tok = TokenRecord.from_vault(old)
    assert tok.last_error_advice == google
    assert tok.next_step("Gmail", "Test") == NextStep(Action.AUTHORIZE, "Gmail", "Test")
    assert "last_error_hint" not in tok.to_dict()
    only_command = TokenRecord.from_vault(
        {**old, "last_error_hint": "run: tokendesk authorize Gmail --env Test"}
    )
    assert only_command.last_error_advice == ""
    transient = TokenRecord.from_vault(
        {**old, "needs_reauthorization": False, "last_error_hint": "try again later"}
    )
    assert transient.last_error_advice == "try again later"
    assert transient.next_step("Gmail", "Test") is None


def test_parse_params_serves_both_faces() -> None:
    assert parse_params(["prompt=consent", " login_hint = a@b ", "", "drop="]) == (
        ("prompt", "consent"), ("login_hint", "a@b"), ("drop", ""),
    )  # fmt: skip
    assert parse_params("a=1\n\nb=2=3".splitlines()) == (("a", "1"), ("b", "2=3"))
    with pytest.raises(ValidationError, match=r"extra parameter 3 is not KEY=VALUE: 'x'") as err:
        parse_params(["a=1", "", "x"])
    assert err.value.field == "extra_params"
    with pytest.raises(ValidationError):
        parse_params(["=v"])
