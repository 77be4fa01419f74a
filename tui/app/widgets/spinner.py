"""A one-line spinner with a label, for "Waiting for the browser…" and the like.

The frame comes from the app's clock, so with a frozen clock (snapshots) it stands still.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Spinner(Static):
    """``Spinner("Waiting for the browser…")``; ``stop(text)`` replaces it by a final line."""

    DEFAULT_CSS = """
    Spinner {
        height: auto;
    }
    """

    def __init__(self, label: str = "", **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.label = label
        self.spinning = True

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.1, self._frame, name="spinner")
        self._frame()

    def _frame(self) -> None:
        if not self.spinning:
            return
        clock = getattr(self.app, "clock", None)
        tick = int((clock() if clock else 0) * 10)
        frame = FRAMES[tick % len(FRAMES)]
        self.update(Content.assemble(Content.styled(frame, "$text-accent"), " ", self.label))

    def start(self, label: str) -> None:
        """Spin again with a new label."""
        self.label = label
        self.spinning = True
        self._frame()

    def stop(self, text: Content | str = "") -> None:
        """Stop spinning and show ``text`` (literal)."""
        self.spinning = False
        self.update(text if isinstance(text, Content) else Content(text))
