"""Messages the TUI's screens and widgets exchange (small dataclasses, no behaviour).

Workers running in threads post these with ``post_message`` (thread-safe); handlers run on
the UI thread. A widget's own messages stay nested in that widget's class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from tui.core.session import Session


@dataclass
class SessionReady(Message):
    """The vault is unlocked (or was just created): the main screen can open."""

    session: Session


@dataclass
class RecordsChanged(Message):
    """The vault's records changed (a save, a refresh, another process); redraw from them."""

    select: str | None = None
    """A component name to select, e.g. after a save or a rename."""


@dataclass
class TokenRefreshed(Message):
    """A background or explicit refresh finished for ``name`` in ``environment``."""

    environment: str
    name: str
    error: str = ""
    """The failure's one-line message ("" on success)."""
    hint: str = ""


@dataclass
class Deferred(Message):
    """A worker's result for the UI thread: the receiver calls ``fn(*args)`` there.

    Posting, unlike ``App.call_from_thread``, never blocks the worker, so a step that closes
    a screen can never wait on the very worker that asked for it.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
