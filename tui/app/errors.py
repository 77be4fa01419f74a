"""The app's one error formatter: an exception as one secret-free line for the screen.

Every screen, dialog and notification of the TUI formats failures here, so they read the
same everywhere and never name a CLI command or flag. It renders the core's formatter
(``tui.core.errors.describe``): the message, the advice (the provider's own included) and
the next step as the key to press (``tui.app.next_step``).
"""

from __future__ import annotations

from tui.app.next_step import advice_text
from tui.core.errors import describe
from tui.core.text import one_line


def failure_text(exc: BaseException) -> str:
    """A one-line, secret-free text for ``exc`` (message — advice; next step as keys)."""
    failure = describe(exc)
    more = advice_text(failure.advice, failure.next_step)
    return one_line(f"{failure.message} — {more}" if more else failure.message, limit=1000)
