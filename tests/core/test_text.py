"""The core's text helpers: the sanitizer for untrusted text, sizes, durations, fitting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.text import fit, human_duration, human_size, is_safe, one_line, relative, sanitize

HOSTILE = [
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52 clipboard write
    "\x1b]0;title\x07",  # OSC 0 window title
    "\x1b[2J\x1b[H",  # CSI clear screen
    "\x9b2J",  # C1 CSI
    "\x9d0;t\x9c",  # C1 OSC ... ST
    "\u202eevil\u202c",  # bidi override
    "\u2066iso\u2069",  # bidi isolate
    "a\u2028b\u2029c",  # line and paragraph separators
    "\x00\x07\x08\x7f",  # NUL, BEL, BS, DEL
]


@pytest.mark.parametrize("text", HOSTILE)
def test_sanitize_removes_every_terminal_control(text):
    for multiline in (False, True):
        out = sanitize(text, multiline=multiline)
        assert is_safe(out)
        assert "\x1b" not in out and not any(0x80 <= ord(c) <= 0x9F for c in out)


def test_single_line_mode_collapses_newlines_and_multiline_keeps_them():
    assert sanitize("a\r\nb\tc\n\nd") == "a b c d"
    assert sanitize("a\r\nb\rc\n\td", multiline=True) == "a\nb\nc\n\td"
    assert sanitize(b"caf\xc3\xa9 \xff") == "café \ufffd"


def test_limit_cuts_with_an_ellipsis():
    assert one_line("x" * 400, limit=10) == "x" * 9 + "…"
    assert one_line("  short  ") == "short"


@given(st.text())
def test_sanitize_output_is_always_safe(text):
    assert is_safe(sanitize(text)) and is_safe(sanitize(text, multiline=True))
    assert "\n" not in sanitize(text)


def test_sizes_and_durations():
    assert [human_size(n) for n in (0, 512, 1536, 5 * 1024**2, 3 * 1024**3)] == [
        "0 bytes", "512 bytes", "1.5 KB", "5.0 MB", "3.0 GB",
    ]  # fmt: skip
    assert [human_duration(s) for s in (None, 59, 90, 3725, 2 * 86400 + 7200)] == [
        "-", "59s", "1m 30s", "1h 02m", "2d 2h",
    ]  # fmt: skip
    assert relative(90) == "in 1m 30s" and relative(-90) == "1m 30s ago"


def test_fit_counts_terminal_cells():
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 4) == "abc…"
    assert fit("日本語", 4) == "日… "  # a wide character that does not fit leaves a pad
    assert fit("anything", 0) == ""


def test_compact_sizes_and_expiry() -> None:
    from tui.core.text import human_expiry

    assert [human_size(n, compact=True) for n in (0, 512, 1536, 5 * 1024**2, 3 * 1024**4)] == [
        "0B", "512B", "1.5K", "5.0M", "3072.0G",
    ]  # fmt: skip
    assert human_expiry(None) == "-" and human_expiry(90) == "1m 30s"
    assert human_expiry(-90) == "expired 1m 30s ago"
