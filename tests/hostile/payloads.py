"""Every class of terminal-driving text, and the check that none of it got through."""

from __future__ import annotations

import re

PAYLOADS = {
    "osc52": "\x1b]52;c;aGFja2Vk\x07",  # clipboard write
    "osc0": "\x1b]0;pwned-title\x07",  # window title
    "csi2j": "\x1b[2J\x1b[H",  # clear screen
    "c1": "\x9b2J\x9d0;c1-title\x9c",  # C1 CSI, C1 OSC ... ST
    "bidi": "\u202ereversed\u202c \u2066isolated\u2069 \u200f",  # overrides, isolates, RLM
    "newline": "first\r\nFAKE-LINE: all good\nFAKE-LINE2\u2028FAKE-LINE3",  # line injection
}
ALL = "".join(PAYLOADS.values())
"""Every class at once (what the servers send in these tests)."""

_BAD = re.compile(r"[\x1b\x80-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def assert_clean(output: str | bytes, where: str = "") -> None:
    """No ESC, C1 or bidi control, and no line made by the hostile text."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    bad = _BAD.search(text)
    assert bad is None, f"{where}: {bad.group()!r} reached the output: {text[:300]!r}"
    for line in text.splitlines():
        assert not line.startswith("FAKE-LINE"), f"{where}: a line was injected: {line!r}"
