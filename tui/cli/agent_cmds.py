"""``tokendesk agent start|run|status|stop|lock``: the process that keeps every token fresh.

``start`` unlocks the vault (the passphrase is asked once on the terminal, or taken from the
usual sources), then hands the unlocked key to a detached agent over a pipe and returns
once it listens (``tui.core.agent.launch``, which the TUI uses too). ``run`` serves in the
foreground, logging to stderr, for a systemd user unit or tmux. The work itself lives in
``tui.core.agent``.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import time

from tui.cli.common import Context
from tui.core.agent import launch
from tui.core.agent.presence import agent_status
from tui.core.errors import OperationFailed, UsageError
from tui.core.text import human_duration, one_line, relative

DEFAULT_KEEP_ALIVE = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RECENT_EVENTS = 5


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


def _absolute_vault(ctx: Context) -> None:
    # The agent runs in /, so a relative vault path is made absolute first.
    ctx.vault_arg = str(ctx.vault_path.absolute())


def _already_running(ctx: Context) -> None:
    try:
        launch.refuse_if_running(ctx.vault_path)
    except OperationFailed as exc:
        exc.advice = f"{exc.advice}; see 'tokendesk agent status'"
        raise


def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    """Run the agent in the foreground until SIGTERM, SIGINT or ``agent stop``."""
    from tui.core.agent.service import serve

    keep_alive, command = _options(args)
    _absolute_vault(ctx)
    _already_running(ctx)

    def log(line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        print(f"tokendesk agent {stamp}: {one_line(line)}", file=ctx.err, flush=True)

    serve(ctx.session(), keep_alive=keep_alive, notify_command=command, log=log)
    return 0


def cmd_start(args: argparse.Namespace, ctx: Context) -> int:
    """Unlock (the passphrase is asked here, on the terminal), start the detached agent
    with the unlocked key (``tui.core.agent.launch``), and return once it listens."""
    keep_alive, command = _options(args)
    _absolute_vault(ctx)
    _already_running(ctx)  # before asking for a passphrase that cannot help
    started = launch.start_agent(ctx.session(), keep_alive=keep_alive, notify_command=command)
    ctx.print(f"Agent started; socket {started.socket}")
    return 0


def _no_agent(exc: launch.NoAgent) -> launch.NoAgent:
    exc.advice = "start one with 'tokendesk agent start'"
    return exc


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    """Print whether an agent runs and, per token, its state and next refresh."""
    status = agent_status()
    if status is None:
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
    try:
        launch.stop_agent()
    except launch.NoAgent as exc:
        raise _no_agent(exc) from None
    ctx.print("Agent stopped.")
    return 0


def cmd_lock(args: argparse.Namespace, ctx: Context) -> int:
    """Make the agent forget the key; it keeps running, clients open the vault themselves."""
    try:
        launch.lock_agent()
    except launch.NoAgent as exc:
        raise _no_agent(exc) from None
    ctx.print("Agent locked: it forgot the key; 'token' opens the vault itself again.")
    return 0
