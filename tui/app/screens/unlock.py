"""Unlock an existing vault, or create a new one; the key derivation runs in a thread.

A wrong passphrase, a damaged file or a vault written by a newer version is shown inline
under the field; the user can retry or quit. ``TOKENDESK_PASSPHRASE`` (when the app was
given one) unlocks at once without asking.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, LoadingIndicator, Static

from tui.app.errors import failure_text
from tui.app.messages import SessionReady, VaultFailed
from tui.app.widgets.field import display_path
from tui.core.session import Session
from vault import KdfParams


class _VaultScreen(Screen[None]):
    """Shared layout: a centred box with passphrase fields, an error line and a spinner."""

    BINDINGS = [
        Binding("ctrl+q", "app.quit", "Quit", id="vault.quit", tooltip="Quit tokendesk"),
    ]
    AUTO_FOCUS = "#passphrase"
    TITLE_TEXT = ""
    CONFIRM = False
    BUTTON = ""

    def __init__(self, vault_path: Path, *, kdf: KdfParams | None = None) -> None:
        super().__init__()
        self.vault_path = vault_path
        self.kdf = kdf

    def compose(self) -> ComposeResult:
        with Vertical(id="vault-box"):
            yield Label(self.TITLE_TEXT, id="vault-title")
            yield Static(f"Vault: {display_path(self.vault_path)}", id="vault-path", markup=False)
            yield Input(password=True, placeholder="Passphrase", id="passphrase")
            if self.CONFIRM:
                yield Input(password=True, placeholder="Passphrase again", id="confirm")
            yield Static("", id="vault-error", markup=False)
            yield LoadingIndicator(id="vault-busy")
            with Horizontal(id="vault-buttons"):
                yield Button(self.BUTTON, variant="primary", id="vault-ok")
                yield Button("Quit", id="vault-quit")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#vault-busy").display = False
        self.query_one("#passphrase", Input).focus()

    @property
    def error_text(self) -> str:
        """The error shown (for tests)."""
        return str(self.query_one("#vault-error", Static).content)

    def set_busy(self, busy: bool) -> None:
        self.query_one("#vault-busy").display = busy
        for widget in self.query("Input, Button#vault-ok"):
            widget.disabled = busy

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.query_one("#vault-error", Static).update(message)
        field = self.query_one("#passphrase", Input)
        field.value = ""
        if self.CONFIRM:
            self.query_one("#confirm", Input).value = ""
        field.focus()

    @on(Button.Pressed, "#vault-quit")
    def _quit(self) -> None:
        self.app.exit(0)

    @on(Button.Pressed, "#vault-ok")
    @on(Input.Submitted)
    def _submit(self, event: Message) -> None:
        if isinstance(event, Input.Submitted) and event.input.id == "passphrase" and self.CONFIRM:
            self.query_one("#confirm", Input).focus()
            return
        passphrase = self.query_one("#passphrase", Input).value
        if not passphrase:
            self.query_one("#vault-error", Static).update("Enter a passphrase.")
            self.query_one("#passphrase", Input).focus()  # where it goes, not "again"
            return
        if self.CONFIRM and passphrase != self.query_one("#confirm", Input).value:
            self.show_error("The two passphrases differ; type them again.")
            return
        self.query_one("#vault-error", Static).update("")
        self.set_busy(True)
        self.run_kdf(passphrase)

    @on(VaultFailed)
    def _failed(self, message: VaultFailed) -> None:
        self.show_error(message.error)

    @work(thread=True, exclusive=True, exit_on_error=False, group="vault", description="vault")
    def run_kdf(self, passphrase: str) -> None:
        """Derive the key and open (or create) the vault off the UI thread."""
        try:
            session = self.open_vault(passphrase)
        except Exception as exc:  # noqa: BLE001 - shown inline; the user may retry
            self.post_message(VaultFailed(failure_text(exc)))
            return
        self.app.post_message(SessionReady(session))

    def open_vault(self, passphrase: str) -> Session:
        """Open or create the vault (blocking: the key derivation takes a while)."""
        raise NotImplementedError


class UnlockScreen(_VaultScreen):
    """Ask for the passphrase of an existing vault."""

    TITLE_TEXT = "Unlock your tokendesk vault"
    BUTTON = "Unlock"

    def __init__(self, vault_path: Path, *, passphrase: str | None = None) -> None:
        super().__init__(vault_path)
        self._auto = passphrase

    def on_mount(self) -> None:
        super().on_mount()
        if self._auto:
            passphrase, self._auto = self._auto, None
            self.set_busy(True)
            self.run_kdf(passphrase)

    def open_vault(self, passphrase: str) -> Session:
        return Session.open(self.vault_path, passphrase)


class CreateVaultScreen(_VaultScreen):
    """Create a new vault (passphrase typed twice)."""

    TITLE_TEXT = "Create a new tokendesk vault"
    CONFIRM = True
    BUTTON = "Create"

    def open_vault(self, passphrase: str) -> Session:
        return Session.create(self.vault_path, passphrase, kdf=self.kdf)
