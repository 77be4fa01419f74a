"""The inbox's plumbing: the connection, the folder list, and fetching pages by position.

``InboxScreen`` (``tui.app.screens.inbox``) adds the keys: refresh, folders, search, dates.
One client (from ``tui.core.mail.service.open_client``, the CLI's path) is opened in a
worker for the life of the screen; each page is one ``positions.page_at`` (or, for search
hits, ``positions.page_of``) call in a worker, and comes back as a ``PageArrived``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.app.context import AppScreen
from tui.app.errors import failure_text
from tui.app.messages import (
    FoldersListed,
    MailConnected,
    MailConnectFailed,
    PageArrived,
    PageFailed,
)
from tui.app.widgets.message_list import MessageList
from tui.app.widgets.spinner import Spinner
from tui.core.paging import DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, PagedRows

if TYPE_CHECKING:
    from tui.core.mail.client import MailClient
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.positions import Row

CONNECT_WAIT = 120.0


class FolderList(OptionList):
    """The folder list: the arrow keys, and j/k as in the message list beside it."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="inbox.folder_down",
                tooltip="Next folder"),
        Binding("k", "cursor_up", "Up", show=False, id="inbox.folder_up",
                tooltip="Previous folder"),
    ]  # fmt: skip


class InboxPages(AppScreen[None]):
    """The connection and the pages of an inbox; see the module docstring."""

    def __init__(
        self,
        name: str,
        env: str,
        folder: str = "INBOX",
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        super().__init__()
        self.component_name = name
        self.env = env
        self.folder = folder
        self.client: MailClient | Pop3Client | None = None
        self._forget_client: Callable[[], None] = lambda: None
        self.rows: PagedRows[Row] = PagedRows(page_size, max_pages)
        self.hits: list[int] | None = None
        """Sequence numbers of the search hits, newest first (None: the whole folder)."""
        self.query_text = ""
        self.searching = ""
        """The search the server is running now ("" when none)."""
        self._reopen = True
        """The next page re-opens the folder on the server (a refresh shows new mail)."""
        self._connected = threading.Event()
        self._settled = threading.Event()
        """Set once connecting ended either way, or the screen went: page workers wait on it."""
        self._gone = False
        self.error: str = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="inbox-bar"):
            yield Static("", id="inbox-title", markup=False)
            yield Spinner("Connecting…", id="inbox-spinner")
        with Horizontal(id="inbox-body"):
            yield FolderList(id="folders")
            with Vertical(id="inbox-main"):
                yield Input(placeholder='from:alice subject:"report" since:2024-01-01 words',
                            id="inbox-query", max_length=500)  # fmt: skip
                yield Input(placeholder="Go to date: YYYY-MM-DD (Enter)", id="inbox-date",
                            max_length=10)  # fmt: skip
                yield Static("", id="inbox-error", markup=False)
                yield Static("", id="list-header", markup=False)
                yield MessageList(self.rows, id="messages")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for widget_id in ("#inbox-error", "#inbox-query", "#inbox-date"):
            self.query_one(widget_id).display = False
        self.query_one("#messages", MessageList).focus()
        self._update_title()
        self._connect()

    def on_unmount(self) -> None:
        self._gone = True
        self._settled.set()
        client = self.client
        if client is not None:
            self._forget_client()
            # Logging out is network I/O: never on the UI thread.
            client.abort()
            threading.Thread(target=client.close, name="tokendesk-imap-close", daemon=True).start()

    # ------------------------------------------------------------ UI helpers
    @property
    def message_list(self) -> MessageList:
        return self.query_one("#messages", MessageList)

    def _update_title(self) -> None:
        total = self.rows.total
        if self.hits is not None:
            count = f" · search {self.query_text!r}: {len(self.hits):,} found"
        else:
            plural = "" if total == 1 else "s"
            count = "" if total is None else f" · {total:,} message{plural}"
        title = Content.assemble(
            Content.styled(f" {self.component_name} ", "bold reverse"),
            f" {self.env} · ",
            Content.styled(self.folder, "bold"),
            count,
        )
        self.query_one("#inbox-title", Static).update(title)
        spinner = self.query_one("#inbox-spinner", Spinner)
        busy = not self._connected.is_set() or bool(self.rows.loading)
        if busy and not self.error:
            label = "Searching on the server… (Esc stops)" if self.searching else "Loading…"
            spinner.start("Connecting…" if not self._connected.is_set() else label)
        else:
            spinner.stop("")
        spinner.display = busy and not self.error
        self.query_one("#list-header", Static).update(
            self.message_list.header_text(self.message_list.scrollable_content_region.width or 60)
        )

    def _show_error(self, exc: BaseException) -> None:
        self.error = failure_text(exc)
        box = self.query_one("#inbox-error", Static)
        box.update(f"✗ {self.error}")
        box.display = True
        self.rows.loading.clear()
        self.message_list.stopped = "Nothing more to show: see the error above (r retries)."
        self.message_list.refresh()
        self._update_title()
        self.notify(self.error, title="Mail", severity="error", markup=False)

    # ------------------------------------------------------------ connection
    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox", description="connect")
    def _connect(self) -> None:
        from tui.core.mail.service import open_client

        try:
            client = open_client(self.session, self.component_name, self.env)
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self._settled.set()
            self.post_message(MailConnectFailed(exc))
            return
        if self._gone:
            client.close()
            return
        self.client = client
        self._forget_client = self.tokendesk.cancel_on_exit(client.abort)
        self._connected.set()
        self._settled.set()
        self.post_message(MailConnected(client))
        try:
            folders = client.folders()
        except Exception as exc:  # noqa: BLE001 - the list may still work
            self.post_message(FoldersListed([], f"Folders: {failure_text(exc)}"))
            return
        self.post_message(FoldersListed(folders))

    @on(MailConnectFailed)
    def _connect_failed(self, message: MailConnectFailed) -> None:
        self._show_error(message.error)

    @on(MailConnected)
    def _mail_connected(self) -> None:
        self._update_title()

    @on(FoldersListed)
    def _show_folders(self, message: FoldersListed) -> None:
        if message.error:
            self.notify(message.error, severity="warning", markup=False)
        options = [
            Option(Content(f.name), id=f"folder:{f.name}", disabled=not f.selectable)
            for f in message.folders
        ]
        folder_list = self.query_one("#folders", OptionList)
        folder_list.set_options(options)
        try:
            folder_list.highlighted = folder_list.get_option_index(f"folder:{self.folder}")
        except Exception:  # noqa: BLE001 - the configured folder is not listed
            pass
        self._update_title()

    # ------------------------------------------------------------ pages
    @on(MessageList.NeedPages)
    def _need_pages(self, message: MessageList.NeedPages) -> None:
        if self.error:
            self.rows.loading.difference_update(message.pages)
            return
        reopen, self._reopen = self._reopen, False
        self._fetch(message.pages, self.rows.generation, self.folder, self.hits, reopen)
        self._update_title()

    @work(thread=True, exit_on_error=False, group="inbox-pages", description="page")
    def _fetch(
        self, pages: list[int], generation: int, folder: str, hits: list[int] | None, reopen: bool
    ) -> None:
        from tui.core.mail.positions import page_at, page_of

        worker = get_current_worker()
        self._settled.wait(CONNECT_WAIT)
        client = self.client
        if not self._connected.is_set() or self._gone or client is None:
            return
        size = self.rows.page_size
        for index in pages:
            if worker.is_cancelled or self._gone:
                return
            start = index * size
            try:
                if hits is None:
                    page = page_at(client, folder, start, size, refresh=reopen)
                else:
                    page = page_of(client, folder, hits[start : start + size], start)
                    page = type(page)(start, page.rows, len(hits))
            except Exception as exc:  # noqa: BLE001 - shown on the screen
                self.post_message(PageFailed(index, generation, exc))
                return
            reopen = False
            self.post_message(PageArrived(index, generation, folder, page))

    @on(PageArrived)
    def _page_arrived(self, message: PageArrived) -> None:
        if message.generation != self.rows.generation or message.folder != self.folder:
            return
        page = message.page
        self.rows.add_page(message.index, page.rows, page.total)
        self.message_list.rows_changed()
        self._update_title()

    @on(PageFailed)
    def _page_failed(self, message: PageFailed) -> None:
        if message.generation != self.rows.generation:
            return
        self.rows.loading.discard(message.index)
        self.searching = ""
        self._show_error(message.error)

    def step(self, delta: int) -> Row | None:
        """Move the cursor by ``delta`` (next/previous from the message view); its row."""
        before = self.message_list.cursor
        self.message_list.cursor = before + delta
        if self.message_list.cursor == before:
            return None
        return self.message_list.current

    def _restart(self, total: int | None = None) -> None:
        self.error = ""
        self.message_list.stopped = ""
        self.query_one("#inbox-error").display = False
        self.rows.reset(total)
        self.message_list.cursor = 0
        self.message_list.scroll_to(y=0, animate=False)
        self.message_list.rows_changed()
        self._update_title()
