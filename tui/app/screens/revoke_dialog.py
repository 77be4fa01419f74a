"""The question before tokens are dropped: revoke them at the provider first, or not.

Forget tokens and Delete component (of an OAuth2 component) ask it. With a revocation
endpoint (RFC 7009) the choices are "... and revoke" (the provider forgets the grant too),
"... here only" and Cancel, dismissed as ``revoke``, ``local`` or ``cancel`` (Esc). Without
one, ``revoke_question`` asks the plain confirmation, saying the tokens stay valid at the
provider; ``choice(answer)`` reads either dialog's answer.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.app.screens.dialogs import CANCEL, ConfirmDialog

NO_ENDPOINT = (
    "This provider has no revocation endpoint: the tokens stay valid there until they "
    "expire or access is removed in the account's settings."
)


def revoke_question(
    title: str, message: str, verb: str, *, endpoint: bool
) -> ModalScreen[str] | ModalScreen[bool]:
    """The dialog to push: ``RevokeDialog`` with an endpoint, else a ``ConfirmDialog``."""
    if endpoint:
        return RevokeDialog(title, message, verb)
    return ConfirmDialog(title, f"{message}\n\n{NO_ENDPOINT}", verb, danger=True)


def choice(answer: str | bool | None) -> str:
    """``revoke``, ``local`` or ``cancel`` from either dialog's answer."""
    if answer is True:
        return "local"
    return answer if answer in ("revoke", "local") else "cancel"


class RevokeDialog(ModalScreen[str]):
    """Ask whether to revoke at the provider before ``verb``-ing (Forget / Delete)."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str, message: str, verb: str) -> None:
        super().__init__(classes="dialog")
        self._title, self._message, self._verb = title, message, verb

    def compose(self) -> ComposeResult:
        note = (
            "Revoking asks the provider to end the grant too (RFC 7009); the local tokens "
            "are dropped even if the provider cannot be reached."
        )
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(f"{self._message}\n\n{note}", classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"{self._verb} here only", id="local")
                yield Button(f"{self._verb} and revoke", id="revoke", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_cancel(self) -> None:
        self.dismiss("cancel")
