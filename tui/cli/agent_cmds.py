"""``tokendesk agent start|run|status|stop|lock``: the process that keeps every token fresh.

``start`` unlocks the vault (the passphrase is asked once on the terminal, or taken from the
usual sources), then detaches (double fork, new session, standard streams on /dev/null) and
returns once the agent listens. ``run`` does the same in the foreground, logging to stderr,
for a systemd user unit or tmux. The work itself lives in ``tui.core.agent``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import threading
import time
from typing import Any

from tui.cli.common import Context
from tui.core.agent import client
from tui.core.errors import OperationFailed, UsageError
from tui.core.text import human_duration, one_line, relative

DEFAULT_KEEP_ALIVE = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
READY_TIMEOUT = 30.0
RECENT_EVENTS = 5
STOP_TIMEOUT = 60.0  # a refresh in progress ends first (its HTTP deadline is 30 s)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``agent`` and its sub-verbs to the top-level parser."""
    agent = sub.add_parser("agent", help="the background agent that keeps tokens fresh")
    verbs = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    for name, text, handler in (
        ("start", "unlock the vault and start the agent in the background", cmd_start),
        ("run", "run the agent in the foreground (systemd, tmux)", cmd_run),
    ):
        p = verbs.add_parser(name, help=text)
        p.add_argument(
            "--notify-command",
            metavar="COMMAND",
            help="run COMMAND (no shell) on needs_signin, refresh_failed, recovered; "
            "TOKENDESK_EVENT, _COMPONENT, _ENVIRONMENT, _MESSAGE describe the event",
        )
        p.add_argument(
            "--keep-alive",
            metavar="PERIOD",
            default=DEFAULT_KEEP_ALIVE,
            help="refresh a refresh token unused this long (e.g. 7d, 12h, 90m; "
            f"0 turns it off; default {DEFAULT_KEEP_ALIVE})",
        )
        p.set_defaults(handler=handler)
    p = verbs.add_parser("status", help="whether an agent runs, and each token's next refresh")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_status)
    p = verbs.add_parser("stop", help="stop the agent (it forgets the key)")
    p.set_defaults(handler=cmd_stop)
    p = verbs.add_parser("lock", help="make the agent forget the key; clients open the vault")
    p.set_defaults(handler=cmd_lock)


def parse_period(value: str) -> float:
    """``7d``, ``12h``, ``90m``, ``45s`` or plain seconds; 0 means off."""
    text = value.strip().lower()
    unit = _UNITS.get(text[-1:], 0)
    number = text[:-1] if unit else text
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise UsageError(
            f"--keep-alive must be a period like 7d, 12h or 90m, got {value!r}"
        ) from None
    if not 0 <= seconds <= 365 * 86400 or seconds != seconds:
        raise UsageError("--keep-alive must be from 0 (off) to 365 days")
    if 0 < seconds < 60:
        raise UsageError("--keep-alive must be at least 60 seconds (or 0 for off)")
    return seconds


def _options(args: argparse.Namespace) -> tuple[float, list[str]]:
    keep_alive = parse_period(args.keep_alive)
    command: list[str] = []
    if args.notify_command is not None:
        try:
            command = shlex.split(args.notify_command)
        except ValueError as exc:
            raise UsageError(f"--notify-command cannot be parsed: {exc}") from None
        if not command:
            raise UsageError("--notify-command is empty")
        if shutil.which(command[0]) is None:
            raise UsageError(f"--notify-command: {command[0]!r} is not an executable program")
    return keep_alive, command


def _refuse_if_running(ctx: Context) -> None:
    # The detached agent runs in /, so a relative vault path is made absolute first.
    ctx.vault_arg = str(ctx.vault_path.absolute())
    if client.request({"op": "ping"}) is not None:
        raise OperationFailed(
            "an agent is already running", advice="see 'tokendesk agent status'; stop it first"
        )


def _serve(ctx: Context, keep_alive: float, command: list[str], log: Any, ready: Any) -> None:
    """Run the agent until it is stopped; ``ready(error_or_None)`` once it listens or fails."""
    from tui.core.agent.daemon import Agent
    from tui.core.agent.server import AgentServer

    session = ctx.session()
    for name in [k for k in os.environ if "PASSPHRASE" in k.upper()]:
        del os.environ[name]  # never handed to the notify command or anything else
    agent = Agent(session, keep_alive=keep_alive, notify_command=command, log=log)
    server = AgentServer(agent.handle, on_refused=agent.count_refused)
    try:
        server.bind()
    except OperationFailed as exc:
        agent.lock("could not listen")
        ready(exc.message)
        raise
    pidfile = os.path.join(os.path.dirname(server.path), "agent.pid")
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
        agent.lock("stopped")
        server.close()
        try:
            os.unlink(pidfile)
        except OSError:
            pass
        log("stopped; the key is forgotten")


