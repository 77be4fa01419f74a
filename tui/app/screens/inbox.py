"""The inbox: folders on the left, the message list on the right, newest first.

One ``MailClient`` (from ``tui.core.mail.service.open_client``, the CLI's path) is opened in a
worker for the life of the screen. The message list asks for pages as the user scrolls;
each page is one ``client.page()`` call in a worker, so nothing blocks the UI and a
100,000-message folder opens as fast as a small one. ``r`` re-reads the folder; Enter
opens a message; Esc goes back and closes the connection in the background.
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
from textual.widgets import Footer, OptionList, Static
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
    from tui.core.mail.models import MessageSummary
    from tui.core.mail.pop3 import Pop3Client

CONNECT_WAIT = 120.0


class InboxScreen(AppScreen[None]):
    """Browse the folders of inbound email component ``name`` in ``env``."""

    AUTO_FOCUS = "#messages"

    BINDINGS = [
        Binding("escape", "back", "Back", id="inbox.back", tooltip="Back to the components"),
        Binding("r", "refresh", "Refresh", id="inbox.refresh", tooltip="Re-read the folder"),
        Binding("f", "focus_folders", "Folders", id="inbox.folders",
                tooltip="Choose another folder"),
        Binding("l", "focus_messages", "Messages", show=False, id="inbox.messages",
                tooltip="Back to the message list"),
    ]  # fmt: skip

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
        self.rows: PagedRows[MessageSummary] = PagedRows(page_size, max_pages)
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
            yield OptionList(id="folders")
            with Vertical(id="inbox-main"):
                yield Static("", id="inbox-error", markup=False)
                yield Static("", id="list-header", markup=False)
                yield MessageList(self.rows, id="messages")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#inbox-error").display = False
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
        count = "" if total is None else f" · {total:,} messages"
        shown = f" · {self.rows.known_rows:,} listed" if total and not self.rows.complete else ""
        title = Content.assemble(
            Content.styled(f" {self.component_name} ", "bold reverse"),
            f" {self.env} · ",
            Content.styled(self.folder, "bold"),
            count,
            Content.styled(shown, "$text-muted"),
        )
        self.query_one("#inbox-title", Static).update(title)
        spinner = self.query_one("#inbox-spinner", Spinner)
        busy = not self._connected.is_set() or bool(self.rows.loading)
        if busy and not self.error:
            spinner.start("Connecting…" if not self._connected.is_set() else "Loading…")
        else:
            spinner.stop("")
        spinner.display = busy and not self.error
        self.query_one("#list-header", Static).update(
            self.message_list.header_text(self.message_list.size.width or 60)
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
        wanted = [(page, self.rows.cursor(page)) for page in message.pages]
        self._fetch(wanted, self.rows.generation, self.folder)
        self._update_title()

    @work(thread=True, exit_on_error=False, group="inbox-pages", description="page")
    def _fetch(
        self, wanted: list[tuple[int, int | str | None]], generation: int, folder: str
    ) -> None:
        worker = get_current_worker()
        self._settled.wait(CONNECT_WAIT)
        client = self.client
        if not self._connected.is_set() or self._gone or client is None:
            return
        for page_index, cursor in wanted:
            if worker.is_cancelled or self._gone:
                return
            try:
                page = client.page(folder, before_uid=cursor, limit=self.rows.page_size)
            except Exception as exc:  # noqa: BLE001 - shown on the screen
                self.post_message(PageFailed(page_index, generation, exc))
                return
            self.post_message(PageArrived(page_index, generation, folder, page))

    @on(PageArrived)
    def _page_arrived(self, message: PageArrived) -> None:
        if message.generation != self.rows.generation or message.folder != self.folder:
            return
        page = message.page
        self.rows.add_page(message.index, page.messages, page.next_before_uid, page.total)
        self.message_list.rows_changed()
        self._update_title()

    @on(PageFailed)
    def _page_failed(self, message: PageFailed) -> None:
        if message.generation != self.rows.generation:
            return
        self.rows.loading.discard(message.index)
        self._show_error(message.error)

    # ------------------------------------------------------------ actions
    def action_refresh(self) -> None:
        self.error = ""
        self.message_list.stopped = ""
        if self.client is None and self._settled.is_set():
            # Connecting failed: try again from the start.
            self._settled.clear()
            self._connect()
        self.query_one("#inbox-error").display = False
        self.rows.reset()
        self.message_list.cursor = 0
        self.message_list.scroll_to(y=0, animate=False)
        self.message_list.rows_changed()
        self._update_title()

    @on(OptionList.OptionSelected, "#folders")
    def _folder_chosen(self, event: OptionList.OptionSelected) -> None:
        folder = (event.option.id or "").removeprefix("folder:")
        if folder and folder != self.folder:
            self.folder = folder
            self.action_refresh()
        self.message_list.focus()

    @on(MessageList.Opened)
    def _open(self, message: MessageList.Opened) -> None:
        from tui.app.screens.message import MessageScreen

        if self.client is not None:
            comp = self.session.records.components.get(self.component_name)
            content = getattr(comp, "content", "both")  # the component's Content setting
            screen = MessageScreen(self.client, self.folder, message.summary, content)
            self.app.push_screen(screen)

    def action_back(self) -> None:
        self.dismiss()

    def action_focus_folders(self) -> None:
        self.query_one("#folders").focus()

    def action_focus_messages(self) -> None:
        self.message_list.focus()

    def on_resize(self) -> None:
        self._update_title()
