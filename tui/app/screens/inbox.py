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

from datetime import date

from textual import on, work
from textual.binding import Binding
from textual.widgets import Input, OptionList

from tui.app.errors import failure_text
from tui.app.messages import DateFound, PageFailed, SearchDone
from tui.app.screens.inbox_pages import CONNECT_WAIT, InboxPages
from tui.app.widgets.message_list import MessageList


class InboxScreen(InboxPages):
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # POP3 has one folder and no server-side search: those keys would only say so.
        if action in ("search", "go_to_date", "focus_folders"):
            return not self.is_pop3
        return True

    @property
    def is_pop3(self) -> bool:
        """Whether this inbox reads a POP3 mailbox."""
        from tui.core.models.mail import POP3_PROTOCOLS

        comp = self.session.records.components.get(self.component_name)
        return getattr(comp, "protocol", "") in POP3_PROTOCOLS

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