def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    """Run the agent in the foreground until SIGTERM, SIGINT or ``agent stop``."""
    keep_alive, command = _options(args)
    _refuse_if_running(ctx)

    def log(line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        print(f"tokendesk agent {stamp}: {one_line(line)}", file=ctx.err, flush=True)

    _serve(ctx, keep_alive, command, log, lambda _error: None)
    return 0


def cmd_start(args: argparse.Namespace, ctx: Context) -> int:
    """Unlock, detach, and return once the agent listens."""
    keep_alive, command = _options(args)
    _refuse_if_running(ctx)
    ctx.session()  # ask for the passphrase here, on the terminal, before detaching
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; tested through real processes
        os.close(read_end)
        _detach_and_serve(ctx, keep_alive, command, write_end)
    os.close(write_end)
    os.waitpid(pid, 0)  # the intermediate child exits at once
    answer = _read_ready(read_end)
    if answer != "ok":
        raise OperationFailed(f"the agent did not start: {answer}")
    ctx.print(f"Agent started; socket {client.socket_path()}")
    return 0


def _read_ready(fd: int) -> str:
    import select

    data = b""
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        while len(data) < 4096:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return "it did not report within the time limit"
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    return one_line(data.decode("utf-8", "replace")) or "it ended without a word"


def _detach_and_serve(  # pragma: no cover - runs in the detached child
    ctx: Context, keep_alive: float, command: list[str], ready_fd: int
) -> None:
    code = 1
    try:
        os.setsid()
        if os.fork() != 0:
            os._exit(0)
        os.chdir("/")
        os.umask(0o077)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)

        def ready(error: str | None) -> None:
            os.write(ready_fd, b"ok" if error is None else error.encode("utf-8", "replace"))
            os.close(ready_fd)

        try:
            _serve(ctx, keep_alive, command, lambda _line: None, ready)
            code = 0
        except Exception as exc:  # noqa: BLE001 - report, never a traceback
            try:
                ready(getattr(exc, "message", type(exc).__name__))
            except OSError:
                pass
    finally:
        os._exit(code)


def _ask(op: str, timeout: float = client.CONNECT_TIMEOUT) -> dict[str, Any]:
    reply = client.request({"op": op}, timeout=timeout)
    if reply is None:
        raise OperationFailed(
            "no agent is running", advice="start one with 'tokendesk agent start'"
        )
    return reply


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    """Print whether an agent runs and, per token, its state and next refresh."""
    reply = client.request({"op": "status"})
    status = reply.get("status") if reply else None
    if not isinstance(status, dict):
        if args.json:
            ctx.print_json({"running": False})
        else:
            ctx.print("No agent is running.")
        return 1
    if args.json:
        ctx.print_json({"running": True, **status})
        return 0
    now = time.time()
    since = float(status.get("since") or now)
    state = "locked" if status.get("locked") else "running"
    ctx.print(f"Agent: {state} (pid {status.get('pid')}), started {relative(since - now)}")
    ctx.print(f"Vault: {one_line(status.get('vault'))}")
    if status.get("locked"):
        ctx.print(f"Locked: {one_line(status.get('locked_reason'))}; clients open the vault.")
    keep = float(status.get("keep_alive") or 0)
    ctx.print(f"Keep-alive: {human_duration(keep) if keep else 'off'}")
    ctx.print(f"Refreshes by this agent: {status.get('refreshes', 0)}")
    rows = [("ENVIRONMENT", "COMPONENT", "STATE", "NEXT REFRESH", "EXPIRES", "FAILURES")]
    for item in status.get("tokens") or []:
        nxt, exp = item.get("next_refresh"), item.get("expires_at")
        rows.append(
            (
                one_line(item.get("environment")),
                one_line(item.get("component")),
                one_line(item.get("state")) + (" (keep-alive)" if item.get("keep_alive") else ""),
                "now" if nxt is not None and nxt <= now else relative(nxt - now) if nxt else "-",
                relative(exp - now) if exp else "-",
                str(item.get("failures", 0)),
            )
        )
    if len(rows) > 1:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            ctx.print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for item in status.get("tokens") or []:
        if item.get("last_error"):
            where = f"{one_line(item.get('component'))} in {one_line(item.get('environment'))}"
            ctx.print(f"{where}: last error: {one_line(item['last_error'])}")
    events = [e for e in status.get("events") or [] if isinstance(e, dict)][-RECENT_EVENTS:]
    if events:
        ctx.print("Recent events:")
    for event in events:
        when = relative(float(event.get("at") or now) - now)
        about = " ".join(one_line(event.get(k)) for k in ("component", "environment"))
        ctx.print(
            f"  {when}: {one_line(event.get('event'))} {about.strip()}: "
            f"{one_line(event.get('message'))}"
        )
    return 0


def cmd_stop(args: argparse.Namespace, ctx: Context) -> int:
    """Ask the agent to stop and wait until its socket is gone."""
    _ask("stop")
    deadline = time.monotonic() + STOP_TIMEOUT
    while client.request({"op": "ping"}) is not None:
        if time.monotonic() > deadline:
            raise OperationFailed("the agent did not stop in time")
        time.sleep(0.05)
    ctx.print("Agent stopped.")
    return 0


def cmd_lock(args: argparse.Namespace, ctx: Context) -> int:
    """Make the agent forget the key; it keeps running, clients open the vault themselves."""
    _ask("lock", timeout=STOP_TIMEOUT)  # a refresh in progress finishes first
    ctx.print("Agent locked: it forgot the key; 'token' opens the vault itself again.")
    return 0
