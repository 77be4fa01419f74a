"""The tokendesk Textual app: screens, global keys, and background token refresh.

``make_app(vault_path, ...)`` builds the app for ``run`` (the ``tokendesk`` entry point
without a subcommand) and for the tests. Without an open session it starts on the unlock
screen (or the create-vault screen when the file does not exist); the key derivation runs
in a worker. While it runs, every authorized component of the current environment is
refreshed when it stops being fresh, through ``tui.core.oauth.tokens.fresh_token`` (the same
locked refresh as the CLI); changes other processes make to the vault are picked up too.
While an unlocked agent holds the same vault, that schedule waits: the agent refreshes and
the app re-reads the vault when the agent saves (``tui.core.agent.presence``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel

from tui.app.commands import TokendeskCommands
from tui.app.errors import failure_text
from tui.app.messages import BackgroundRefreshFailed, RecordsChanged, SessionReady
from tui.core.oauth.schedule import RefreshSchedule
from tui.core.session import PASSPHRASE_COMMAND_ENV, PASSPHRASE_ENV, Session, read_passphrase
from tui.core.text import sanitize
from vault import KdfParams

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.app.screens.main import MainScreen

DEFAULT_REFRESH_INTERVAL = 10.0
VAULT_WATCH_INTERVAL = 1.0
"""Seconds between looks at the vault file: another process's edit (``tokendesk oauth edit``,
the agent's refresh) reaches the screen, and the next action, within about a second."""


