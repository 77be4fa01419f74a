"""Change the vault passphrase: the current one (checked), the new one twice.

The check and the re-wrap run in a worker (the key derivation takes a while); a wrong
current passphrase or two different new ones are shown inline and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from tui.app.context import AppModal
from tui.app.errors import failure_text


class PassphraseDialog(AppModal[bool]):
    """Dismisses True once the vault is re-wrapped under the new passphrase."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="passphrase.cancel",
                tooltip="Keep the current passphrase"),
    ]  # fmt: skip
    AUTO_FOCUS = "#current"

    @dataclass
    class Changed(Message):
        """The worker changed the passphrase."""

    @dataclass
    class Failed(Message):
        """The worker could not change it; ``error`` says why."""

        error: str

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="passphrase-box"):
            yield Label("Change the vault passphrase", classes="dialog-title")
            yield Input(password=True, placeholder="Current passphrase", id="current")
            yield Input(password=True, placeholder="New passphrase", id="new")
            yield Input(password=True, placeholder="New passphrase again", id="again")
            yield Static("", id="passphrase-error", classes="dialog-message", markup=False)
            yield LoadingIndicator(id="passphrase-busy")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Change", id="change", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#passphrase-busy").display = False

    def _error(self, text: str) -> None:
        self.query_one("#passphrase-busy").display = False
        for widget in self.query("Input, Button"):
            widget.disabled = False
        self.query_one("#passphrase-error", Static).update(text)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["current", "new", "again"]
        index = order.index(event.input.id or "current")
        if index < 2:
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self._change()

    @on(Button.Pressed, "#change")
    def _change(self) -> None:
        current = self.query_one("#current", Input).value
        new = self.query_one("#new", Input).value
        again = self.query_one("#again", Input).value
        if not current or not new:
            self._error("Type the current passphrase and the new one.")
            return
        if new != again:
            self.query_one("#new", Input).value = ""
            self.query_one("#again", Input).value = ""
            self.query_one("#new", Input).focus()
            self._error("The two new passphrases differ; type them again.")
            return
        self.query_one("#passphrase-error", Static).update("")
        self.query_one("#passphrase-busy").display = True
        for widget in self.query("Input, Button"):
            widget.disabled = True
        self._run(current, new)

    @work(thread=True, exclusive=True, exit_on_error=False, group="passphrase",
          description="change the vault passphrase")  # fmt: skip
    def _run(self, current: str, new: str) -> None:
        from tui.core.session import Session

        session = self.session
        try:
            # The current passphrase must open the vault before anything changes.
            Session.open(session.path, current)
            session.change_passphrase(new)
        except Exception as exc:  # noqa: BLE001 - shown inline
            self.post_message(self.Failed(failure_text(exc)))
            return
        self.post_message(self.Changed())

    @on(Changed)
    def _changed(self) -> None:
        self.notify("The vault passphrase was changed.", title="Vault")
        self.dismiss(True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._error(message.error)
        self.query_one("#current", Input).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
