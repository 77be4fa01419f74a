"""Help (``?`` / F1): every key, read from the bindings themselves so it never goes stale.

Keys are shown after the user's keymap (``tui.app.keys``).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Label, Static

from tui.app.context import AppModal
from tui.app.keys import shown_keys


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
                yield Static(self._text(), id="help-text")
            yield Static(
                "Tab / shift+tab move between fields · Enter presses a button · "
                "every action is also in the command palette (ctrl+p).",
                classes="dialog-message",
            )

    def _text(self) -> Content:
        lines: list[Content] = []
        for title, bindings in _sections(type(self.app)):
            lines.append(Content.styled(title, "bold $text-primary"))
            seen: set[str] = set()
            for binding in bindings:
                keys = shown_keys(self.app, binding)
                text = binding.tooltip or binding.description
                if not text or keys in seen:
                    continue
                seen.add(keys)
                lines.append(Content.assemble("  ", Content.styled(f"{keys:<18}", "bold"), text))
            lines.append(Content(""))
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.dismiss()
