"""Messages the TUI's screens and widgets exchange: one small dataclass per outcome.

Workers running in threads post these with ``post_message`` (thread-safe) and the
receiving screen handles each with ``@on``; nothing runs a callable "later". A widget's
own messages stay nested in that widget's class. Messages that only ask for a redraw set
``can_replace`` so a burst of them coalesces into one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from textual.message import Message

from tui.core.session import Session

if TYPE_CHECKING:
    from tui.core.mail.client import MailClient
    from tui.core.mail.models import Folder, MessageView
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.positions import PositionPage
    from tui.core.models.oauth import TokenRecord
    from tui.core.oauth.device import DeviceFlow
    from tui.core.records import Component


# ------------------------------------------------------------------ app
@dataclass
class SessionReady(Message):
    """The vault is unlocked (or was just created): the main screen can open."""

    session: Session


@dataclass
class VaultFailed(Message):
    """Opening or creating the vault failed; ``error`` is the one-line reason."""

    error: str


@dataclass
class RecordsChanged(Message):
    """The vault's records changed (a save, a refresh, another process); redraw from them."""

    select: str | None = None
    """A component name to select, e.g. after a save or a rename."""

    def can_replace(self, message: Message) -> bool:
        # A pending redraw is superseded unless it carries a selection this one would lose.
        return isinstance(message, RecordsChanged) and message.select in (None, self.select)


@dataclass
class BackgroundRefreshFailed(Message):
    """The background refresh of one token (or re-reading the vault) failed."""

    text: str


# ------------------------------------------------------------------ main screen
@dataclass
class ComponentSaved(Message):
    """``component`` was written to the vault."""

    component: Component


@dataclass
class SaveFailed(Message):
    """Saving the form failed."""

    error: BaseException


@dataclass
class ComponentDeleted(Message):
    """Component ``name`` (and its tokens) left the vault."""

    name: str


@dataclass
class ActionFailed(Message):
    """A main-screen action failed; ``text`` says what and why (one line)."""

    text: str
    title: str = ""


@dataclass
class TokenRefreshed(Message):
    """An explicit refresh of ``name`` in ``environment`` finished (``warning``: kept old)."""

    environment: str
    name: str
    warning: str = ""


@dataclass
class TokensForgotten(Message):
    """The tokens of ``name`` in ``environment`` were dropped (``had``: there were some)."""

    environment: str
    name: str
    had: bool
    revocation: str = ""
    """What the provider said about revoking them ("" when not asked)."""
    revocation_failed: bool = False
    """Revoking was asked for and failed (the local tokens are gone anyway)."""


@dataclass
class ConnectionTested(Message):
    """A mail connection test ended; ``ok`` tells how, ``text`` is the result to show."""

    ok: bool
    text: str


# ------------------------------------------------------------------ authorize dialog
@dataclass
class AuthorizationStarted(Message):
    """The callback server listens; ``url`` is the sign-in page (browser or not)."""

    url: str
    port: int
    usable: bool
    reason: str


@dataclass
class BrowserFailed(Message):
    """The browser could not start or exited with an error; ``reason`` says which."""

    reason: str


@dataclass
class DeviceCodeReceived(Message):
    """The device authorization answered with a user code to show."""

    flow: DeviceFlow


@dataclass
class AuthorizationFailed(Message):
    """The authorization ended without tokens."""

    error: BaseException


@dataclass
class AuthorizationSucceeded(Message):
    """Tokens were saved."""

    token: TokenRecord


# ------------------------------------------------------------------ mail
@dataclass
class MailConnected(Message):
    """The inbox's client is logged in."""

    client: MailClient | Pop3Client


@dataclass
class MailConnectFailed(Message):
    """Connecting or logging in failed."""

    error: BaseException


@dataclass
class FoldersListed(Message):
    """The folder list arrived (``error``: listing failed, the list may still work)."""

    folders: list[Folder]
    error: str = ""


@dataclass
class PageArrived(Message):
    """Page ``index`` of ``folder`` (for paging ``generation``) arrived."""

    index: int
    generation: int
    folder: str
    page: PositionPage


@dataclass
class PageFailed(Message):
    """Fetching page ``index`` failed."""

    index: int
    generation: int
    error: BaseException


@dataclass
class SearchDone(Message):
    """The server answered a search of ``folder``: ``hits`` are sequence numbers."""

    folder: str
    text: str
    hits: list[int]


@dataclass
class DateFound(Message):
    """Where ``day`` starts in the folder (None: no message that old)."""

    day: date
    position: int | None


@dataclass
class MessageLoaded(Message):
    """The message view's content arrived."""

    view: MessageView


@dataclass
class MessageLoadFailed(Message):
    """Reading the message failed."""

    error: BaseException
