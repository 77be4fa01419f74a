"""Is there a browser to open, opening it without blocking, and the SSH tunnel hint.

Rules (issue 3, section 4): a set ``$BROWSER`` always counts as usable; otherwise an SSH
session (``SSH_CONNECTION``/``SSH_TTY``) or a Linux/BSD desktop without ``DISPLAY`` and
``WAYLAND_DISPLAY`` means no usable browser, and the URL is printed for the user to open
elsewhere while the callback server listens and a pasted redirect URL is accepted.
"""

from __future__ import annotations

import getpass
import os
import shlex
import socket
import sys
import threading
from collections.abc import Callable, Mapping


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


def open_browser(url: str, on_result: Callable[[bool], None] | None = None) -> threading.Thread:
    """Open ``url`` with ``webbrowser`` (honours ``$BROWSER``) in a daemon thread.

    ``webbrowser`` waits for a ``$BROWSER`` command to exit, and a browser started fresh may
    not exit until it is closed: the caller must never block on it.
    """

    def run() -> None:
        import webbrowser

        try:
            ok = webbrowser.open(url, new=1)
        except Exception:  # noqa: BLE001 - any failure just means "open it yourself"
            ok = False
        if on_result is not None:
            on_result(bool(ok))

    thread = threading.Thread(target=run, name="tokendesk-browser", daemon=True)
    thread.start()
    return thread
