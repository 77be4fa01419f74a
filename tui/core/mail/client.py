"""`MailClient`: one IMAP connection (imapclient), read-only by default.

The client connects with verified TLS (implicit, or STARTTLS which must be offered unless
plaintext was explicitly allowed for a loopback host), logs in by XOAUTH2, OAUTHBEARER
(RFC 7628) or password, and reads: folders, pages of envelopes newest first, one message.

Paging never touches the whole folder: the newest page is the last ``limit`` sequence
numbers after EXAMINE; an older page asks the server how many messages lie below the
cursor UID (``SEARCH RETURN (COUNT)``, RFC 4731) and fetches the sequence range ending
there. Messages are read with BODY.PEEK, so nothing is marked \\Seen unless `set_seen`
is called.

Threading: every public method takes the connection's lock, so one client may be shared
by threads (calls are serialized). `abort` may be called from any thread without the lock:
it shuts the socket down, and the call in progress (and every later one) raises
`MailCancelled`. A Textual worker pages with `page()` and checks its cancellation flag
between pages.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.errors import Action, NextStep
from tui.core.mail.auth import (
    Credential,
    server_reason,
)
from tui.core.mail.bounds import bound_imaplib
from tui.core.mail.errors import (
    MailCancelled,
    MailError,
    MailFolderChanged,
    MailNotFound,
    MailProtocolError,
    MailServerError,
    translate,
)
from tui.core.mail.imap_login import ImapLogin
from tui.core.mail.models import Folder, MessageView, Page, ServerInfo
from tui.core.mail.reading import count_below, fetch_summaries, folders_from, read_message
from tui.core.mail.settings import ConnectionSettings
from tui.core.mail.transport import (
    greeting_text,
    secure_mode,
    tls_context,
    tls_details,
)
from tui.core.text import sanitize

if TYPE_CHECKING:
    from tui.core.mail.attachments import SavedFile

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Credential", "MailClient", "ServerInfo"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000

# imapclient logs warnings (e.g. when a server text is not ASCII) on loggers without a
# handler, so Python's last-resort handler printed them on stderr, over our own one-line
# errors and over the TUI. A NullHandler stops that; an application that configures
# logging still receives the records through the root logger.
logging.getLogger("imapclient").addHandler(logging.NullHandler())


class MailClient(ImapLogin):
    """One IMAP connection. See the module docstring for the threading contract."""

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings, lambda: self._imap.socket())
        self._imap: Any = None
        self._secrets = self._guard.secrets
        self._selected: str | None = None
        self._selected_rw = False
        self._select_info: dict[bytes, Any] = {}

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _op(self, doing: str) -> Iterator[Any]:
        """Serialize an operation and translate its failures into `MailError`s."""
        with self._guard.op(doing):
            if self._imap is None and doing != "connecting":
                raise MailProtocolError("not connected to the mail server")
            yield self._imap

    def _translate(self, exc: BaseException, doing: str) -> MailError:
        # The guard names the component in the error's next step.
        return translate(exc, self.settings, secrets=self._secrets, doing=doing)

    def ssl_context(self) -> ssl.SSLContext:
        """Verifying TLS context: the system CAs, or only the component's CA file."""
        return tls_context(self.settings.ca_file)

    # -- connect -------------------------------------------------------------

    def connect(self) -> ServerInfo:
        """Open the connection and secure it; returns the greeting and capabilities."""
        from imapclient import IMAPClient

        ctx, s = self.ssl_context(), self.settings
        with self._op("connecting"):
            timeout = _socket_timeout(s.timeout)
            implicit = s.implicit_tls
            imap = IMAPClient(s.host, s.port, ssl=implicit, ssl_context=ctx, timeout=timeout)
            self._imap = imap
            try:
                offered = not implicit and imap.has_capability("STARTTLS")
                mode = secure_mode(s, starttls_offered=offered)
            except MailError:
                self._drop()
                raise
            if mode == "STARTTLS":
                imap.starttls(ctx)
            bound_imaplib(imap._imap, self._guard.budget)
            imap.normalise_times = False
            if self._guard.aborted:  # abort() came while the constructor was connecting
                self._drop()
                raise MailCancelled("the mail operation was cancelled")
            caps = tuple(sanitize(c, exact=True) for c in imap.capabilities())
            greeting = greeting_text(imap.welcome or b"")
            version, cipher = tls_details(imap.socket())
            self.info = ServerInfo(greeting, caps, mode, version, cipher)
            return self.info

    def _drop(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            try:
                imap.shutdown()
            except Exception:  # noqa: BLE001 - already failing or closing
                pass

    def capabilities(self) -> tuple[str, ...]:
        """Current capabilities (they may change after login)."""
        with self._op("reading capabilities") as imap:
            return tuple(c.decode("ascii", "replace") for c in imap.capabilities())

    # -- reading ------------------------------------------------------------------------

    def folders(self) -> list[Folder]:
        """Every folder, sorted with INBOX first then by name."""
        with self._op("listing folders") as imap:
            return folders_from(imap.list_folders())

    def _examine(self, imap: Any, folder: str, *, refresh: bool) -> dict[bytes, Any]:
        if refresh or folder != self._selected or self._selected_rw:
            self._select_info = self._select(imap, folder, readonly=True)
            self._selected, self._selected_rw = folder, False
        return self._select_info

    def _select(self, imap: Any, folder: str, *, readonly: bool) -> dict[bytes, Any]:
        """SELECT/EXAMINE ``folder``; a missing folder raises `MailNotFound`.

        imaplib is asked directly rather than through ``imapclient.select_folder``, which
        decodes the server's answer as ASCII and drops every other character ("Mailbox
        doesn't exist: rger" for "Ärger"); here it is read as UTF-8.
        """
        from imaplib import IMAP4

        typ, data = imap._imap.select(imap._normalise_folder(folder), readonly)
        if typ != "OK":
            text = server_reason(IMAP4.error(data[-1] if data else b""), self._secrets)
            if "NONEXISTENT" in text or "doesn't exist" in text or "not exist" in text:
                s = self.settings
                container = self._is_container(imap, folder)
                raise MailNotFound(
                    f"{folder!r} on {s.host} is a container: it holds folders, not messages"
                    if container
                    else f"no folder named {folder!r} on {s.host} (server: {text})",
                    advice="list the folders to see their exact names"
                    + (" (containers are marked)" if container else ""),
                    next_step=NextStep(Action.LIST_FOLDERS, s.component, s.env)
                    if s.component
                    else None,
                )
            raise MailServerError(f"{self.settings.host} refused to open folder {folder!r}: {text}")
        response: dict[bytes, Any] = imap._process_select_response(imap._imap.untagged_responses)
        return response

    @staticmethod
    def _is_container(imap: Any, folder: str) -> bool:
        """Whether the server lists ``folder`` as ``\\Noselect`` (a folder of folders)."""
        from imaplib import IMAP4

        try:
            rows = imap.list_folders("", folder)
        except IMAP4.error:
            return False  # only a better message was at stake
        return any(
            name == folder and b"\\noselect" in {bytes(f).lower() for f in flags}
            for flags, _, name in rows
        )

    def select(self, folder: str) -> int:
        """EXAMINE ``folder`` (read-only) and return its message count."""
        with self._op(f"opening folder {folder!r}") as imap:
            return int(self._examine(imap, folder, refresh=True).get(b"EXISTS", 0))

    def page(
        self,
        folder: str = "INBOX",
        before_uid: int | str | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        uidvalidity: int | None = None,
    ) -> Page:
        """Up to ``limit`` messages with UID < ``before_uid`` (all when None), newest first.

        The first page (``before_uid=None``) re-opens the folder, so it shows new mail.
        Pass ``page.next_before_uid`` to get the next older page, and ``page.uidvalidity``
        as ``uidvalidity`` to be told (`MailFolderChanged`) when the server renumbered the
        folder, which makes an old cursor meaningless.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise MailError(f"page size must be from 1 to {MAX_LIMIT}, got {limit}")
        before_uid = None if before_uid is None else int(before_uid)
        with self._op(f"listing folder {folder!r}") as imap:
            info = self._examine(imap, folder, refresh=before_uid is None)
            total = int(info.get(b"EXISTS", 0))
            current = info.get(b"UIDVALIDITY")
            if uidvalidity is not None and current is not None and current != uidvalidity:
                raise MailFolderChanged(
                    f"folder {folder!r} was renumbered on the server (UIDVALIDITY changed)",
                    advice="Reload the list from the newest message.",
                )
            uidvalidity = current
            if before_uid is None:
                upper = total
            elif before_uid <= 1:
                upper = 0
            else:
                upper = count_below(imap, before_uid)
            if upper <= 0:
                return Page(folder, (), total, None, uidvalidity)
            lower = max(1, upper - limit + 1)
            summaries = fetch_summaries(imap, lower, upper)
            if before_uid is not None:
                summaries = [s for s in summaries if int(s.uid) < before_uid]
        summaries.sort(key=lambda s: int(s.uid), reverse=True)
        cursor = summaries[-1].uid if summaries and lower > 1 else None
        return Page(folder, tuple(summaries), total, cursor, uidvalidity)

    def message(self, uid: int | str, folder: str = "INBOX") -> MessageView:
        """Open one message by UID (headers, text body, attachments) without marking it seen."""
        with self._op(f"reading message {uid} in {folder!r}") as imap:
            self._examine(imap, folder, refresh=False)
            view = read_message(imap, int(uid), folder)
        if view is None:
            raise MailNotFound(f"no message with UID {uid} in {folder!r}")
        return view

    def save_attachments(
        self, uid: int | str, directory: Path, folder: str = "INBOX"
    ) -> list[SavedFile]:
        """Write message ``uid``'s attachments into ``directory``, streamed part by part."""
        from tui.core.mail.attachments import save_imap_message

        with self._op(f"saving the attachments of message {uid} in {folder!r}") as imap:
            self._examine(imap, folder, refresh=False)
            saved = save_imap_message(imap, int(uid), directory)
        if saved is None:
            raise MailNotFound(f"no message with UID {uid} in {folder!r}")
        return saved

    def set_seen(self, uid: int, folder: str = "INBOX", seen: bool = True) -> None:
        """Add (or remove) the \\Seen flag: the only write this client ever does."""
        with self._op(f"marking message {uid} as {'seen' if seen else 'unseen'}") as imap:
            self._select(imap, folder, readonly=False)
            self._selected, self._selected_rw = folder, True
            if seen:
                imap.add_flags([uid], [b"\\Seen"], silent=True)
            else:
                imap.remove_flags([uid], [b"\\Seen"], silent=True)

    # -- closing ------------------------------------------------------------------------

    def _is_open(self) -> bool:
        return self._imap is not None

    def _goodbye(self) -> None:
        self._imap.logout()


# -- helpers -------------------------------------------------------------------------------


def _socket_timeout(seconds: float) -> Any:
    from imapclient import SocketTimeout

    return SocketTimeout(connect=seconds, read=seconds)
