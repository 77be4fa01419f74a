"""The app's one error formatter: an exception as one secret-free line for the screen.

Every screen, dialog and notification of the TUI formats failures here, so they read the
same everywhere and never name a CLI command or flag: the next step is the key to press.
"""

from __future__ import annotations

from tui.core.errors import ReauthorizationNeeded, TokendeskError
from tui.core.text import one_line
from vault import VaultError

REAUTHORIZE = "authorize again: a, on the OAuth2 component"


def failure_text(exc: BaseException) -> str:
    """A one-line, secret-free text for ``exc`` (message — next step)."""
    if isinstance(exc, ReauthorizationNeeded):
        return one_line(f"{exc.message} — {REAUTHORIZE}")
    if isinstance(exc, TokendeskError | VaultError):
        return one_line(exc.message + (f" — {exc.hint}" if exc.hint else ""))
    if isinstance(exc, OSError):
        return one_line(f"could not access the file: {exc.strerror or type(exc).__name__}")
    return f"unexpected error ({type(exc).__name__})"
