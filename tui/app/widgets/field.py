"""A labelled form field: the label, the control, its one-line help, and an inline error.

Labels and help come from ``tui.core.models.field_help.FIELD_HELP`` so the TUI and the CLI
describe a field in the same words. Errors are untrusted text (they quote what the user
typed), so they are shown with markup off.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from tui.core.models.field_help import FIELD_HELP


def display_path(path: Path) -> str:
    """``path`` with the home directory shown as ``~`` (shorter, and the same on every box)."""
    try:
        return "~/" + str(Path(path).resolve().relative_to(Path.home().resolve()))
    except (ValueError, RuntimeError, OSError):
        return str(path)


class Field(Vertical):
    """One form row. ``Field("token_url", Input(...))``."""

    DEFAULT_CSS = """
    Field {
        height: auto;
        margin: 0 0 1 0;
    }
    Field > .field--label {
        text-style: bold;
    }
    Field > .field--help {
        color: $text-muted;
    }
    Field > .field--error {
        color: $text-error;
        display: none;
    }
    Field.-invalid > .field--error {
        display: block;
    }
    Field.-invalid > Input, Field.-invalid > Select {
        border: tall $error;
    }
    Field.-invalid > Input.-textual-compact {
        border: none;
        background: $error 20%;
    }
    """

    def __init__(
        self,
        key: str,
        control: Widget,
        *,
        label: str | None = None,
        help: str | None = None,  # noqa: A002 - the field's help text
        id: str | None = None,  # noqa: A002 - Textual's name for it
    ) -> None:
        default_label, default_help = FIELD_HELP.get(key, (key, ""))
        super().__init__(id=id or f"field-{key}")
        self.key = key
        self.control = control
        self._label = label if label is not None else default_label
        self._help = help if help is not None else default_help

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="field--label", markup=False)
        yield self.control
        if self._help:
            yield Static(self._help, classes="field--help", markup=False)
        yield Static("", classes="field--error", markup=False)

    def set_help(self, text: str) -> None:
        """Replace the help line (a preset may need to say more than the generic text)."""
        for box in self.query(".field--help").results(Static):
            box.update(text)

    @property
    def error(self) -> str:
        """The error shown under the field ("" when valid)."""
        return str(self.query_one(".field--error", Static).content) if self.is_invalid else ""

    @property
    def is_invalid(self) -> bool:
        """True while an error is shown."""
        return self.has_class("-invalid")

    def set_error(self, message: str | None) -> None:
        """Show ``message`` under the field, or clear it with None/""."""
        self.query_one(".field--error", Static).update(message or "")
        self.set_class(bool(message), "-invalid")
