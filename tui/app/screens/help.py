"""Help (``?`` / F1): every key, read from the bindings themselves so it never goes stale.

Keys are shown after the user's keymap (``tui.app.keys``).
"""

from __future__ import annotations

import textwrap

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Label, Static

from tui.app.context import AppModal
from tui.app.keys import shown_keys

KEY_COLUMN = 20
"""Where the descriptions start (two spaces, the keys, padding)."""


def _sections(app_class: type[App[object]]) -> list[tuple[str, list[Binding]]]:
    from tui.app.screens.authorize import AuthorizeScreen
    from tui.app.screens.inbox import InboxScreen
    from tui.app.screens.main import MainScreen
    from tui.app.screens.message import MessageScreen
    from tui.app.widgets.message_list import MessageList
    from tui.app.widgets.secret_input import SecretInput
    from tui.app.widgets.sidebar import ComponentList

    def of(*classes: type[DOMNode]) -> list[Binding]:
        return [b for cls in classes for b in cls.BINDINGS if isinstance(b, Binding)]

    return [
        ("Everywhere", of(app_class)),
        ("Component list", of(ComponentList)),
        ("Components", of(MainScreen)),
        ("Authorize dialog", of(AuthorizeScreen)),
        ("Inbox", of(InboxScreen, MessageList)),
        ("Message", of(MessageScreen)),
        ("Secret fields", of(SecretInput)),
    ]


class HelpScreen(AppModal[None]):
    """A scrollable list of keys; any of Esc, q, ? or F1 closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close",
                tooltip="Close the help"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="help-box"):
            yield Label("tokendesk keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(id="help-text")
            yield Static(
                "Tab / shift+tab move between fields · Enter presses a button · "
                "every action is also in the command palette (ctrl+p).",
                classes="dialog-message",
            )

    def on_mount(self) -> None:
        self._show()

    def on_resize(self) -> None:
        self._show()

    def _show(self) -> None:
        width = self.query_one("#help-body", VerticalScroll).scrollable_content_region.width
        self.query_one("#help-text", Static).update(self._text(width))

    def _text(self, width: int = 0) -> Content:
        """Every key; a description longer than ``width`` wraps under its own column."""
        lines: list[Content] = []
        room = max(width - KEY_COLUMN, 20) if width else 0
        for title, bindings in _sections(type(self.app)):
            lines.append(Content.styled(title, "bold $text-primary"))
            seen: set[str] = set()
            for binding in bindings:
                keys = shown_keys(self.app, binding)
                text = binding.tooltip or binding.description
                if not text or keys in seen:
                    continue
                seen.add(keys)
                first, *rest = textwrap.wrap(text, room) if room else [text]
                key = Content.styled(f"{keys:<{KEY_COLUMN - 2}}", "bold")
                lines.append(Content.assemble("  ", key, first))
                lines += [Content(" " * KEY_COLUMN + more) for more in rest]
            lines.append(Content(""))
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.dismiss()
