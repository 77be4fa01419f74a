"""The inbox: folders on the left, the whole folder on the right, newest first.

One client (from ``tui.core.mail.service.open_client``, the CLI's path) is opened in a
worker for the life of the screen. The list is the whole folder from the start: its size
is the folder's message count and any page is fetched by position
(``tui.core.mail.positions.page_at``), so End shows the oldest of 100,000 messages with one
fetch. ``/`` searches on the server (from:, subject:, since:, before:, free text) and lists
the hits the same way; ``d`` goes to a date; ``r`` re-reads; Enter opens a message; Esc
leaves the search, then the inbox (the connection closes in the background).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
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
    DateFound,
    FoldersListed,
    MailConnected,
    MailConnectFailed,
    PageArrived,
    PageFailed,
    SearchDone,
)
from tui.app.widgets.message_list import MessageList
from tui.app.widgets.spinner import Spinner
from tui.core.paging import DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, PagedRows

if TYPE_CHECKING:
    from tui.core.mail.client import MailClient
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.positions import Row

CONNECT_WAIT = 120.0


class InboxScreen(AppScreen[None]):
    """Browse the folders of inbound email component ``name`` in ``env``."""

    AUTO_FOCUS = "#messages"

    BINDINGS = [
        Binding("escape", "back", "Back", id="inbox.back", tooltip="Back (leaves a search first)"),
        Binding("r", "refresh", "Refresh", id="inbox.refresh", tooltip="Re-read the folder"),
        Binding("f", "focus_folders", "Folders", id="inbox.folders",
                tooltip="Choose another folder"),
        Binding("slash", "search", "Search", id="inbox.search",
                tooltip="Search on the server: from: subject: since: before: words"),
        Binding("d", "go_to_date", "Date", id="inbox.date", tooltip="Go to a date (YYYY-MM-DD)"),
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
            yield OptionList(id="folders")
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
            count = "" if total is None else f" · {total:,} messages"
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

    # ------------------------------------------------------------ actions
    def _restart(self, total: int | None = None) -> None:
        self.error = ""
        self.message_list.stopped = ""
        self.query_one("#inbox-error").display = False
        self.rows.reset(total)
        self.message_list.cursor = 0
        self.message_list.scroll_to(y=0, animate=False)
        self.message_list.rows_changed()
        self._update_title()

    def action_refresh(self) -> None:
        if self.client is None and self._settled.is_set():
            # Connecting failed: try again from the start.
            self._settled.clear()
            self._connect()
        self._reopen = True
        if self.hits is not None:
            self._run_search(self.query_text)
            return
        self._restart()

    @on(OptionList.OptionSelected, "#folders")
    def _folder_chosen(self, event: OptionList.OptionSelected) -> None:
        folder = (event.option.id or "").removeprefix("folder:")
        if folder and folder != self.folder:
            self.folder = folder
            self.hits = None
            self._reopen = True
            self._restart()
        self.message_list.focus()

    @on(MessageList.Opened)
    def _open(self, message: MessageList.Opened) -> None:
        from tui.app.screens.message import MessageScreen

        if self.client is not None:
            comp = self.session.records.components.get(self.component_name)
            content = getattr(comp, "content", "both")  # the component's Content setting
            screen = MessageScreen(self.client, self.folder, message.row, self.step, content)
            self.app.push_screen(screen)

    def action_back(self) -> None:
        if self.searching:
            # Esc during a search stops waiting for it; the inbox stays open.
            self.searching = ""
            self.workers.cancel_group(self, "inbox-search")
            self.rows.loading.discard(0)
            self._update_title()
            return
        for box in self.query("#inbox-query, #inbox-date").results(Input):
            if box.display:
                box.display = False
                self.message_list.focus()
                return
        if self.hits is not None:
            self.hits = None
            self.query_text = ""
            self._restart()
            return
        self.dismiss()

    def action_focus_folders(self) -> None:
        self.query_one("#folders").focus()

    def action_focus_messages(self) -> None:
        self.message_list.focus()

    # ------------------------------------------------------------ search and dates
    def action_search(self) -> None:
        box = self.query_one("#inbox-query", Input)
        box.display = True
        box.focus()

    def action_go_to_date(self) -> None:
        box = self.query_one("#inbox-date", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#inbox-query")
    def _search_submitted(self, event: Input.Submitted) -> None:
        from tui.core.errors import UsageError
        from tui.core.mail.positions import parse_query

        text = event.value.strip()
        try:
            query = parse_query(text)
        except UsageError as exc:
            self.notify(failure_text(exc), severity="warning", markup=False)
            return
        event.input.display = False
        self.message_list.focus()
        if query.empty:
            self.action_back()
            return
        self._run_search(text)

    def _run_search(self, text: str) -> None:
        self.query_text = text
        self.searching = text
        self.rows.loading.add(0)
        self._update_title()
        self._search(text, self.folder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox-search",
          description="search")  # fmt: skip
    def _search(self, text: str, folder: str) -> None:
        from tui.core.mail.positions import parse_query, search

        self._settled.wait(CONNECT_WAIT)
        client = self.client
        if client is None or self._gone:
            return
        try:
            hits = search(client, folder, parse_query(text))
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self.post_message(PageFailed(0, self.rows.generation, exc))
            return
        self.post_message(SearchDone(folder, text, hits))

    @on(SearchDone)
    def _searched(self, message: SearchDone) -> None:
        if message.folder != self.folder or message.text != self.searching:
            return  # another folder, or the user stopped waiting
        self.searching = ""
        self.hits = message.hits
        self.message_list.empty_text = "No message matches the search (Esc: the whole folder)."
        self._restart(len(message.hits))

    @on(Input.Submitted, "#inbox-date")
    def _date_submitted(self, event: Input.Submitted) -> None:
        try:
            day = date.fromisoformat(event.value.strip())
        except ValueError:
            self.notify("Type the date as YYYY-MM-DD.", severity="warning")
            return
        event.input.display = False
        self.message_list.focus()
        if self.hits is not None:
            self.notify("Leave the search first (Esc).", severity="warning")
            return
        self._find_date(day, self.folder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox-date",
          description="go to date")  # fmt: skip
    def _find_date(self, day: date, folder: str) -> None:
        from tui.core.mail.positions import position_before

        client = self.client
        if client is None:
            return
        try:
            position = position_before(client, folder, day)
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self.post_message(PageFailed(0, self.rows.generation, exc))
            return
        self.post_message(DateFound(day, position))

    @on(DateFound)
    def _date_found(self, message: DateFound) -> None:
        if message.position is None:
            self.notify(f"No message before {message.day:%Y-%m-%d}.", severity="warning")
            return
        self.message_list.cursor = message.position

    def on_resize(self) -> None:
        self._update_title()
