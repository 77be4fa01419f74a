"""How the command line says what to do next: a core ``NextStep`` as the command to run.

The core names an action (``authorize``, ``edit_component``...) with its component and
environment; this module is the one place that turns it into a ``tokendesk`` command line,
quoted for a shell, and joins it with the error's advice into the ``hint:`` line.
"""

from __future__ import annotations

import shlex

from tui.core.errors import Action, Failure, NextStep

PLACEHOLDER = "NAME"
"""Stands for a component or environment the core did not know."""

# Model field -> (verb group, flag, metavar) of the ``edit`` verb that changes it.
EDIT_FLAGS: dict[str, tuple[str, str, str]] = {
    "authorization_url": ("oauth", "--auth-url", "URL"),
    "device_authorization_url": ("oauth", "--device-url", "URL"),
    "token_url": ("oauth", "--token-url", "URL"),
    "scope": ("oauth", "--scope", "SCOPES"),
    "redirect_port": ("oauth", "--redirect-port", "PORT"),
    "host": ("mail", "--host", "HOST"),
    "port": ("mail", "--port", "PORT"),
    "protocol": ("mail", "--protocol", "PROTOCOL"),
    "username": ("mail", "--username", "USER"),
    "ca_file": ("mail", "--ca-file", "PATH"),
    "content": ("mail", "--content", "CONTENT"),
    "token_ref": ("mail", "--token", "@VAR"),
    "from_address": ("mail", "--from", "ADDR"),
}


def command(*words: str) -> str:
    """A ``tokendesk`` command line, quoted for a shell."""
    return shlex.join(["tokendesk", *words])


def _env(step: NextStep) -> tuple[str, ...]:
    return ("--env", step.environment) if step.environment else ()


def step_command(step: NextStep) -> str:
    """The exact command line that performs ``step``."""
    name = step.component or PLACEHOLDER
    match step.action:
        case Action.AUTHORIZE:
            return command("authorize", name, *_env(step))
        case Action.AUTHORIZE_DEVICE:
            return command("authorize", name, *_env(step), "--device")
        case Action.AUTHORIZE_WITHOUT_BROWSER:
            return command("authorize", name, *_env(step), "--no-browser")
        case Action.EDIT_COMPONENT:
            if step.field not in EDIT_FLAGS:
                return command("components")
            group, flag, metavar = EDIT_FLAGS[step.field]
            return command(group, "edit", name, flag, step.value or metavar)
        case Action.SHOW_REDIRECT_URI:
            return command("oauth", "redirect-uri", name)
        case Action.LIST_COMPONENTS:
            return command("components")
        case Action.LIST_FOLDERS:
            return command("mail", "folders", name, *_env(step))
        case Action.SWITCH_ENVIRONMENT:
            return command("env", "use", step.environment or PLACEHOLDER)
        case Action.REFRESH:  # inspect --refresh: refreshes without printing the token
            return command("inspect", name, *_env(step), "--refresh")


def hint(advice: str | None, step: NextStep | None) -> str | None:
    """The ``hint:`` text: the advice, then ``run: COMMAND`` for the next step."""
    parts = [advice] if advice else []
    if step is not None:
        parts.append(f"run: {step_command(step)}")
    return "; ".join(parts) or None


def failure_lines(failure: Failure) -> list[str]:
    """The lines the CLI prints on stderr for ``failure`` (without the program name)."""
    text = hint(failure.advice, failure.next_step)
    return [failure.message, *([f"hint: {text}"] if text else [])]
