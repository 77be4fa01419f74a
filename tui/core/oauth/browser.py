"""Is there a browser to open, opening it without blocking (and knowing promptly whether
that worked), and the SSH tunnel hint.

Rules (issue 3, section 4): a set ``$BROWSER`` always counts as usable; otherwise an SSH
session (``SSH_CONNECTION``/``SSH_TTY``) or a Linux/BSD desktop without ``DISPLAY`` and
``WAYLAND_DISPLAY`` means no usable browser, and the URL is printed for the user to open
elsewhere while the callback server listens and a pasted redirect URL is accepted. A browser
that turns out not to open (``open_browser`` reports it within ``LAUNCH_GRACE`` seconds) leads
to the same browser-less path.
"""

from __future__ import annotations

import getpass
import os
import shlex
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tui.core.childenv import child_environment


def browser_usable(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> tuple[bool, str]:
    """``(usable, reason)``; ``reason`` says why not (or which browser) for the user."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if env.get("BROWSER", "").strip():
        return True, "$BROWSER is set"
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"):
        return False, "this is an SSH session"
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
            return False, "there is no graphical display"
    return True, "the system browser"


def is_ssh_session(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def ssh_tunnel_command(port: int, environ: Mapping[str, str] | None = None) -> str:
    """The command to run on the user's own machine so its browser reaches our callback.

    ``SSH_CONNECTION`` is ``client_ip client_port server_ip server_port``: the server address
    and port are the ones the user connected to.
    """
    env = os.environ if environ is None else environ
    fields = env.get("SSH_CONNECTION", "").split()
    host = fields[2] if len(fields) == 4 else socket.gethostname()
    ssh_port = fields[3] if len(fields) == 4 else "22"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    target = f"{user}@{host}" if user else host
    parts = ["ssh", "-L", f"{port}:127.0.0.1:{port}"]
    if ssh_port != "22":
        parts += ["-p", ssh_port]
    parts.append(target)
    return shlex.join(parts)


LAUNCH_GRACE = 3.0
"""Seconds a browser command gets to fail; one still running after that counts as opened
(a browser started fresh may not exit until it is closed)."""


@dataclass(frozen=True)
class BrowserResult:
    """What became of opening the browser: ``ok``, and ``detail`` for the user.

    ``detail`` names what ran (``ok``) or why nothing could be opened, e.g.
    ``$BROWSER program '/usr/bin/nope' was not found``.
    """

    ok: bool
    detail: str


class BrowserLaunch:
    """The handle ``open_browser`` returns: ``wait()`` for the result (thread-safe)."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._result: BrowserResult | None = None

    def _set(self, result: BrowserResult) -> None:
        self._result = result
        self._done.set()

    @property
    def result(self) -> BrowserResult | None:
        """The result, or None while it is not known yet."""
        return self._result

    def wait(self, timeout: float | None = None) -> BrowserResult | None:
        """Block until the result is known (at most about ``LAUNCH_GRACE`` seconds)."""
        self._done.wait(timeout)
        return self._result


def browser_commands(value: str, url: str) -> list[list[str]]:
    """The argument lists ``$BROWSER`` names for ``url``, in the order to try them.

    ``$BROWSER`` is a list of command lines separated by ``os.pathsep``; in each, ``%s``
    stands for the URL, and without ``%s`` the URL is appended (the convention xdg-open
    and sensible-browser follow; Python's ``webbrowser`` would take the whole line as one
    program name instead).

    Raises:
        ValueError: a command line is not valid shell syntax (unbalanced quotes).
    """
    out = []
    for line in value.split(os.pathsep):
        if not line.strip():
            continue
        argv = shlex.split(line)
        if any("%s" in arg for arg in argv):
            argv = [arg.replace("%s", url) for arg in argv]
        else:
            argv.append(url)
        out.append(argv)
    return out


def _run_command(argv: list[str], grace: float) -> BrowserResult:
    """Start one browser command; failed if it cannot start or exits non-zero within
    ``grace`` seconds. Its output goes to a temporary file (it must not draw over a TUI,
    nor be cut off by a closed pipe), read back only to explain a failure."""
    import subprocess
    import tempfile

    program = argv[0]
    with tempfile.TemporaryFile() as log:
        try:
            proc = subprocess.Popen(
                argv,
                env=child_environment(),  # never the vault's passphrase
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=True,
                start_new_session=True,  # Ctrl-C in our terminal must not close the browser
            )
        except FileNotFoundError:
            return BrowserResult(False, f"$BROWSER program {program!r} was not found")
        except PermissionError:
            return BrowserResult(False, f"$BROWSER program {program!r} may not be run")
        except OSError as exc:
            return BrowserResult(
                False, f"$BROWSER program {program!r} did not start: {exc.strerror or exc}"
            )
        try:
            code = proc.wait(grace)
        except subprocess.TimeoutExpired:
            # Still running: a browser started fresh. Reap it when it exits.
            threading.Thread(target=proc.wait, name="tokendesk-browser-reaper", daemon=True).start()
            return BrowserResult(True, program)
        if code == 0:
            return BrowserResult(True, program)
        what = f"$BROWSER program {program!r}"
        if code < 0:
            return BrowserResult(False, f"{what} was killed by signal {-code}")
        log.seek(0)
        said = _last_line(log.read()[-4000:])
        return BrowserResult(
            False, f"{what} exited with status {code}" + (f": {said}" if said else "")
        )


def _last_line(data: bytes) -> str:
    lines = [" ".join(x.split()) for x in data.decode("utf-8", "replace").splitlines()]
    lines = [x for x in lines if x]
    if not lines:
        return ""
    text = lines[-1]
    return text if len(text) <= 160 else text[:159] + "…"


def _open_with_environment(value: str, url: str, grace: float) -> BrowserResult:
    try:
        commands = browser_commands(value, url)
    except ValueError as exc:
        return BrowserResult(False, f"$BROWSER is not a valid command line ({exc})")
    if not commands:
        return BrowserResult(False, "$BROWSER names no program")
    failures = []
    for argv in commands:
        result = _run_command(argv, grace)
        if result.ok:
            return result
        failures.append(result.detail)
    return BrowserResult(False, "; ".join(failures))


def _open_with_webbrowser(url: str, grace: float) -> BrowserResult:
    import webbrowser

    box: list[BrowserResult] = []
    done = threading.Event()

    def run() -> None:
        try:
            ok = webbrowser.open(url, new=1)
        except Exception as exc:  # noqa: BLE001 - any failure just means "open it yourself"
            box.append(BrowserResult(False, f"the system browser failed ({type(exc).__name__})"))
        else:
            detail = "the system browser" if ok else "no browser was found to open it"
            box.append(BrowserResult(bool(ok), detail))
        done.set()

    # webbrowser blocks while a console browser it fell back to runs: wait only so long.
    threading.Thread(target=run, name="tokendesk-webbrowser", daemon=True).start()
    if not done.wait(grace):
        return BrowserResult(True, "the system browser")
    return box[0]


def open_browser(
    url: str,
    on_result: Callable[[BrowserResult], None] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    grace: float = LAUNCH_GRACE,
) -> BrowserLaunch:
    """Open ``url`` in the browser without blocking; the outcome comes back promptly.

    With ``$BROWSER`` set its commands are run directly (see ``browser_commands``), else
    Python's ``webbrowser`` picks the system browser. A program that is missing, cannot be
    run, or exits non-zero within ``grace`` seconds is a failure; one still running after
    ``grace`` seconds counts as opened. The result (a ``BrowserResult``) is passed to
    ``on_result`` (called once, from a worker thread) and is available from the returned
    ``BrowserLaunch``; on failure the caller shows the URL and offers the paste instead.
    """
    env = os.environ if environ is None else environ
    launch = BrowserLaunch()
    value = env.get("BROWSER", "")

    def run() -> None:
        try:
            if value.strip():
                result = _open_with_environment(value, url, grace)
            else:
                result = _open_with_webbrowser(url, grace)
        except Exception as exc:  # noqa: BLE001 - never let a thread die silently
            result = BrowserResult(False, f"unexpected error ({type(exc).__name__})")
        launch._set(result)
        if on_result is not None:
            on_result(result)

    threading.Thread(target=run, name="tokendesk-browser", daemon=True).start()
    return launch
