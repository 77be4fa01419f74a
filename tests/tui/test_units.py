"""Unit tests for the TUI's pure parts: text safety, columns, durations, import cost.

Paging is unit-tested in the core (tests/core/test_paging.py).
"""

from __future__ import annotations

import subprocess
import sys

from tests.support.fixtures_vault import REPO
from tui.app.widgets.message_list import Columns, flag_marks
from tui.core.text import fit, human_duration, relative, sanitize


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


def test_columns_use_the_width() -> None:
    narrow, wide = Columns(80), Columns(200)
    assert narrow.wide_date and wide.wide_date  # the time stays at 80 columns and up
    assert not Columns(70).wide_date
    assert wide.sender > 28 and wide.subject > narrow.subject
    for cols in (Columns(60), narrow, Columns(120), wide):
        used = 4 + cols.date + 1 + cols.sender + 1 + 2 + cols.subject
        used += cols.size + 1 if cols.size else 0
        assert used == cols.width
