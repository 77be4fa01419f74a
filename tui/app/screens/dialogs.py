"""Small modal dialogs: confirm, a message, unsaved changes, and the environment picker.

Each is a ``ModalScreen[T]`` that ``dismiss``es its answer; Esc always means "no/cancel".
Messages may quote user text (component names), so they are shown with markup off.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.app.context import AppModal

CANCEL = Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without acting")


class ConfirmDialog(AppModal[bool]):
    """Ask a yes/no question; the confirm button is focused last so Enter is never a surprise."""

    BINDINGS = [CANCEL]

    def __init__(
        self, title: str, message: str, confirm: str = "OK", *, danger: bool = False
    ) -> None:
        super().__init__(classes="dialog")
        self._title, self._message, self._confirm, self._danger = title, message, confirm, danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(self._message, classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    self._confirm, id="confirm", variant="error" if self._danger else "primary"
                )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class MessageDialog(AppModal[None]):
    """Tell the user something that needs reading (not a passing notification); OK closes."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="dialog")
        self._title, self._message = title, message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(self._message, classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed)
    def _pressed(self) -> None:
        self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()


class PromptDialog(AppModal[str | None]):
    """Ask for one line of text (a directory, a name); Enter accepts, Esc cancels."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str, message: str, value: str = "") -> None:
        super().__init__(classes="dialog")
        self._title, self._message, self._value = title, message, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(self._message, classes="dialog-message", markup=False)
            yield Input(self._value, id="prompt-value")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#prompt-value", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _accept(self) -> None:
        self.dismiss(self.query_one("#prompt-value", Input).value.strip() or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class UnsavedChangesDialog(AppModal[str]):
    """The form has unsaved changes: answer ``save``, ``discard`` or ``cancel``."""

    BINDINGS = [CANCEL]

    def __init__(self, what: str) -> None:
        super().__init__(classes="dialog")
        self._what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Unsaved changes", classes="dialog-title")
            yield Static(
                f"{self._what} has changes that are not saved.",
                classes="dialog-message",
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Discard", id="discard", variant="error")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_cancel(self) -> None:
        self.dismiss("cancel")


class EnvironmentPicker(AppModal[str | None]):
    """Choose the current environment (Enter), or Esc to keep it."""

    BINDINGS = [CANCEL]

    def __init__(self, environments: list[str], current: str) -> None:
        super().__init__(classes="dialog")
        self._environments, self._current = environments, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Switch environment", classes="dialog-title")
            options = [
                Option(
                    Content.assemble("● " if env == self._current else "  ", Content(env)),
                    id=f"env:{env}",
                )
                for env in self._environments
            ]
            yield OptionList(*options, id="environments")
            yield Static(
                "Tokens are kept per environment: authorizing one never touches another.",
                classes="dialog-message",
            )

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        picker.highlighted = self._environments.index(self._current)
        picker.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((event.option.id or "").removeprefix("env:") or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
