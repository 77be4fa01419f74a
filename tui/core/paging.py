"""Rows of a folder, newest first, held a few pages at a time (no Textual here).

Pages arrive from the mail service with a cursor to the next older page. ``PagedRows``
keeps every page's length and cursor (a few integers per page, so a 100,000-message folder
costs kilobytes) but the rows themselves only for the most recently used ``max_pages``;
a page scrolled back into view is fetched again with its stored cursor. Memory therefore
stays flat however far the user scrolls.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from typing import Generic, TypeVar

DEFAULT_PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 8

RowT = TypeVar("RowT")


class PagedRows(Generic[RowT]):
    """Newest-first rows in pages; see the module docstring."""

    def __init__(self, page_size: int = DEFAULT_PAGE_SIZE, max_pages: int = DEFAULT_MAX_PAGES):
        self.page_size = page_size
        self.max_pages = max(max_pages, 2)
        self.total: int | str | None = None
        """The folder's message count, from the newest page."""
        self.complete = False
        """True once the oldest page arrived."""
        self.loading: set[int] = set()
        """Page indexes requested and not yet answered."""
        self._pages: OrderedDict[int, tuple[RowT, ...]] = OrderedDict()
        self._cursors: list[int | str | None] = [None]  # IMAP UIDs or POP3 UIDLs
        self._starts: list[int] = [0]  # _starts[k] = index of page k's first row
        self.generation = 0
        """Bumped by ``reset``: answers for an older generation are dropped."""

    # ------------------------------------------------------------------ shape
    @property
    def known_rows(self) -> int:
        """Rows whose position is known (pages seen at least once)."""
        return self._starts[-1]

    @property
    def pages_seen(self) -> int:
        return len(self._starts) - 1

    @property
    def cached_pages(self) -> int:
        """Pages whose rows are held now (at most ``max_pages``)."""
        return len(self._pages)

    def reset(self) -> None:
        """Forget everything (a refresh, another folder)."""
        self.__init__(self.page_size, self.max_pages)  # type: ignore[misc]
        self.generation += 1

    def locate(self, index: int) -> tuple[int, int]:
        """``(page, offset)`` of row ``index``; page == pages_seen for the row after them."""
        if index >= self.known_rows:
            return self.pages_seen, index - self.known_rows
        page = bisect_right(self._starts, index) - 1
        return page, index - self._starts[page]

    def row(self, index: int) -> RowT | None:
        """The row at ``index`` if its page is cached (marks the page recently used)."""
        page, offset = self.locate(index)
        rows = self._pages.get(page)
        if rows is None or offset >= len(rows):
            return None
        self._pages.move_to_end(page)
        return rows[offset]

    def cursor(self, page: int) -> int | str | None:
        """The ``before_uid`` to fetch ``page`` with (None: the newest page)."""
        return self._cursors[page]

    def can_fetch(self, page: int) -> bool:
        """True when ``page``'s cursor is known, it is not cached and not being fetched."""
        if page in self._pages or page in self.loading:
            return False
        if page >= len(self._cursors):
            return False
        return not (page == self.pages_seen and self.complete)

    def wanted(self, first: int, last: int) -> list[int]:
        """Pages to fetch so rows ``first..last`` show (plus the next one when near the end)."""
        pages = {self.locate(i)[0] for i in (first, last) if i >= 0}
        start, end = min(pages, default=0), max(pages, default=0)
        wanted = [p for p in range(start, end + 1) if self.can_fetch(p)]
        if last >= self.known_rows - self.page_size // 2 and self.can_fetch(self.pages_seen):
            if self.pages_seen not in wanted:
                wanted.append(self.pages_seen)
        return wanted

    # ------------------------------------------------------------------ filling
    def add_page(
        self,
        page: int,
        rows: Sequence[RowT],
        next_cursor: int | str | None,
        total: int | None = None,
    ) -> None:
        """Store page ``page`` (its rows and the cursor of the page after it)."""
        self.loading.discard(page)
        if total is not None and page == 0:
            self.total = total
        rows = tuple(rows)
        if page == self.pages_seen:
            self._starts.append(self._starts[-1] + len(rows))
            self._cursors.append(next_cursor)
            if next_cursor is None or not rows:
                self.complete = True
        elif page > self.pages_seen:
            return  # a page after an unknown one cannot be placed
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
