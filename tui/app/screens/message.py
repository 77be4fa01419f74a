"""One message: headers, a separator, the readable text body, and the attachments.

The message is read in a worker with the client's ``message`` (BODY.PEEK: it stays unseen;
marking read or unread is an explicit key). ``n``/``p`` show the next/previous message of
the list without going back; ``h`` shows every header; ``u`` the raw source (bounded);
``s`` saves the attachments into a directory (safe names, never overwriting); ``b`` opens
the HTML part in the browser from a private temporary file. Everything shown comes from the
mail, so it is literal text: markup is never parsed and control characters are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Rule, Static, TextArea

from tui.app.context import AppScreen
from tui.app.errors import failure_text
from tui.app.messages import MessageLoaded, MessageLoadFailed
from tui.app.widgets.spinner import Spinner
from tui.core.text import human_size, sanitize

if TYPE_CHECKING:
    from collections.abc import Callable

    from tui.core.mail.client import MailClient
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.positions import Row

RECEIVED = "Received"


def body_text(text: str) -> str:
    """The body with every line made safe (tabs shown as four spaces, newlines kept)."""
    return sanitize(text.replace("\t", "    "), multiline=True)


class MessageScreen(AppScreen[None]):
    """Show one message of ``folder``; ``step(delta)`` moves along the list."""

    AUTO_FOCUS = "#message-body"

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="message.back", tooltip="Back to the list"),
        Binding("n,right_square_bracket", "next", "Next", id="message.next",
                tooltip="The next (older) message"),
        Binding("p,left_square_bracket", "previous", "Previous", id="message.previous",
                tooltip="The previous (newer) message"),
        Binding("h", "headers", "Headers", id="message.headers", show=False,
                tooltip="Every header"),
        Binding("u", "source", "Source", id="message.source", show=False,
                tooltip="The raw source"),
        Binding("s", "save", "Save attachments", id="message.save", tooltip="Save the attachments"),
        Binding("b", "browser", "HTML", id="message.browser", show=False,
                tooltip="Open the HTML part in the browser"),
        Binding("m", "toggle_seen", "Read/unread", id="message.seen",
                tooltip="Mark read or unread on the server"),
    ]  # fmt: skip

    @dataclass
    class Done(Message):
        """A side action (save, source, browser, seen) finished; ``text`` says how."""

        text: str
        error: bool = False
        source: str | None = None
        seen: bool | None = None

    def __init__(
        self,
        client: MailClient | Pop3Client,
        folder: str,
        row: Row,
        step: Callable[[int], Row | None] | None = None,
        content: str = "both",
    ) -> None:
        super().__init__()
        self.content = content
        """The component's Content setting: ``both``, ``body`` or ``attachments``."""
        self.client = client
        self.folder = folder
        self.row = row
        self.step = step
        self.view: MessageView | None = None
        self.all_headers = False
        self.seen = row.summary.seen

    def compose(self) -> ComposeResult:
        yield Spinner("Opening the message…", id="message-spinner")
        yield Static("", id="message-headers", markup=False)
        yield Static("", id="message-attachments", markup=False)
        yield Rule(id="message-rule", line_style="heavy")
        yield TextArea("", id="message-body", read_only=True, soft_wrap=True, compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._open(self.row)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "s Save attachments" is offered only for a message that has some.
        if action == "save":
            return self.view is not None and bool(self.view.attachments)
        return True

    def _open(self, row: Row) -> None:
        self.row, self.view, self.seen = row, None, row.summary.seen
        self.refresh_bindings()
        s = row.summary
        self.query_one("#message-attachments").display = False
        self.query_one("#message-spinner", Spinner).start("Opening the message…")
        self.query_one("#message-spinner").display = True
        self._show_headers([("From", s.sender), ("Date", _date(s.date)), ("Subject", s.subject)])
        self.query_one("#message-body", TextArea).load_text("")
        self.query_one("#message-body").focus()
        self._load(s.uid)

    def _show_headers(self, rows: list[tuple[str, str]]) -> None:
        width = max((len(label) for label, _ in rows), default=7) + 2
        lines = [
            Content.assemble(Content.styled(f"{label:<{width}}", "bold $text-muted"), sanitize(v))
            for label, v in rows
            if v or label in ("From", "Subject")
        ]
        self.query_one("#message-headers", Static).update(Content("\n").join(lines))

    def _view_headers(self) -> None:
        view = self.view
        if view is None:
            return
        if self.all_headers:
            self._show_headers([(sanitize(k), v) for k, v in view.headers])
            return
        date_label, date_text = "Date", _date(view.date)
        header = next((v for k, v in view.headers if k.lower() == "date"), "")
        from tui.core.mail.decode import parse_date

        if view.date is not None and parse_date(header) is None:
            # The Date header is missing or malformed: the date is when the server got it.
            date_label = RECEIVED
            date_text += "  (the Date header is missing or malformed: the server's received date)"
        rows = [("From", view.sender), ("To", view.to), ("Cc", view.cc)]
        rows += [(date_label, date_text), ("Subject", view.subject)]
        if not self.seen:
            rows.append(("Status", "unread on the server (m marks it read)"))
        self._show_headers(rows)

    @work(thread=True, exclusive=True, exit_on_error=False, group="message", description="open")
    def _load(self, uid: int | str) -> None:
        try:
            view = self.client.message(uid, self.folder).with_content(self.content)
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self.post_message(MessageLoadFailed(exc))
            return
        self.post_message(MessageLoaded(view))

    @on(MessageLoaded)
    def _loaded(self, message: MessageLoaded) -> None:
        view = message.view
        if view.uid != self.row.summary.uid:
            return  # an older answer after n/p
        self.view = view
        self.refresh_bindings()
        self.query_one("#message-spinner", Spinner).display = False
        self._view_headers()
        if view.attachments:
            lines = [f"Attachments ({len(view.attachments)}, s saves them):"]
            for att in view.attachments:
                name = sanitize(att.filename) or "(no name)"
                lines.append(f"  📎 {name}  {human_size(att.size)}  {sanitize(att.content_type)}")
            box = self.query_one("#message-attachments", Static)
            box.update("\n".join(lines))
            box.display = True
        body = body_text(view.body) if view.body else "(this message has no text body)"
        if view.body_type == "text/html":
            body = "[converted from HTML: b opens the original in the browser]\n\n" + body
        self.query_one("#message-body", TextArea).load_text(body)

    @on(MessageLoadFailed)
    def _failed(self, message: MessageLoadFailed) -> None:
        text = failure_text(message.error)
        self.query_one("#message-spinner", Spinner).stop(Content.styled(f"✗ {text}", "$text-error"))
        self.notify(text, title="Mail", severity="error", markup=False)

    # ------------------------------------------------------------ moving
    def action_back(self) -> None:
        self.dismiss()

    def _step(self, delta: int) -> None:
        row = self.step(delta) if self.step is not None else None
        if row is None:
            where = "newest" if delta < 0 else "oldest"
            self.notify(f"This is the {where} message (or its page is still loading).")
            return
        self._open(row)

    def action_next(self) -> None:
        self._step(1)

    def action_previous(self) -> None:
        self._step(-1)

    def action_headers(self) -> None:
        self.all_headers = not self.all_headers
        self._view_headers()

    # ------------------------------------------------------------ side actions
    @on(Done)
    def _done(self, message: Done) -> None:
        if message.source is not None:
            self.query_one("#message-body", TextArea).load_text(message.source)
        if message.seen is not None:
            self.seen = message.seen
            self._view_headers()
        self.notify(message.text, severity="error" if message.error else "information",
                    markup=False)  # fmt: skip

    def action_source(self) -> None:
        self._source(self.row.summary.uid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="message-side",
          description="source")  # fmt: skip
    def _source(self, uid: int | str) -> None:
        from tui.core.mail.source import raw_source

        try:
            data, cut = raw_source(self.client, self.folder, uid)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(self.Done(failure_text(exc), error=True))
            return
        text = sanitize(data, multiline=True)
        if cut:
            text += "\n[… cut: the source is longer than what is shown]"
        self.post_message(self.Done("Raw source shown (Esc, then Enter to read again).",
                                    source=text))  # fmt: skip

    def action_save(self) -> None:
        from tui.app.screens.dialogs import PromptDialog

        view = self.view
        if view is None or not view.attachments:
            self.notify("This message has no attachments.", severity="warning")
            return
        default = Path.home() / "Downloads"
        if not default.is_dir():
            default = Path.cwd()

        def chosen(directory: str | None) -> None:
            if directory:
                self._save(self.row.summary.uid, Path(directory).expanduser())

        self.app.push_screen(
            PromptDialog("Save attachments", "Save them into this directory (names are made "
                         "safe; existing files are never overwritten):", str(default)),
            chosen,
        )  # fmt: skip

    @work(thread=True, exclusive=True, exit_on_error=False, group="message-side",
          description="save attachments")  # fmt: skip
    def _save(self, uid: int | str, directory: Path) -> None:
        try:
            if not directory.is_dir():
                raise NotADirectoryError(f"{directory} is not a directory")
            saved = self.client.save_attachments(uid, directory, self.folder)
        except NotADirectoryError as exc:
            self.post_message(self.Done(sanitize(str(exc)), error=True))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(self.Done(failure_text(exc), error=True))
            return
        names = ", ".join(f"{sanitize(f.path.name)} ({human_size(f.size)})" for f in saved)
        self.post_message(self.Done(f"Saved {len(saved)} file(s) in {directory}: {names}"))

    def action_browser(self) -> None:
        self._browser(self.row.summary.uid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="message-side",
          description="open HTML")  # fmt: skip
    def _browser(self, uid: int | str) -> None:
        import os
        import tempfile

        from tui.core.mail.source import html_part, raw_source
        from tui.core.oauth.browser import open_browser

        try:
            data, _ = raw_source(self.client, self.folder, uid)
            html = html_part(data)
            if html is None:
                self.post_message(self.Done("This message has no HTML part.", error=True))
                return
            # A private directory (0700) and file (0600): other users cannot read the mail.
            directory = tempfile.mkdtemp(prefix="tokendesk-mail-")
            path = Path(directory) / "message.html"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(html)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(self.Done(failure_text(exc), error=True))
            return
        result = open_browser(path.as_uri(), environ=self.tokendesk.environ).wait(10)
        if result is not None and not result.ok:
            self.post_message(self.Done(f"The browser could not be opened ({result.detail}); "
                                        f"the file is {path}", error=True))  # fmt: skip
            return
        self.post_message(self.Done(f"Opened the HTML part in the browser ({path})."))

    def action_toggle_seen(self) -> None:
        self._set_seen(self.row.summary.uid, not self.seen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="message-side",
          description="mark read")  # fmt: skip
    def _set_seen(self, uid: int | str, seen: bool) -> None:
        setter = getattr(self.client, "set_seen", None)
        if setter is None:
            self.post_message(self.Done("This server cannot keep read marks (POP3).", True))
            return
        try:
            setter(uid, self.folder, seen)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(self.Done(failure_text(exc), error=True))
            return
        self.post_message(self.Done("Marked read." if seen else "Marked unread.", seen=seen))


def _date(when: datetime | None) -> str:
    return when.strftime("%a, %d %b %Y %H:%M %z") if when else ""


if TYPE_CHECKING:
    from tui.core.mail.models import MessageView
