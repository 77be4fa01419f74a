"""A line-API message list: only the rows near the viewport exist as text.

The list draws rows from ``PagedRows``; a row whose page is not cached shows a placeholder
and the list posts ``NeedPages`` so the screen fetches it in a worker. Subjects and names
are untrusted: they are drawn as plain segments (markup never parsed) with control
characters made visible, so an escape sequence in a subject cannot reach the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.mail.models import MessageSummary
from tui.core.paging import PagedRows
from tui.core.text import fit, sanitize


def flag_marks(flags: tuple[str, ...]) -> str:
    """mutt-like marks: N unseen, ! flagged, A answered, D deleted."""
    lowered = {f.lower() for f in flags}
    return (
        ("N" if "\\seen" not in lowered else " ")
        + ("!" if "\\flagged" in lowered else " ")
        + ("A" if "\\answered" in lowered else ("D" if "\\deleted" in lowered else " "))
    )


def format_date(when: datetime | None, wide: bool) -> str:
    if when is None:
        return ""
    return when.strftime("%Y-%m-%d %H:%M" if wide else "%Y-%m-%d")


class MessageList(ScrollView, can_focus=True):
    """Rows from a ``PagedRows``; ``cursor`` is the highlighted row index."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="inbox.up", tooltip="Previous message"),
        Binding("down,j", "cursor_down", "Down", show=False, id="inbox.down",
                tooltip="Next message"),
        Binding("pageup", "page_up", "Page up", show=False, id="inbox.page_up",
                tooltip="One screen up"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="inbox.page_down",
                tooltip="One screen down"),
        Binding("home,g", "first", "First", show=False, id="inbox.first", tooltip="Newest"),
        Binding("end,G", "last", "Last", show=False, id="inbox.last",
                tooltip="Oldest loaded (loads more)"),
        Binding("enter", "open", "Open", id="inbox.open", tooltip="Open the message"),
    ]  # fmt: skip

    COMPONENT_CLASSES = {
        "message-list--cursor",
        "message-list--unseen",
        "message-list--muted",
    }

    DEFAULT_CSS = """
    MessageList {
        background: $surface;
        overflow-x: hidden;
    }
    MessageList > .message-list--cursor {
        background: $block-cursor-blurred-background;
    }
    MessageList:focus > .message-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    MessageList > .message-list--unseen {
        text-style: bold;
    }
    MessageList > .message-list--muted {
        color: $text-muted;
    }
    """

    cursor: reactive[int] = reactive(0)

    @dataclass
    class NeedPages(Message):
        """Pages (indexes into ``rows``) that should be fetched now."""

        message_list: MessageList
        pages: list[int]

    @dataclass
    class Opened(Message):
        """Enter on a loaded row."""

        message_list: MessageList
        summary: MessageSummary

    def __init__(self, rows: PagedRows[MessageSummary] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: PagedRows[MessageSummary] = rows or PagedRows()
        self.stopped = ""
        """Why no more rows come (an error): shown instead of "Loading…"."""

    # ------------------------------------------------------------ shape
    def rows_changed(self) -> None:
        """Call after ``rows`` gained or lost pages: resize, redraw, ask for more."""
        extra = 0 if self.rows.complete else 1
        self.virtual_size = Size(self.scrollable_content_region.width, self.rows.known_rows + extra)
        if self.cursor >= max(self.rows.known_rows, 1):
            self.cursor = max(self.rows.known_rows - 1, 0)
        self.refresh()
        self.call_after_refresh(self.request_visible)

    def request_visible(self) -> None:
        """Post ``NeedPages`` for the rows around the viewport and the cursor."""
        top = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        pages = self.rows.wanted(min(top, self.cursor), max(top + height, self.cursor))
        if pages:
            self.rows.loading.update(pages)
            self.post_message(self.NeedPages(self, pages))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.request_visible()

    def on_resize(self) -> None:
        self.rows_changed()

    # ------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self.rows.known_rows:
            if index == self.rows.known_rows and not self.rows.complete:
                muted = self.get_component_rich_style("message-list--muted")
                text = "  Loading older messages…" if self.rows.known_rows else "  Loading…"
                if self.stopped:
                    text = f"  {self.stopped}"
                return Strip([Segment(fit(text, width), base + muted)], width)
            return Strip.blank(width, base)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("message-list--cursor")
        summary = self.rows.row(index)
        if summary is None:
            muted = self.get_component_rich_style("message-list--muted")
            return Strip([Segment(fit("  …", width), style + muted)], width)
        return Strip(self._segments(summary, width, style), width)

    def _segments(self, s: MessageSummary, width: int, style: Style) -> list[Segment]:
        wide = width >= 100
        date_w = 16 if wide else 10
        from_w = 28 if wide else min(20, max(width // 4, 8))
        subject_w = max(width - 3 - 1 - date_w - 1 - from_w - 1, 0)
        if "\\seen" not in {f.lower() for f in s.flags}:
            style = style + self.get_component_rich_style("message-list--unseen")
        text = (
            flag_marks(s.flags)
            + " "
            + fit(format_date(s.date, wide), date_w)
            + " "
            + fit(sanitize(s.sender), from_w)
            + " "
            + fit(sanitize(s.subject) or "(no subject)", subject_w)
        )
        return [Segment(fit(text, width), style)]

    def header_text(self, width: int) -> str:
        """Column titles aligned with the rows."""
        wide = width >= 100
        date_w = 16 if wide else 10
        from_w = 28 if wide else min(20, max(width // 4, 8))
        return fit("    " + fit("Date", date_w) + " " + fit("From", from_w) + " Subject", width)

    # ------------------------------------------------------------ cursor
    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old - int(self.scroll_y))
        self._refresh_row(new - int(self.scroll_y))
        self.scroll_to_region_cursor()
        # The list may just have grown: scroll again once the new size is laid out, and
        # ask for what the cursor needs even if the viewport could not move yet.
        self.call_after_refresh(self.scroll_to_region_cursor)
        self.request_visible()

    def _refresh_row(self, y: int) -> None:
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def scroll_to_region_cursor(self) -> None:
        top = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def validate_cursor(self, value: int) -> int:
        limit = self.rows.known_rows - 1
        return max(0, min(value, limit)) if limit >= 0 else 0

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(self.scrollable_content_region.height - 1, 1)

    def action_page_down(self) -> None:
        self.cursor += max(self.scrollable_content_region.height - 1, 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.rows.known_rows - 1

    def action_open(self) -> None:
        summary = self.rows.row(self.cursor)
        if summary is not None:
            self.post_message(self.Opened(self, summary))

    def on_click(self, event: Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < self.rows.known_rows:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    @property
    def current(self) -> MessageSummary | None:
        """The highlighted row's summary (None while its page is not loaded)."""
        return self.rows.row(self.cursor)
