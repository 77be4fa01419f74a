"""Unit tests for the TUI's pure parts: paging, text safety, durations, import cost."""

from __future__ import annotations

import subprocess
import sys

from tests.support.fixtures_vault import REPO
from tui.app.widgets.message_list import flag_marks
from tui.core.paging import PagedRows
from tui.core.text import fit, human_duration, relative, sanitize


def pages_of(total: int, size: int):
    """Pages a newest-first folder of UIDs 1..total would return: (rows, next cursor)."""
    uids = list(range(total, 0, -1))
    out = []
    for start in range(0, total, size):
        chunk = uids[start : start + size]
        out.append((chunk, chunk[-1] if start + size < total else None))
    return out


def test_paged_rows_fill_in_order_and_evict() -> None:
    rows = PagedRows(page_size=10, max_pages=3)
    pages = pages_of(95, 10)
    assert rows.wanted(0, 5) == [0] and rows.cursor(0) is None
    for index, (chunk, cursor) in enumerate(pages):
        assert rows.can_fetch(index)
        rows.add_page(index, chunk, cursor, total=95)
        assert rows.cursor(index + 1) == cursor if cursor else True
    assert rows.complete and rows.known_rows == 95 and rows.total == 95
    assert rows.cached_pages == 3  # memory stays flat
    assert rows.row(94) == 1 and rows.row(0) is None  # page 0 was evicted
    assert rows.wanted(0, 5) == [0] and rows.cursor(0) is None
    assert rows.locate(42) == (4, 2)
    assert not rows.can_fetch(len(pages))  # nothing after the oldest page


def test_paged_rows_ask_for_the_next_page_near_the_end() -> None:
    rows = PagedRows(page_size=10, max_pages=4)
    chunk, cursor = pages_of(50, 10)[0]
    rows.add_page(0, chunk, cursor, total=50)
    assert rows.wanted(0, 3) == []
    assert rows.wanted(0, 9) == [1]
    rows.loading.add(1)
    assert rows.wanted(0, 9) == []
    rows.reset()
    assert rows.known_rows == 0 and rows.generation == 1 and rows.wanted(0, 9) == [0]


def test_paged_rows_drop_a_page_that_cannot_be_placed() -> None:
    rows = PagedRows(page_size=10)
    rows.add_page(3, [1, 2, 3], None)
    assert rows.known_rows == 0 and rows.cached_pages == 0


def test_untrusted_text_is_made_harmless() -> None:
    # The list shows untrusted text through the core's sanitizer: no ESC reaches the terminal.
    assert sanitize("a\x1b[31mred\x07") == "a [31mred"
    assert sanitize("tab\there\nnew") == "tab here new"
    assert sanitize("\u202eevil") == "evil"
    assert sanitize("[b]hi[/b]") == "[b]hi[/b]"  # literal; the list never parses markup


def test_fit_crops_by_cells() -> None:
    assert fit("会議の案内", 6) == "会議…" + " "
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 4) == "abc…"


def test_flag_marks() -> None:
    assert flag_marks(()) == "N  "
    assert flag_marks(("\\Seen", "\\Flagged", "\\Answered")) == " !A"


def test_durations() -> None:
    assert human_duration(3725) == "1h 02m"
    assert human_duration(59) == "59s"
    assert human_duration(2 * 86400 + 7200) == "2d 2h"
    assert relative(-90) == "1m 30s ago" and relative(90) == "in 1m 30s"


def test_starting_the_tui_loads_no_network_library() -> None:
    code = (
        "import sys, tui.app.app\n"
        "heavy = [m for m in ('httpx', 'authlib', 'imapclient', 'segno', 'inscriptis')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip() == ""
