"""Running the agent in this process until it is stopped: the socket, the loop, the pid file.

``serve(session, ...)`` is what ``agent run`` does in the foreground and what the detached
child (``tui.core.agent.child``) does after it opened the vault with the key it was handed.
It binds the socket (refused when another agent listens), writes ``agent.pid`` beside it,
reports ``ready(None)`` once clients can connect (or ``ready(reason)`` when it cannot
listen), refreshes until SIGTERM/SIGINT/SIGHUP or a ``stop`` request, then forgets the key.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Sequence

from tui.core.childenv import is_secret_variable
from tui.core.errors import OperationFailed
from tui.core.session import Session

DEFAULT_KEEP_ALIVE = 7 * 86400.0
"""Seconds after which an unused refresh token is refreshed anyway (see ``schedule``)."""
PID_FILE = "agent.pid"


def serve(
    session: Session,
    *,
    keep_alive: float = DEFAULT_KEEP_ALIVE,
    notify_command: Sequence[str] = (),
    log: Callable[[str], None] = lambda _line: None,
    ready: Callable[[str | None], None] = lambda _error: None,
) -> None:
    """Run the agent on ``session`` until it is stopped (see the module docstring).

    Raises:
        OperationFailed: the socket cannot be bound (another agent listens, a bad runtime
            directory); ``ready`` got the reason first.
    """
    from tui.core.agent.daemon import Agent
    from tui.core.agent.server import AgentServer

    for name in [k for k in os.environ if is_secret_variable(k)]:
        del os.environ[name]  # never handed to the notify command or anything else
    agent = Agent(session, keep_alive=keep_alive, notify_command=notify_command, log=log)
    server = AgentServer(agent.handle, on_refused=agent.count_refused)
    try:
        server.bind()
    except OperationFailed as exc:
        agent.lock("could not listen")
        ready(exc.message)
        raise
    pidfile = os.path.join(os.path.dirname(server.path), PID_FILE)
    with open(pidfile, "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: agent.stop())
    thread = threading.Thread(target=server.serve_forever, name="agent-server", daemon=True)
    thread.start()
    log(f"listening on {server.path} (pid {os.getpid()})")
    ready(None)
    try:
        agent.run_loop()
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.drain()
        agent.lock("stopped")
        server.close()
        try:
            os.unlink(pidfile)
        except OSError:
            pass
        log("stopped; the key is forgotten")
