"""Unit tests for position paging: any page at once, a bounded cache, a known size."""

from __future__ import annotations

from tui.core.paging import PagedRows


def page(rows: PagedRows[int], index: int, total: int) -> None:
    """Fill page ``index`` of a newest-first list of UIDs total..1."""
    start = index * rows.page_size
    rows.add_page(
        index, [total - i for i in range(start, min(start + rows.page_size, total))], total
    )


def test_first_page_then_any_page_directly() -> None:
    rows: PagedRows[int] = PagedRows(page_size=10, max_pages=3)
    assert rows.wanted(0, 20) == [0]  # the size is unknown until the first page
    rows.loading.add(0)
    assert rows.wanted(0, 20) == []
    page(rows, 0, 100_000)
    assert rows.total == 100_000 and rows.row(0) == 100_000
    last = rows.page_of(99_999)
    assert rows.wanted(99_990, 99_999) == [last]  # the oldest page in one step
    page(rows, last, 100_000)
    assert rows.row(99_999) == 1


def test_cache_is_bounded_and_evicts_least_recent() -> None:
    rows: PagedRows[int] = PagedRows(page_size=10, max_pages=3)
    for index in range(6):
        page(rows, index, 1000)
    assert rows.cached_pages == 3
    assert rows.row(0) is None and rows.row(55) == 1000 - 55
    assert rows.wanted(0, 9) == [0]


def test_wanted_stops_at_the_end_and_a_size_change_drops_stale_pages() -> None:
    rows: PagedRows[int] = PagedRows(page_size=10)
    page(rows, 0, 15)
    assert rows.wanted(0, 40) == [1]
    page(rows, 1, 15)
    assert rows.wanted(0, 40) == []
    rows.add_page(0, [16], 16)  # new mail arrived: positions moved
    assert rows.row(10) is None and rows.total == 16
    rows.reset()
    assert rows.total is None and rows.cached_pages == 0 and rows.generation == 1