class TokendeskApp(App[int]):
    """See the module docstring; use ``make_app`` to build one."""

    CSS_PATH = "app.tcss"
    TITLE = "tokendesk"
    COMMANDS = App.COMMANDS | {TokendeskCommands}
    HIDDEN_SYSTEM_COMMANDS = frozenset({"Screenshot"})
    """Textual's system commands left out of the palette: a screenshot writes the screen, a
    revealed token or secret included, to a file in the working directory."""
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit tokendesk",
                priority=True, show=False),
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="Show every key"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.commands",
                tooltip="Open the command palette: every action by name"),
    ]  # fmt: skip

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's system commands (theme, keys, quit...) but the hidden ones."""
        for command in super().get_system_commands(screen):
            if command.title not in self.HIDDEN_SYSTEM_COMMANDS:
                yield command

    def __init__(
        self,
        vault_path: Path,
        *,
        session: Session | None = None,
        passphrase: str | None = None,
        kdf: KdfParams | None = None,
        clock: Callable[[], float] | None = None,
        environ: Mapping[str, str] | None = None,
        refresh_interval: float | None = DEFAULT_REFRESH_INTERVAL,
    ) -> None:
        super().__init__()
        self.vault_path = Path(vault_path)
        self.session: Session | None = session
        self.passphrase = passphrase
        self.kdf = kdf
        self.clock: Callable[[], float] = clock or time.time
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.refresh_interval = refresh_interval
        self.main_screen: MainScreen | None = None
        self.schedule = RefreshSchedule()
        self._vault_stamp: tuple[int, int] | None = None
        self.agent_keeps_fresh = False
        """True while a running, unlocked agent holds this vault: the background schedule
        leaves refreshing to it (manual refreshes and sign-ins still run here)."""
        self.keymap: dict[str, str] = {}
        """The user's keymap (binding id -> keys) as applied with ``set_keymap``."""
        self.on_exit: dict[int, Callable[[], None]] = {}
        """Cancels for blocking work in threads (callback servers, device polls, IMAP), run
        when the app exits so no worker thread outlives it."""

    # ------------------------------------------------------------ start
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification (screens' and widgets' too) goes through the core sanitizer:
        a backstop, so no server text can drive the terminal from a toast. Markup is off
        here unless asked for; a widget's or screen's ``notify`` asks by default, so their
        calls with outside text pass ``markup=False``."""
        super().notify(
            sanitize(message, multiline=True),
            title=sanitize(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def on_mount(self) -> None:
        from tui.app.keys import keymap_path, load_keymap, use_keymap
        from tui.app.screens.unlock import CreateVaultScreen, UnlockScreen

        keymap, error = load_keymap(keymap_path(self.environ))
        use_keymap(keymap if not error else {})
        if error:
            self.notify(f"Keymap ignored: {error}", severity="warning", markup=False)
        elif keymap:
            self.keymap = keymap
            self.set_keymap(keymap)

        if self.session is not None:
            self._open_main()
        elif self.vault_path.exists():
            self.push_screen(UnlockScreen(self.vault_path, passphrase=self.passphrase))
        else:
            self.push_screen(CreateVaultScreen(self.vault_path, kdf=self.kdf))
        if self.refresh_interval:
            self.set_interval(self.refresh_interval, self._background_tick, name="refresh")
            watch = min(VAULT_WATCH_INTERVAL, self.refresh_interval)
            self.set_interval(watch, self._watch_vault, name="watch")

    def on_session_ready(self, message: SessionReady) -> None:
        self.session = message.session
        self._open_main(switch=True)

    def _open_main(self, switch: bool = False) -> None:
        from tui.app.screens.main import MainScreen

        self._vault_stamp = self._stamp()
        main = self.main_screen = MainScreen()
        if switch:
            self.switch_screen(main)
        else:
            self.push_screen(main)

    def cancel_on_exit(self, cancel: Callable[[], None]) -> Callable[[], None]:
        """Run ``cancel`` if the app exits first; call the returned function to forget it."""
        key = id(cancel)
        self.on_exit[key] = cancel

        def forget() -> None:
            self.on_exit.pop(key, None)

        return forget

    def on_unmount(self) -> None:
        for cancel in list(self.on_exit.values()):
            try:
                cancel()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        self.on_exit.clear()

    # ------------------------------------------------------------ actions
    def action_help(self) -> None:
        from tui.app.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        main = self.main_screen
        if main is not None and main.form is not None and main.form.dirty:
            if self.screen is not main:
                self.notify("Save or discard your changes first.", severity="warning")
                return
            main.guard(lambda: self.exit(0))
            return
        self.exit(0)

    # ------------------------------------------------------------ background refresh
    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.vault_path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def recheck_agent(self) -> None:
        """Ask the agent now whether it keeps this vault fresh (after it was started,
        stopped or locked from here) rather than at the next tick."""
        if self.refresh_interval:
            self._background_tick()

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch",
          description="vault watch")  # fmt: skip
    def _watch_vault(self) -> None:
        # A stat a second, off the UI thread; the re-read is the background worker's.
        if self.session is None or self.main_screen is None or self._stamp() == self._vault_stamp:
            return
        self.call_from_thread(self._refresh_if_idle)

    def _refresh_if_idle(self) -> None:
        if not any(w.group == "background" and not w.is_finished for w in self.workers):
            self._background_refresh()

    def _background_tick(self) -> None:
        if self.session is not None and self.main_screen is not None:
            self._background_refresh()

    @work(thread=True, exclusive=True, exit_on_error=False, group="background",
          description="background refresh")  # fmt: skip
    def _background_refresh(self) -> None:
        from textual.worker import get_current_worker

        from tui.core.agent.presence import serving_agent
        from tui.core.oauth.tokens import fresh_token

        session = self.session
        if session is None:
            return
        worker = get_current_worker()
        # Asked first: the agent re-reads the vault when asked, so an edit saved here is in
        # its plan before ours is skipped.
        self.agent_keeps_fresh = serving_agent(self.vault_path) is not None
        changed = False
        stamp = self._stamp()
        if stamp != self._vault_stamp:
            try:
                session.reload()
                changed = True
            except Exception as exc:  # noqa: BLE001 - reported; the old records stay
                self._report(("", "reload"), f"Could not re-read the vault: {failure_text(exc)}")
            self._vault_stamp = stamp
        # Every environment, not only the current one: each has its own badges.
        due = [] if self.agent_keeps_fresh else self.schedule.due(session.records, self.clock())
        for key in due:
            if worker.is_cancelled:
                break
            env, name = key
            try:
                new = fresh_token(session, name, env)
            except Exception as exc:  # noqa: BLE001 - a notification and the badge, never a crash
                self._report(key, f"Refresh of {name} ({env}) failed: {failure_text(exc)}")
            else:
                if new.last_error:
                    self._report(key, f"Refresh of {name} ({env}): {new.last_error}")
                else:
                    self.schedule.succeeded(key)
            changed = True
        if changed:
            self._vault_stamp = self._stamp()
            if self.main_screen is not None:
                self.main_screen.post_message(RecordsChanged())

    def _report(self, key: tuple[str, str], text: str) -> None:
        if self.schedule.failed(key, self.clock(), text):
            self.post_message(BackgroundRefreshFailed(text))

    @on(BackgroundRefreshFailed)
    def _refresh_failed(self, message: BackgroundRefreshFailed) -> None:
        self.notify(message.text, title="Background refresh", severity="error", markup=False)


def make_app(
    vault_path: Path,
    *,
    session: Session | None = None,
    passphrase: str | None = None,
    kdf: KdfParams | None = None,
    clock: Callable[[], float] | None = None,
    environ: Mapping[str, str] | None = None,
    refresh_interval: float | None = DEFAULT_REFRESH_INTERVAL,
) -> TokendeskApp:
    """Build the app (shared by ``run`` and the tests).

    Args:
        vault_path: the vault file (it may not exist yet: the app offers to create it).
        session: an already open session (skips the unlock screen).
        passphrase: unlock with this at once instead of asking (falls back to asking).
        kdf: key-derivation parameters for a vault created here (tests use cheap ones).
        clock: wall-clock function for badges, countdowns and refresh decisions.
        environ: environment used to decide whether a browser is usable (SSH, $BROWSER).
        refresh_interval: seconds between background refresh checks; None turns them off.
    """
    return TokendeskApp(
        vault_path,
        session=session,
        passphrase=passphrase,
        kdf=kdf,
        clock=clock,
        environ=environ,
        refresh_interval=refresh_interval,
    )


def run(vault_path: Path) -> int:
    """Run the TUI on ``vault_path``; returns the exit status."""
    passphrase = None
    if os.environ.get(PASSPHRASE_ENV) or os.environ.get(PASSPHRASE_COMMAND_ENV):
        passphrase = read_passphrase()
    app = make_app(vault_path, passphrase=passphrase)
    result = app.run()
    return int(result or app.return_code or 0)
