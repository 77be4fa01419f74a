"""One message: headers, the readable text body, and the attachments with their sizes.

The message is read in a worker with ``MailClient.message`` (BODY.PEEK: it stays unseen).
Everything shown comes from the mail, so it is literal text: markup is never parsed and
control characters are removed (``tui.core.text.sanitize``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer, Static, TextArea

from tui.app.context import AppScreen
from tui.app.errors import failure_text
from tui.app.messages import MessageLoaded, MessageLoadFailed
from tui.app.widgets.spinner import Spinner
from tui.core.text import human_size, sanitize

if TYPE_CHECKING:
    from tui.core.mail.client import MailClient
    from tui.core.mail.models import MessageSummary, MessageView
    from tui.core.mail.pop3 import Pop3Client


def body_text(text: str) -> str:
    """The body with every line made safe (tabs shown as four spaces, newlines kept)."""
    return sanitize(text.replace("\t", "    "), multiline=True)


class MessageScreen(AppScreen[None]):
    """Show the message ``summary`` (a ``MessageSummary``) of ``folder``."""

    AUTO_FOCUS = "#message-body"

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="message.back", tooltip="Back to the list"),
    ]

    def __init__(
        self,
        client: MailClient | Pop3Client,
        folder: str,
        summary: MessageSummary,
        content: str = "both",
    ) -> None:
        super().__init__()
        self.content = content
        """The component's Content setting: ``both``, ``body`` or ``attachments``."""
        self.client = client
        self.folder = folder
        self.summary = summary
        self.view: MessageView | None = None

    def compose(self) -> ComposeResult:
        yield Spinner("Opening the message…", id="message-spinner")
        yield Static("", id="message-headers", markup=False)
        yield Static("", id="message-attachments", markup=False)
        yield TextArea("", id="message-body", read_only=True, soft_wrap=True, compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#message-attachments").display = False
        self._show_headers(self.summary.sender, "", "", self.summary.date, self.summary.subject)
        self.query_one("#message-body").focus()
        self._load()

    def _show_headers(
        self, sender: str, to: str, cc: str, date: datetime | None, subject: str
    ) -> None:
        rows = [("From", sender), ("To", to), ("Cc", cc)]
        rows += [("Date", date.strftime("%a, %d %b %Y %H:%M %z") if date else "")]
        rows += [("Subject", subject)]
        lines = [
            Content.assemble(Content.styled(f"{label:<8}", "bold $text-muted"), sanitize(value))
            for label, value in rows
            if value or label in ("From", "Subject")
        ]
        self.query_one("#message-headers", Static).update(Content("\n").join(lines))

    @work(thread=True, exclusive=True, exit_on_error=False, group="message", description="open")
    def _load(self) -> None:
        try:
            view = self.client.message(self.summary.uid, self.folder).with_content(self.content)
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            self.post_message(MessageLoadFailed(exc))
            return
        self.post_message(MessageLoaded(view))

    @on(MessageLoaded)
    def _loaded(self, message: MessageLoaded) -> None:
        view = message.view
        self.view = view
        self.query_one("#message-spinner", Spinner).display = False
        self._show_headers(view.sender, view.to, view.cc, view.date, view.subject)
        if view.attachments:
            lines = [f"Attachments ({len(view.attachments)}):"]
            for att in view.attachments:
                name = sanitize(att.filename) or "(no name)"
                lines.append(f"  📎 {name}  {human_size(att.size)}  {att.content_type}")
            box = self.query_one("#message-attachments", Static)
            box.update("\n".join(lines))
            box.display = True
        body = body_text(view.body) if view.body else "(this message has no text body)"
        if view.body_type == "text/html":
            body = "[converted from HTML]\n\n" + body
        self.query_one("#message-body", TextArea).load_text(body)

    @on(MessageLoadFailed)
    def _failed(self, message: MessageLoadFailed) -> None:
        exc = message.error
        self.query_one("#message-spinner", Spinner).stop(
            Content.styled(f"✗ {failure_text(exc)}", "$text-error")
        )
        self.notify(failure_text(exc), title="Mail", severity="error", markup=False)

    def action_back(self) -> None:
        self.dismiss()
