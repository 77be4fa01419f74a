"""The notify hook: run the user's command on agent events, without a shell.

The command is an argument vector (the CLI splits the user's string with ``shlex``), run with
standard input from ``/dev/null`` and these variables added to a copy of the agent's
environment from which every passphrase variable was removed:

* ``TOKENDESK_EVENT``: ``needs_signin``, ``refresh_failed`` or ``recovered``;
* ``TOKENDESK_COMPONENT``, ``TOKENDESK_ENVIRONMENT``: which token;
* ``TOKENDESK_MESSAGE``: one line, safe for a terminal.

The agent does not wait for the command: a reaper thread waits up to ``HOOK_TIMEOUT`` seconds
and then kills it, so a hanging hook cannot pile up processes.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence

from tui.core.childenv import child_environment

HOOK_TIMEOUT = 60.0
EVENTS = ("needs_signin", "refresh_failed", "recovered")


def scrubbed_environment() -> dict[str, str]:
    """This process's environment without any passphrase variable (for child processes)."""
    return child_environment()


class Notifier:
    """Runs the notify command for each event (does nothing without a command)."""

    def __init__(
        self, command: Sequence[str] = (), log: Callable[[str], None] | None = None
    ) -> None:
        self.command = list(command)
        self._log = log or (lambda _line: None)

    def notify(self, event: str, component: str, environment: str, message: str) -> None:
        """Start the command for one event; never raises."""
        if not self.command or event not in EVENTS:
            return
        env = scrubbed_environment()
        env.update(
            TOKENDESK_EVENT=event,
            TOKENDESK_COMPONENT=component,
            TOKENDESK_ENVIRONMENT=environment,
            TOKENDESK_MESSAGE=message,
        )
        try:
            proc = subprocess.Popen(self.command, env=env, stdin=subprocess.DEVNULL, close_fds=True)
        except OSError as exc:
            self._log(f"the notify command could not run: {exc.strerror}")
            return
        threading.Thread(target=_reap, args=(proc,), daemon=True).start()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(HOOK_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
