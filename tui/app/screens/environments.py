"""Manage environments: add, rename, remove (naming the tokens that go), make current.

The dialog returns one ``EnvironmentChange`` at a time, which the main screen applies in a
worker through ``Session.edit()``. A name the vault would refuse (bad characters, a
duplicate) is checked first on a copy of the records, so the dialog stays open with the
reason and the typed name instead of closing on an error.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.app.context import AppModal
from tui.core.environments import rename_environment, tokens_in
from tui.core.errors import ValidationError

if TYPE_CHECKING:
    from tui.core.records import Records


@dataclass(frozen=True)
class EnvironmentChange:
    """What the user asked for: ``op`` is add, rename, remove or use."""

    op: str
    name: str
    new_name: str = ""


class EnvironmentsDialog(AppModal[EnvironmentChange | None]):
    """The environments with Add / Rename / Remove / Use; Esc closes."""

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="environments.close",
                tooltip="Close without changing anything"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__(classes="dialog")
        self._pending = ""

    def compose(self) -> ComposeResult:
        records = self.session.records
        with Vertical(classes="dialog-box", id="environments-box"):
            yield Label("Environments", classes="dialog-title")
            options = [
                Option(
                    Content.assemble(
                        "● " if env == records.current_environment else "  ",
                        Content(env),
                        Content.styled(f"  {_count_tokens(records, env)}", "$text-muted"),
                    ),
                    id=f"env:{env}",
                )
                for env in records.environments
            ]
            yield OptionList(*options, id="environment-list")
            yield Input(placeholder="Name (for Add or Rename)", id="environment-name",
                        max_length=32)  # fmt: skip
            yield Static("", id="environment-note", classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", id="env-add", compact=True)
                yield Button("Rename", id="env-rename", compact=True)
                yield Button("Remove", id="env-remove", variant="error", compact=True)
                yield Button("Use", id="env-use", variant="primary", compact=True)

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        records = self.session.records
        picker.highlighted = records.environments.index(records.current_environment)
        picker.focus()

    @property
    def chosen(self) -> str:
        """The highlighted environment."""
        option = self.query_one(OptionList).highlighted_option
        return (option.id or "").removeprefix("env:") if option else ""

    def _note(self, text: str) -> None:
        self.query_one("#environment-note", Static).update(text)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        op = (event.button.id or "").removeprefix("env-")
        name = self.query_one("#environment-name", Input).value.strip()
        chosen = self.chosen
        if op == "add":
            if not name:
                self._note("Type the new environment's name first.")
                self.query_one("#environment-name", Input).focus()
                return
            self._dismiss_if_valid(EnvironmentChange("add", name))
        elif op == "rename":
            if not name:
                self._note(f"Type the new name for {chosen} first.")
                self.query_one("#environment-name", Input).focus()
                return
            self._dismiss_if_valid(EnvironmentChange("rename", chosen, name))
        elif op == "use":
            self.dismiss(EnvironmentChange("use", chosen))
        elif op == "remove":
            self._confirm_remove(chosen)

    def _dismiss_if_valid(self, change: EnvironmentChange) -> None:
        """Return ``change`` unless the vault would refuse it; then say why and stay open."""
        trial = copy.deepcopy(self.session.records)
        try:
            if change.op == "add":
                trial.add_environment(change.name)
            else:
                rename_environment(trial, change.name, change.new_name)
        except ValidationError as exc:
            self._note(exc.message)
            self.query_one("#environment-name", Input).focus()
            return
        self.dismiss(change)

    def _confirm_remove(self, env: str) -> None:
        records = self.session.records
        if env == records.current_environment:
            self._note(f"{env} is the current environment: use another one first.")
            return
        if self._pending != env:
            # A second press confirms: the note names what goes.
            self._pending = env
            tokens = tokens_in(records, env)
            went = ", ".join(tokens) if tokens else "no tokens"
            self._note(f"Remove {env} and its tokens ({went})? Press Remove again to confirm.")
            return
        self.dismiss(EnvironmentChange("remove", env))

    @on(OptionList.OptionHighlighted)
    def _moved(self) -> None:
        self._pending = ""
        self._note("")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(EnvironmentChange("use", (event.option.id or "").removeprefix("env:")))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _count_tokens(records: Records, env: str) -> str:
    """How many components hold tokens in ``env``, as "1 token" or "3 tokens"."""
    count = len(tokens_in(records, env))
    return f"{count} token{'' if count == 1 else 's'}"
