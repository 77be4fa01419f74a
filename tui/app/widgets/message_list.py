"""A line-API message list over a whole folder: only the rows near the viewport exist.

The list draws rows from ``PagedRows`` (positions 0 = newest .. total-1 = oldest); its
virtual height is the folder's message count, so the scrollbar covers every message and
End reaches the oldest in one step. A row whose page is not cached shows a placeholder
and the list posts ``NeedPages`` so the screen fetches it in a worker. Subjects and names
are untrusted: they are drawn as plain segments (markup never parsed) through the core's
sanitizer, so an escape sequence in a subject cannot reach the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.paging import PagedRows
from tui.core.text import fit, human_size, sanitize

if TYPE_CHECKING:
    from tui.core.mail.positions import Row


def flag_marks(flags: tuple[str, ...]) -> str:
    """mutt-like marks: N unseen, ! flagged, A answered, D deleted."""
    lowered = {f.lower() for f in flags}
    return (
        ("N" if "\\seen" not in lowered else " ")
        + ("!" if "\\flagged" in lowered else " ")
        + ("A" if "\\answered" in lowered else ("D" if "\\deleted" in lowered else " "))
    )


def short_size(size: int) -> str:
    """``475 B``, ``1.5 KB``: the size column's form of ``human_size``."""
    return f"{size} B" if size < 1024 else human_size(size)


def format_date(when: datetime | None, wide: bool) -> str:
    if when is None:
        return ""
    return when.strftime("%Y-%m-%d %H:%M" if wide else "%Y-%m-%d")


@dataclass(frozen=True)
class Columns:
    """Column widths for a list ``width`` cells wide (they grow with the width)."""

    width: int

    @property
    def wide_date(self) -> bool:
        return self.width >= 80

    @property
    def date(self) -> int:
        return 16 if self.wide_date else 10

    @property
    def size(self) -> int:
        return 8 if self.width >= 70 else 0

    @property
    def sender(self) -> int:
        rest = self.width - 4 - self.date - 1 - self.size - 3
        # A quarter of what is left, within reason: names are short, subjects long.
        return max(8, min(40, rest // 3))

    @property
    def subject(self) -> int:
        used = 4 + self.date + 1 + self.sender + 1 + (self.size + 1 if self.size else 0) + 2
        return max(self.width - used, 0)


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
        Binding("home,g", "first", "Newest", show=False, id="inbox.first",
                tooltip="The newest message"),
        Binding("end,G", "last", "Oldest", show=False, id="inbox.last",
                tooltip="The oldest message of the folder"),
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
        row: Row

    def __init__(self, rows: PagedRows[Row] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: PagedRows[Row] = rows or PagedRows()
        self.stopped = ""
        """Why no rows come (an error): shown instead of "Loading…"."""
        self.empty_text = "This folder is empty."

    # ------------------------------------------------------------ shape
    def rows_changed(self) -> None:
        """Call after ``rows`` changed: resize to the whole list, redraw, ask for pages."""
        height = max(self.rows.count, 1)
        self.virtual_size = Size(self.scrollable_content_region.width, height)
        if self.cursor >= max(self.rows.count, 1):
            self.cursor = max(self.rows.count - 1, 0)
        self.refresh()
        self.call_after_refresh(self.request_visible)

    def request_visible(self) -> None:
        """Post ``NeedPages`` for the rows in the viewport and at the cursor."""
        top = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        pages = self.rows.wanted(top, top + height)
        if self.rows.total is not None:
            pages += [p for p in self.rows.wanted(self.cursor, self.cursor) if p not in pages]
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
        muted = self.get_component_rich_style("message-list--muted")
        if self.rows.total is None or self.rows.count == 0:
            if y != 0:
                return Strip.blank(width, base)
            text = "  Loading…" if self.rows.total is None else f"  {self.empty_text}"
            if self.stopped:
                text = f"  {self.stopped}"
            return Strip([Segment(fit(text, width), base + muted)], width)
        if index >= self.rows.count:
            return Strip.blank(width, base)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("message-list--cursor")
        row = self.rows.row(index)
        if row is None:
            return Strip([Segment(fit("  …", width), style + muted)], width)
        return Strip(self._segments(row, width, style), width)

    def _segments(self, row: Row, width: int, style: Style) -> list[Segment]:
        s = row.summary
        cols = Columns(width)
        if "\\seen" not in {f.lower() for f in s.flags}:
            style = style + self.get_component_rich_style("message-list--unseen")
        text = (
            flag_marks(s.flags)
            + " "
            + fit(format_date(s.date, cols.wide_date), cols.date)
            + " "
            + fit(sanitize(s.sender), cols.sender)
            + " "
            + ("📎" if row.attachments else "  ")
            + fit(sanitize(s.subject) or "(no subject)", cols.subject)
            + (" " + fit(short_size(s.size).rjust(cols.size), cols.size) if cols.size else "")
        )
        return [Segment(fit(text, width), style)]

    def header_text(self, width: int) -> str:
        """Column titles aligned with the rows."""
        cols = Columns(width)
        size = " " + "Size".rjust(cols.size) if cols.size else ""
        head = "    " + fit("Date", cols.date) + " " + fit("From", cols.sender) + " "
        return fit(head + "  " + fit("Subject", cols.subject) + size, width)

    # ------------------------------------------------------------ cursor
    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old - int(self.scroll_y))
        self._refresh_row(new - int(self.scroll_y))
        self.scroll_to_region_cursor()
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
        limit = self.rows.count - 1
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
        self.cursor = self.rows.count - 1

    def action_open(self) -> None:
        row = self.rows.row(self.cursor)
        if row is not None:
            self.post_message(self.Opened(self, row))

    def on_click(self, event: Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < self.rows.count:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    @property
    def current(self) -> Row | None:
        """The highlighted row (None while its page is not loaded)."""
        return self.rows.row(self.cursor)
