"""Rows of a whole list (a folder, or search hits), held a few pages at a time.

A list of ``total`` rows is cut into pages of ``page_size`` by position (0 = newest). Any
page can be fetched directly (the mail service pages by position), so the list behaves as
the whole folder from the start: its size is known, the scrollbar covers every message,
and the last row is one fetch away. Only the most recently used ``max_pages`` pages keep
their rows, so memory stays flat however far the user goes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Generic, TypeVar

DEFAULT_PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 8

RowT = TypeVar("RowT")


class PagedRows(Generic[RowT]):
    """Rows by position in pages; see the module docstring."""

    def __init__(
        self, page_size: int = DEFAULT_PAGE_SIZE, max_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        self.page_size = max(page_size, 1)
        self.max_pages = max(max_pages, 2)
        self.total: int | None = None
        """How many rows the list has (None until the first page says)."""
        self.loading: set[int] = set()
        """Page indexes requested and not yet answered."""
        self._pages: OrderedDict[int, tuple[RowT, ...]] = OrderedDict()
        self.generation = 0
        """Bumped by ``reset``: answers for an older generation are dropped."""

    @property
    def cached_pages(self) -> int:
        """Pages whose rows are held now (at most ``max_pages``)."""
        return len(self._pages)

    @property
    def count(self) -> int:
        """Rows in the list (0 while unknown)."""
        return self.total or 0

    def reset(self, total: int | None = None) -> None:
        """Forget every row (a refresh, another folder, a search); ``total`` if known."""
        self.total = total
        self.loading.clear()
        self._pages.clear()
        self.generation += 1

    def page_of(self, index: int) -> int:
        """The page that holds row ``index``."""
        return max(index, 0) // self.page_size

    def row(self, index: int) -> RowT | None:
        """The row at ``index`` if its page is cached (marks the page recently used)."""
        page = self.page_of(index)
        rows = self._pages.get(page)
        offset = index - page * self.page_size
        if rows is None or not 0 <= offset < len(rows):
            return None
        self._pages.move_to_end(page)
        return rows[offset]

    def wanted(self, first: int, last: int) -> list[int]:
        """Pages to fetch so rows ``first..last`` show (none beyond the end)."""
        if self.total is None:
            return [] if 0 in self.loading else [0]
        last = min(last, self.total - 1)
        if last < 0:
            return []
        pages = range(self.page_of(first), self.page_of(last) + 1)
        return [p for p in pages if p not in self._pages and p not in self.loading]

    def add_page(self, page: int, rows: Sequence[RowT], total: int) -> None:
        """Store page ``page``; ``total`` is the list's size the answer reported."""
        self.loading.discard(page)
        if self.total is not None and total != self.total:
            # The folder changed under us: positions moved, so the cached pages are stale.
            self._pages.clear()
        self.total = total
        self._pages[page] = tuple(rows)
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
