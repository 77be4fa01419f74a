"""The detached agent's first moments: ``python -m tui.core.agent.child``.

``launch.start_agent`` runs this module and writes to its standard input one JSON line of
settings (vault path, keep-alive, notify command) followed by the vault's data key, then
closes the pipe. The child reads both into a buffer it overwrites afterwards, forks once
more (so the agent is nobody's child and, not being a session leader, can never get a
terminal), opens the vault with the key (no key derivation) and serves until stopped. It
reports ``ok PID`` or a one-line reason on what was its standard output, which is the
launcher's pipe; after that all its standard streams are ``/dev/null``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from vault.format import KEY_SIZE

MAX_SETTINGS = 64 * 1024
"""Bytes of settings (one JSON line) read before the key."""


def read_handover(fd: int) -> tuple[dict[str, Any], bytearray]:
    """The settings and the key from ``fd`` (read to its end; both bounded).

    Raises:
        ValueError: the input is not one settings line and a key.
    """
    buf = bytearray(MAX_SETTINGS + KEY_SIZE + 1)
    size = 0
    try:
        while size < len(buf):
            got = os.readv(fd, [memoryview(buf)[size:]])
            if not got:
                break
            size += got
        if size == len(buf) and os.read(fd, 1):
            raise ValueError("too much input")
        end = buf.find(b"\n", 0, size)
        if end < 0 or size - end - 1 != KEY_SIZE:
            raise ValueError("no settings line and key")
        settings = json.loads(bytes(buf[:end]).decode("utf-8"))
        if not isinstance(settings, dict):
            raise ValueError("settings are not an object")
        return settings, buf[end + 1 : size]  # a bytearray: overwritten once used
    finally:
        buf[:] = bytes(len(buf))


def _settings(raw: dict[str, Any]) -> tuple[str, float, list[str]]:
    vault, keep_alive, command = raw.get("vault"), raw.get("keep_alive"), raw.get("notify_command")
    if not isinstance(vault, str) or not os.path.isabs(vault):
        raise ValueError("the vault path is missing or relative")
    if not isinstance(keep_alive, int | float) or keep_alive < 0:
        raise ValueError("bad keep-alive")
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise ValueError("bad notify command")
    return vault, float(keep_alive), command


def main() -> None:  # pragma: no cover - runs in the child; tested through real processes
    """Read the hand-over, detach and serve (see the module docstring)."""
    try:
        raw, key = read_handover(0)
        vault_path, keep_alive, command = _settings(raw)
    except (OSError, ValueError) as exc:
        os.write(1, f"bad hand-over from the launcher ({exc})".encode())
        os._exit(2)
    ready_fd = os.dup(1)
    if os.fork() != 0:
        key[:] = bytes(len(key))
        os._exit(0)
    os.chdir("/")
    os.umask(0o077)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)

    answered: list[bool] = []

    def ready(error: str | None) -> None:
        if answered:  # once only: the closed descriptor's number may be reused meanwhile
            return
        answered.append(True)
        text = f"ok {os.getpid()}" if error is None else error
        try:
            os.write(ready_fd, text.encode("utf-8", "replace"))
        finally:
            os.close(ready_fd)

    code = 1
    try:
        from tui.core.agent.service import serve
        from tui.core.session import Session
        from vault import Vault

        try:
            vault = Vault.open_with_key(vault_path, key)
        finally:
            key[:] = bytes(len(key))
        serve(Session(vault), keep_alive=keep_alive, notify_command=command, ready=ready)
        code = 0
    except Exception as exc:  # noqa: BLE001 - reported to the launcher, never a traceback
        try:
            ready(getattr(exc, "message", None) or type(exc).__name__)
        except OSError:
            pass  # the launcher gave up waiting
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
