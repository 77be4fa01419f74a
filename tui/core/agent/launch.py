"""Starting, stopping and locking the agent: the one path both faces take.

``start_agent(session)`` starts a detached agent holding ``session``'s vault without asking
for the passphrase again. A fresh interpreter runs ``tui.core.agent.child`` and reads its
settings and the vault's data key (``Vault.copy_key``) from a pipe on its standard input:
never from its arguments or its environment, which other processes can read in ``/proc``,
and the environment it gets has every passphrase variable removed. The child opens the
vault with the key (no second key derivation), detaches (a second fork: it is nobody's
child and has no terminal) and answers on another pipe once it listens; ``start_agent``
returns then, or raises with the child's reason.

``stop_agent()`` asks a running agent to stop and waits until its socket is gone;
``lock_agent()`` makes it forget the key (it keeps running; clients open the vault).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.agent import client
from tui.core.agent.child import MAX_SETTINGS
from tui.core.agent.presence import agent_status, holds
from tui.core.agent.service import DEFAULT_KEEP_ALIVE
from tui.core.childenv import child_environment
from tui.core.errors import OperationFailed, UsageError
from tui.core.session import Session
from tui.core.text import one_line

CHILD_MODULE = "tui.core.agent.child"
READY_TIMEOUT = 30.0
"""Seconds the child has to open the vault and listen."""
STOP_TIMEOUT = 60.0
"""Seconds to wait for a stop or a lock: a refresh in progress ends first (HTTP: 30 s)."""
ANSWER_LIMIT = 4096


class NoAgent(OperationFailed):
    """No agent answers on the socket."""

    def __init__(self) -> None:
        super().__init__("no agent is running")


@dataclass(frozen=True)
class StartedAgent:
    """An agent that ``start_agent`` saw listening."""

    pid: int
    """The detached agent's process id."""
    socket: str
    """Where it listens."""


class AgentRunning(OperationFailed):
    """An unlocked agent already keeps the vault that was to be served fresh."""

    def __init__(self, pid: object) -> None:
        super().__init__(f"an agent is already running (pid {pid})", advice="stop it first")
        self.pid = pid


def refuse_if_running(vault: str | os.PathLike[str] | None = None) -> None:
    """Raise when an agent already answers (one agent per user).

    Raises:
        AgentRunning: it is unlocked and holds ``vault`` (or ``vault`` is None).
        OperationFailed: it is locked, or holds another vault.
    """
    status = agent_status()
    if status is None:
        return
    pid = status.get("pid")
    if status.get("locked") is not False:
        raise OperationFailed(
            f"a locked agent is already running (pid {pid})",
            advice="a locked agent keeps nothing fresh: stop it, then start it again",
        )
    if vault is not None and not holds(status, vault):
        raise OperationFailed(
            f"an agent is already running for another vault, {status.get('vault')} (pid {pid})",
            advice="one agent serves one vault: stop it first",
        )
    raise AgentRunning(pid)


def start_agent(
    session: Session,
    *,
    keep_alive: float = DEFAULT_KEEP_ALIVE,
    notify_command: Sequence[str] = (),
    timeout: float = READY_TIMEOUT,
) -> StartedAgent:
    """Start a detached agent on ``session``'s vault; returns once it listens.

    Raises:
        OperationFailed: an agent already runs, the child cannot start, or it reported why
            it could not open the vault or listen.
    """
    refuse_if_running(session.path)
    settings: dict[str, Any] = {
        # The agent runs in /, so the vault's path must not be relative.
        "vault": os.path.abspath(session.path),
        "keep_alive": keep_alive,
        "notify_command": list(notify_command),
    }
    line = (json.dumps(settings) + "\n").encode("utf-8")
    if len(line) > MAX_SETTINGS:
        raise UsageError("the agent's settings are too long")
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=child_environment(),
            start_new_session=True,  # no terminal: ctrl-C in the face does not reach it
            bufsize=0,  # writes go straight to the pipe: no buffer keeps a copy of the key
        )
    except OSError as exc:
        raise OperationFailed(f"the agent could not be started: {exc.strerror}") from None
    if child.stdin is None or child.stdout is None:  # never with PIPE; for the type checker
        raise OperationFailed("the agent could not be started: no pipe to it")
    key = session.vault.copy_key()
    try:
        _write_all(child.stdin.fileno(), line)
        _write_all(child.stdin.fileno(), key)
    except OSError:
        pass  # the child ended early: its answer (or its silence) says why
    finally:
        key[:] = bytes(len(key))
        child.stdin.close()
    try:
        answer = _read_answer(child.stdout.fileno(), timeout)
    finally:
        child.stdout.close()
        _reap(child)
    if not answer.startswith("ok "):
        raise OperationFailed(f"the agent did not start: {answer}")
    try:
        pid = int(answer[3:])
    except ValueError:
        raise OperationFailed(f"the agent did not start: {answer}") from None
    return StartedAgent(pid, client.socket_path())


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_answer(fd: int, timeout: float) -> str:
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < ANSWER_LIMIT:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return "it did not report within the time limit"
        chunk = os.read(fd, ANSWER_LIMIT)
        if not chunk:
            break
        data += chunk
    return one_line(data.decode("utf-8", "replace")) or "it ended without a word"


def _reap(child: subprocess.Popen[bytes]) -> None:
    # The first child exits as soon as it forked the agent; never leave it a zombie.
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def stop_agent(timeout: float = STOP_TIMEOUT) -> None:
    """Ask the agent to stop (it forgets the key) and wait until its socket is gone.

    Raises:
        NoAgent: none is running.
        OperationFailed: it did not stop within ``timeout`` seconds.
    """
    if client.request({"op": "ping"}) is None:
        raise NoAgent()
    # The reply to "stop" itself may be lost as the agent ends; whether it is gone is what
    # counts, so the socket is watched rather than the reply.
    client.request({"op": "stop"})
    deadline = time.monotonic() + timeout
    while client.request({"op": "ping"}) is not None:
        if time.monotonic() > deadline:
            raise OperationFailed("the agent did not stop in time")
        time.sleep(0.05)


def lock_agent() -> None:
    """Make the agent forget the key; it keeps running and clients open the vault.

    Raises:
        NoAgent: none is running.
    """
    if client.request({"op": "lock"}, timeout=STOP_TIMEOUT) is None:
        raise NoAgent()  # a refresh in progress finishes first, hence the long timeout
