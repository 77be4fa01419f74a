"""The row of action buttons above a component's form (what the keys do, for the mouse)."""

from __future__ import annotations

from textual.containers import ItemGrid
from textual.widgets import Button


def action_buttons(kind: str, saved: bool) -> ItemGrid:
    buttons = [
        Button("Save", action="screen.save", variant="primary", compact=True, id="btn-save"),
        Button("Discard", action="screen.discard", compact=True, id="btn-discard"),
    ]
    if saved and kind == "oauth":
        buttons += [
            Button("Authorize", action="screen.authorize", compact=True, id="btn-authorize"),
            Button("Copy URI", action="screen.copy_redirect_uri", compact=True,
                   id="btn-copy", tooltip="Copy the redirect URI to register"),
            Button("Refresh now", action="screen.refresh_token", compact=True,
                   id="btn-refresh"),
            Button("Forget tokens", action="screen.forget_tokens", compact=True,
                   id="btn-forget"),
        ]  # fmt: skip
    if saved and kind == "mail":
        buttons += [
            Button("Test", action="screen.test_connection", compact=True, id="btn-test",
                   tooltip="Test connection"),
            Button("Open inbox", action="screen.open_inbox", compact=True, id="btn-inbox"),
        ]  # fmt: skip
    if saved:
        buttons.append(
            Button("Delete", action="screen.delete_component", compact=True,
                   variant="error", id="btn-delete")
        )  # fmt: skip
    return ItemGrid(*buttons, id="actions", min_column_width=16)
