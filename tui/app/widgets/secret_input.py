"""An input for secrets: masked, never copied or cut, revealed only on an explicit toggle."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import Input


class SecretInput(Input):
    """A masked ``Input`` whose value cannot leave it through the clipboard.

    Copy and cut are replaced by a notice, and mouse selection is off so the screen's own
    "copy selection" cannot pick the value up either. ``reveal`` shows the value in clear
    until it is toggled back; nothing reveals it implicitly.
    """

    ALLOW_SELECT = False
    BINDINGS = [
        Binding(
            "ctrl+c,super+c",
            "copy",
            "Copy",
            show=False,
            id="secret.copy",
            tooltip="Copying a secret is disabled",
        ),
        Binding(
            "ctrl+x",
            "cut",
            "Cut",
            show=False,
            id="secret.cut",
            tooltip="Cutting a secret is disabled",
        ),
    ]

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("password", True)
        super().__init__(value, **kwargs)

    @property
    def revealed(self) -> bool:
        """True while the value is shown in clear."""
        return not self.password

    def reveal(self, show: bool) -> None:
        """Show (True) or mask (False) the value."""
        self.password = not show

    def action_copy(self) -> None:
        self.app.notify("Copying a secret is disabled.", severity="warning")

    def action_cut(self) -> None:
        self.app.notify("Cutting a secret is disabled.", severity="warning")
