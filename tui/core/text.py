"""Text helpers shared by both faces: the sanitizer for untrusted text, sizes, durations, fitting.

Every piece of text that comes from outside (server replies, folder names, mail headers,
OAuth error fields, file names) passes through ``sanitize`` before a terminal sees it: it
removes what could drive the terminal (ESC and every other C0/C1 control, DEL) or reorder
what is shown (bidi overrides and isolates, line and paragraph separators). The faces call
it again as a backstop where they print errors and notifications.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls (but tab/newline, handled by mode), DEL, C1 controls, bidi embeddings,
# overrides and isolates, LRM/RLM/ALM, line/paragraph separators.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_SPACE_RUN = re.compile(r"\s+")
_EXACT_UNSAFE = re.compile(_UNSAFE.pattern[:-1] + r"\t\n\r\x85]")


def sanitize(
    text: object, *, multiline: bool = False, limit: int | None = None, exact: bool = False
) -> str:
    """``text`` made safe for a terminal.

    Args:
        text: untrusted text (``bytes`` are decoded as UTF-8 with replacement).
        multiline: keep newlines and tabs (line endings normalized to ``\\n``); otherwise
            all whitespace, newlines included, collapses to single spaces on one line.
        limit: cut to at most this many characters, ending with an ellipsis.
        exact: for names that must stay recognisable (folder names): each unsafe
            character, newline or tab becomes U+FFFD and nothing else changes, so a safe
            name comes back unchanged, spaces included.
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    value = str(text)
    if exact:
        value = _EXACT_UNSAFE.sub("\ufffd", value)
    elif multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = _UNSAFE.sub("", value)
    else:
        value = _SPACE_RUN.sub(" ", _UNSAFE.sub(" ", value.replace("\t", " "))).strip()
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 1)] + "…"
    return value


def one_line(text: object, limit: int = 300) -> str:
    """Untrusted ``text`` on one line of at most ``limit`` characters."""
    return sanitize(text, limit=limit)


def is_safe(text: str) -> bool:
    """True when ``text`` holds nothing ``sanitize`` would remove (newlines allowed)."""
    return _UNSAFE.search(text) is None


def human_size(size: int, *, compact: bool = False) -> str:
    """``512`` -> ``512 bytes``, ``1536`` -> ``1.5 KB``, up to GB.

    ``compact`` is for narrow columns: ``512B``, ``1.5K``, ``2.0M``, ``3.0G``.
    """
    units = ("B", "K", "M", "G") if compact else ("bytes", "KB", "MB", "GB")
    space = "" if compact else " "
    value = float(size)
    for unit in units[:-1]:
        if value < 1024:
            if unit == units[0]:
                return f"{int(value)}{space}{unit}"
            return f"{value:.1f}{space}{unit}"
        value /= 1024
    return f"{value:.1f}{space}{units[-1]}"


def human_duration(seconds: float | None) -> str:
    """``45s``, ``5m 00s``, ``1h 02m``, ``2d 4h``; ``-`` for None; the sign is ignored."""
    if seconds is None:
        return "-"
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def human_expiry(seconds: float | None) -> str:
    """Time left until an expiry: ``5m 00s``; ``expired 5m 00s ago`` once past; ``-`` for None."""
    if seconds is None:
        return "-"
    return human_duration(seconds) if seconds >= 0 else f"expired {human_duration(seconds)} ago"


def relative(seconds: float) -> str:
    """``in 5m 00s`` for the future, ``5m 00s ago`` for the past."""
    return f"in {human_duration(seconds)}" if seconds >= 0 else f"{human_duration(seconds)} ago"


def cell_width(ch: str) -> int:
    """Terminal cells taken by one character (0 for combining marks, 2 for wide ones)."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cells(text: str) -> int:
    """Terminal cells taken by ``text``."""
    return sum(cell_width(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut (with an ellipsis) and padded to exactly ``width`` terminal cells."""
    if width <= 0:
        return ""
    total = cells(text)
    limit = width if total <= width else width - 1
    used, out = 0, []
    for ch in text:
        w = cell_width(ch)
        if used + w > limit:
            break
        out.append(ch)
        used += w
    if total > width:
        out.append("…")
        used += 1
    return "".join(out) + " " * max(0, width - used)
