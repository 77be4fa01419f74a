"""The actions of a saved outbound email component: Test connection, Send test message.

Both run `tui.core.mail.service.open_sender` (connect, STARTTLS rule, login with the
token or password, refresh once on rejection) in a thread worker; "Send test message"
then submits a short message to the account's own address (the From address). The
outcome comes back as this widget's own `OutboundPanel.Done` message and is shown in
the result line (markup off: server text is untrusted).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from tui.app.context import open_session
from tui.app.errors import failure_text
from tui.core.text import one_line

TEST_SUBJECT = "tokendesk test message"
TEST_BODY = (
    'This message was sent by tokendesk\'s "Send test message" to check that the '
    "outbound email component can log in and submit mail.\n"
)


class OutboundPanel(Vertical):
    """Buttons and the result line for outbound component ``name`` in ``env``."""

    DEFAULT_CSS = """
    OutboundPanel {
        height: auto;
        margin: 0 0 1 0;
    }
    OutboundPanel > Horizontal {
        height: auto;
    }
    OutboundPanel Button {
        margin-right: 1;
    }
    OutboundPanel #smtp-result.-error {
        color: $text-error;
    }
    OutboundPanel #smtp-result.-ok {
        color: $text-success;
    }
    """

    @dataclass
    class Done(Message):
        """A test or a test message finished; ``text`` says how."""

        ok: bool
        text: str

    def __init__(self, name: str, env: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.component_name = name
        self.env = env

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Button("Test connection", id="smtp-test", compact=True,
                         tooltip="Connect and log in (nothing is sent)")  # fmt: skip
            yield Button("Send test message", id="smtp-send", compact=True,
                         tooltip="Send a short message to the account's own address")  # fmt: skip
        result = Static("", id="smtp-result", markup=False)
        result.display = False
        yield result

    @on(Button.Pressed, "#smtp-test")
    def _test(self, event: Button.Pressed) -> None:
        event.stop()
        self.test()

    def test(self) -> None:
        """Connect and log in (nothing is sent): the button, and the ``t`` key."""
        self._start("Testing the connection", send=False)

    @on(Button.Pressed, "#smtp-send")
    def _send(self, event: Button.Pressed) -> None:
        event.stop()
        self._start("Sending a test message", send=True)

    def _start(self, doing: str, *, send: bool) -> None:
        result = self.query_one("#smtp-result", Static)
        result.update(f"{doing} of {self.component_name}…")
        result.display = True
        result.loading = True
        self._run(send)

    @work(thread=True, exclusive=True, exit_on_error=False, group="smtp", description="smtp")
    def _run(self, send: bool) -> None:
        from tui.core.mail.compose import build_message
        from tui.core.mail.service import open_sender

        try:
            with open_sender(open_session(self), self.component_name, self.env) as sender:
                info = sender.info
                to = sender.from_address
                if send:
                    message = build_message(to, [to], TEST_SUBJECT, TEST_BODY)
                    sender.send(message)
        except Exception as exc:  # noqa: BLE001 - shown inline
            self.post_message(self.Done(False, f"✗ {self.env}: {failure_text(exc)}"))
            return
        tls = (
            "" if info is None else info.tls + (f", {info.tls_version}" if info.tls_version else "")
        )
        text = f"✓ {self.env}: logged in as {one_line(sender.settings.username)} ({tls})."
        if send:
            text += f"\n  Sent a test message to {one_line(to)}."
        self.post_message(self.Done(True, text))

    @on(Done)
    def _done(self, message: Done) -> None:
        message.stop()
        result = self.query_one("#smtp-result", Static)
        result.loading = False
        result.update(message.text)
        result.set_class(not message.ok, "-error")
        result.set_class(message.ok, "-ok")
        self.notify(
            "Outbound check passed." if message.ok else "Outbound check failed.",
            severity="information" if message.ok else "error",
        )
