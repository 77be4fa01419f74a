"""The Authorize dialog: browser + loopback callback, pasted redirect URL, or device code.

It drives the OAuth service's ``AuthorizationAttempt`` (the same object ``tokendesk
authorize`` uses): the URL is shown in full and copyable, the browser is opened only when
``browser_usable`` says so (over SSH it shows the ``ssh -L`` command instead), and a pasted
redirect URL is accepted at any time. "Use device code" switches to ``DeviceFlow`` with the
user code and a QR code. Esc cancels whatever runs and frees the callback port.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from tui.app.context import AppModal
from tui.app.errors import failure_text
from tui.app.messages import (
    AuthorizationFailed,
    AuthorizationStarted,
    AuthorizationSucceeded,
    BrowserFailed,
    DeviceCodeReceived,
)
from tui.app.widgets.spinner import Spinner
from tui.core.errors import UsageError
from tui.core.models.oauth import OAuthComponent

if TYPE_CHECKING:
    from tui.core.oauth.browser import BrowserResult
    from tui.core.oauth.device import DeviceFlow
    from tui.core.oauth.flow import AuthorizationAttempt

SUCCESS = "OAuth2 token received with success!"
AUTHORIZE_TIMEOUT = 300.0


class AuthorizeScreen(AppModal[bool]):
    """Authorize ``component`` for ``env``; dismisses True once tokens are saved."""

    AUTO_FOCUS = "#paste"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="authorize.cancel",
                tooltip="Cancel the authorization and free the callback port"),
        Binding("f2", "copy_url", "Copy URL", id="authorize.copy_url",
                tooltip="Copy the authorization URL"),
        Binding("f3", "device", "Device code", id="authorize.device",
                tooltip="Sign in on another device with a code"),
    ]  # fmt: skip

    def __init__(self, component: OAuthComponent, env: str) -> None:
        super().__init__(classes="dialog")
        self.component = component
        self.env = env
        self.attempt: AuthorizationAttempt | None = None
        self.flow: DeviceFlow | None = None
        self.mode = "browser"
        self._gone = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="authorize-box"):
            yield Label(
                Content.assemble("Authorize ", Content(self.component.name), f" · {self.env}"),
                classes="dialog-title",
            )
            with Horizontal(classes="dialog-buttons", id="authorize-buttons"):
                yield Button("Copy URL", id="copy-url", action="screen.copy_url", compact=True)
                yield Button("Use device code", id="use-device", action="screen.device",
                             compact=True)  # fmt: skip
                yield Button("Try again", id="retry", action="screen.retry", compact=True)
                yield Button("Cancel", id="cancel", action="screen.cancel", compact=True)
            # Status and feedback stay above the scrolling body: always in sight, even at
            # 80x24 where the body scrolls.
            yield Spinner("Starting the authorization…", id="auth-status")
            yield Static("", id="auth-error", markup=False)
            yield Static("", id="auth-info", markup=False)
            with VerticalScroll(id="authorize-body"):
                yield Static("", id="auth-note", markup=False)
                yield Static("", id="auth-url", markup=False)
                yield Static("", id="auth-ssh", markup=False)
                with Vertical(id="auth-paste"):
                    yield Label("Or paste the final redirect URL from the browser:")
                    yield Input(placeholder="http://127.0.0.1:…/?code=…&state=…", id="paste")
                with Horizontal(id="auth-device-row"):
                    yield Static("", id="auth-device", markup=False)
                    yield Static("", id="auth-qr", markup=False)

    def on_mount(self) -> None:
        for widget_id in ("#auth-ssh", "#auth-device-row", "#retry", "#auth-error", "#auth-info"):
            self.query_one(widget_id).display = False
        if not self.component.device_authorization_url:
            self.query_one("#use-device").display = False
        if not self.component.authorization_url:
            self.action_device()
            return
        self.query_one("#paste", Input).focus()
        self._run_browser()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # f3 shows only where a device sign-in can start: once it runs, "Try again" restarts
        # it, and a component without a device URL has none.
        if action == "device":
            return self.mode != "device" and bool(self.component.device_authorization_url)
        return True

    # ------------------------------------------------------------ UI updates
    @property
    def status(self) -> Spinner:
        return self.query_one("#auth-status", Spinner)

    def error(self, text: str) -> None:
        box = self.query_one("#auth-error", Static)
        box.update(text)
        box.display = bool(text)

    def info(self, text: str) -> None:
        """A line of feedback under the status (copied, browser failed…)."""
        box = self.query_one("#auth-info", Static)
        box.update(text)
        box.display = bool(text)

    @on(AuthorizationStarted)
    def _show_url(self, message: AuthorizationStarted) -> None:
        from tui.core.oauth.browser import is_ssh_session, ssh_tunnel_command

        if self._gone:
            return
        url, port, usable, reason = message.url, message.port, message.usable, message.reason
        environ = self.tokendesk.environ
        if usable:
            self.status.start("Waiting for the browser…")
            note = f"Opened the sign-in page in the browser ({reason}). If nothing opened, "
            note += "open this URL yourself:"
        else:
            self.status.start("Waiting for the sign-in…")
            note = f"No browser here ({reason}). Open this URL in a browser on your computer:"
        self.query_one("#auth-note", Static).update(note)
        self.query_one("#auth-url", Static).update(url)
        if is_ssh_session(environ):
            ssh = self.query_one("#auth-ssh", Static)
            ssh.update(
                "For the redirect to reach this machine, first run on your computer:\n"
                f"  {ssh_tunnel_command(port, environ)}\n"
                "or, when the browser shows an unreachable page, paste its address below."
            )
            ssh.display = True
        paste = self.query_one("#paste", Input)
        self.call_after_refresh(paste.scroll_visible, animate=False)

    @on(BrowserFailed)
    def _browser_failed(self, message: BrowserFailed) -> None:
        if self._gone or self.mode != "browser":
            return
        self.status.start("Waiting for the sign-in…")
        self.query_one("#auth-note", Static).update(
            f"The browser could not be opened ({message.reason}). Open this URL in a browser "
            "yourself, then paste the final redirect URL below:"
        )
        self.call_after_refresh(self.query_one("#paste", Input).focus)

    @on(AuthorizationFailed)
    def _failed(self, message: AuthorizationFailed) -> None:
        if self._gone:
            return
        exc = message.error
        self.status.stop(Content.styled("✗ The authorization did not complete.", "$text-error"))
        self.error(failure_text(exc))
        self.query_one("#retry").display = True
        self.notify(failure_text(exc), title="Authorization failed", severity="error", markup=False)

    @on(AuthorizationSucceeded)
    def _succeeded(self) -> None:
        if self._gone:
            return
        self._gone = True
        self.notify(SUCCESS, title=f"{self.component.name} · {self.env}")
        self.dismiss(True)

    # ------------------------------------------------------------ browser flow
    @work(thread=True, exclusive=True, exit_on_error=False, group="authorize",
          description="authorize in the browser")  # fmt: skip
    def _run_browser(self) -> None:
        from tui.core.oauth.browser import browser_usable
        from tui.core.oauth.flow import AuthorizationAttempt

        app = self.tokendesk
        try:
            attempt = AuthorizationAttempt(self.component, session=self.session, env=self.env)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            self.post_message(AuthorizationFailed(exc))
            return
        self.attempt = attempt
        forget = app.cancel_on_exit(attempt.cancel)
        if self._gone or self.mode != "browser":
            attempt.cancel()
            forget()
            return
        usable, reason = browser_usable(app.environ)
        self.post_message(AuthorizationStarted(attempt.url, attempt.port, usable, reason))
        if usable:
            attempt.open_browser(self._browser_result, environ=app.environ)
        try:
            tok = attempt.wait(AUTHORIZE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            if not attempt.cancelled:
                self.post_message(AuthorizationFailed(exc))
            return
        finally:
            forget()
        self.post_message(AuthorizationSucceeded(tok))

    def _browser_result(self, result: BrowserResult) -> None:
        # Called from the browser's launcher thread.
        if not result.ok:
            self.post_message(BrowserFailed(result.detail))

    @on(Input.Submitted, "#paste")
    def _pasted(self, event: Input.Submitted) -> None:
        attempt = self.attempt
        text = event.value.strip()
        if not text or attempt is None:
            return
        try:
            attempt.submit_pasted_url(text)
        except UsageError as exc:
            self.error(failure_text(exc))
            return
        self.error("")
        self.status.start("Exchanging the code for tokens…")

    # ------------------------------------------------------------ device flow
    def action_device(self) -> None:
        if not self.component.device_authorization_url:
            self.notify("This component has no device authorization URL.", severity="warning")
            return
        self.mode = "device"
        self.refresh_bindings()
        if self.attempt is not None:
            _in_background(self.attempt.cancel)
        for widget_id in ("#auth-url", "#auth-ssh", "#auth-paste", "#use-device", "#copy-url"):
            self.query_one(widget_id).display = False
        self.query_one("#auth-note").display = False
        self.query_one("#retry").display = False
        self.error("")
        self.status.start("Asking for a device code…")
        self._run_device()

    @work(thread=True, exclusive=True, exit_on_error=False, group="authorize",
          description="authorize with a device code")  # fmt: skip
    def _run_device(self) -> None:
        from tui.core.oauth.device import DeviceFlow

        try:
            flow = DeviceFlow(self.component, session=self.session, env=self.env)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            self.post_message(AuthorizationFailed(exc))
            return
        self.flow = flow
        if self._gone:
            flow.cancel()
            return
        forget = self.tokendesk.cancel_on_exit(flow.cancel)
        self.post_message(DeviceCodeReceived(flow))
        try:
            tok = flow.wait()
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            if not flow.cancelled:
                self.post_message(AuthorizationFailed(exc))
            return
        finally:
            forget()
        self.post_message(AuthorizationSucceeded(tok))

    @on(DeviceCodeReceived)
    def _show_device(self, message: DeviceCodeReceived) -> None:
        if self._gone:
            return
        flow = message.flow
        self.status.start("Waiting for the sign-in on the other device…")
        device = self.query_one("#auth-device", Static)
        lines = ["On any device, open:", f"  {flow.verification_uri}", "and enter the code:"]
        lines.append(f"  {flow.user_code}")
        if flow.verification_uri_complete:
            lines += ["or scan (opens the page with the code filled in):"]
        device.update("\n".join(lines))
        self.query_one("#auth-qr", Static).update(flow.qr_text().rstrip("\n"))
        self.query_one("#auth-device-row").display = True

    # ------------------------------------------------------------ actions
    def action_copy_url(self) -> None:
        if self.mode == "device":
            # The browser attempt was cancelled: its URL would lead nowhere.
            flow = self.flow
            if flow is not None:
                self.app.copy_to_clipboard(flow.verification_uri_complete or flow.verification_uri)
                self.info("Copied the sign-in address.")
            return
        if self.attempt is None:
            return
        self.app.copy_to_clipboard(self.attempt.url)
        self.info("Copied the authorization URL.")

    def action_retry(self) -> None:
        self.query_one("#retry").display = False
        self.error("")
        if self.mode == "device":
            self.action_device()
            return
        self.attempt = None
        self.status.start("Starting the authorization…")
        self._run_browser()

    def on_unmount(self) -> None:
        # Quitting the app with the dialog open must free the port too.
        self._stop()

    def action_cancel(self) -> None:
        self._stop()
        self.dismiss(False)

    def _stop(self) -> None:
        self._gone = True
        for running in (self.attempt, self.flow):
            if running is not None:
                # Closing the callback server waits for its loop: not on the UI thread.
                _in_background(running.cancel)


def _in_background(fn: Callable[[], None]) -> None:
    threading.Thread(target=fn, name="tokendesk-cancel", daemon=True).start()
