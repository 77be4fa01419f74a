"""TUI benchmark: first paint of the unlock screen vs a hello-world Textual app, the main
screen's start, and the inbox of a big folder (oldest message in one step; flat memory).

One command (as root, like the tests, so Dovecot can drop privileges)::

    .venv/bin/python bench/tui_bench.py [--messages 100000] [--small 200] [--runs 7]

1. **Start to first paint**, headless at 80x24, a fresh process per run, the cases
   interleaved run by run so machine load hits them alike: from the moment the parent
   spawns ``python`` to the first refresh after the screen is mounted (``time.monotonic``
   is system-wide: the child reports the instant, the parent subtracts). Cases: the unlock
   screen of an existing vault (what ``tokendesk`` shows first), a hello-world Textual app
   (one Static), the main screen through ``TOKENDESK_PASSPHRASE`` with a cheap KDF (the
   UI's own cost), and ``python -c pass``. Reported: medians and the unlock/hello ratio
   (target: within 1.5x).
2. **Inbox on a big and a small folder**: a private Dovecot serves a ``--messages`` folder
   and a ``--small`` folder (password login, implicit TLS). In a fresh process each, the app
   opens the inbox, times the first rows, then presses End once and times until the
   oldest message is shown, then walks ``--walk`` pages from there; it reports the
   process's RSS growth and peak (VmHWM). A second process per folder measures the Python
   heap with tracemalloc; times and RSS come from the run without tracemalloc. Memory
   should not grow with the folder.

The seeded folders are kept in ``--dir`` and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import mailgen  # noqa: E402
from tests.support.dovecot import Dovecot  # noqa: E402

PASSPHRASE = "bench passphrase"
BIG_USER, SMALL_USER = "big@example.test", "small@example.test"
PASSWORD = "bench-password-4711"
FOLDER = mailgen.BULK_FOLDER

STARTUP_CHILD = """
import asyncio, json, sys, time
from pathlib import Path
from tui.app.app import make_app

app = make_app(Path(sys.argv[1]), passphrase=sys.argv[2] or None, refresh_interval=None)
wanted = sys.argv[3]

async def auto(pilot):
    while not (type(app.screen).__name__ == wanted and app.screen.is_mounted):
        await asyncio.sleep(0.001)
    painted = asyncio.Event()
    app.screen.call_after_refresh(painted.set)
    await painted.wait()
    app.exit(time.monotonic())

print(json.dumps({"painted_at": app.run(headless=True, size=(80, 24), auto_pilot=auto)}))
"""

HELLO_CHILD = """
import asyncio, json, time
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")

app = Hello()

async def auto(pilot):
    while not app.screen.is_mounted:
        await asyncio.sleep(0.001)
    painted = asyncio.Event()
    app.screen.call_after_refresh(painted.set)
    await painted.wait()
    app.exit(time.monotonic())

print(json.dumps({"painted_at": app.run(headless=True, size=(80, 24), auto_pilot=auto)}))
"""

INBOX_CHILD = """
import asyncio, json, sys, time, tracemalloc
from pathlib import Path
from tui.app.app import make_app
from tui.core.session import Session
from tui.app.screens.inbox import InboxScreen

def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])
    return 0

vault, passphrase, name, folder, trace, walk = sys.argv[1:7]
trace = trace == "1"
WALK = int(walk)
session = Session.open(vault, passphrase)
app = make_app(Path(vault), session=session, refresh_interval=None)
out = {}

async def auto(pilot):
    await pilot.pause(0.2)
    import imapclient  # loaded by the first connection anyway; keep it out of the deltas
    if trace:  # tracemalloc slows Python down: timings come from a run without it
        tracemalloc.start()
    out["rss_before_kib"] = rss("VmRSS:")
    out["heap_before"] = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    inbox = InboxScreen(name, "Test", folder)
    await app.push_screen(inbox)
    rows = inbox.rows
    messages = inbox.message_list
    while rows.row(0) is None:
        await asyncio.sleep(0.002)
    out["first_rows_s"] = time.perf_counter() - started
    out["total"] = rows.total
    # One End: the oldest message, shown (what the End key does, without the harness's
    # wait for a settled screen after the key).
    end_start = time.perf_counter()
    messages.action_last()
    last = rows.count - 1
    while rows.row(last) is None:
        await asyncio.sleep(0.001)
    painted = asyncio.Event()
    messages.call_after_refresh(painted.set)
    await painted.wait()
    out["end_s"] = time.perf_counter() - end_start
    out["oldest_uid"] = rows.row(last).summary.uid
    # Then walk pages upwards from the oldest (what PageUp held down does).
    walk_start = time.perf_counter()
    for _ in range(WALK):
        messages.action_page_up()
        await asyncio.sleep(0)
        while rows.loading:
            await asyncio.sleep(0.001)
    out["walk_s"] = time.perf_counter() - walk_start
    out["walked_to"] = messages.cursor
    out["cached_pages"] = rows.cached_pages
    out["heap_after"], out["heap_peak"] = tracemalloc.get_traced_memory()
    out["rss_after_kib"] = rss("VmRSS:")
    out["hwm_kib"] = rss("VmHWM:")
    app.exit()

app.run(headless=True, size=(120, 40), auto_pilot=auto)
print(json.dumps(out))
"""


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOKENDESK_", "PYTHON"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def run_child(code: str, *args: str) -> tuple[float, dict]:
    """Run ``python -c code args``; return (spawn instant, parsed last stdout line)."""
    spawned = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, env=child_env(), cwd=REPO
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed ({done.returncode}): {done.stderr.decode()[-3000:]}")
    return spawned, json.loads(done.stdout.decode().strip().splitlines()[-1])


def make_vault(path: Path, kdf, server: Dovecot | None = None) -> None:
    from tui.core.models.mail import MailComponent
    from tui.core.models.oauth import OAuthComponent
    from tui.core.records import Records
    from vault import Vault

    records = Records()
    records.add(
        OAuthComponent(
            name="Microsoft365", type="microsoft", client_id="aaaa-bbbb-cccc-dddd", scope=""
        )
    )
    if server is not None:
        for name, user in (("big", BIG_USER), ("small", SMALL_USER)):
            records.add(
                MailComponent(
                    name=name,
                    host=server.host,
                    port=server.imaps_port,
                    username=user,
                    auth="password",
                    password=PASSWORD,
                    folder=FOLDER,
                    ca_file=str(server.ca_file),
                )
            )
    Vault.create(path, PASSPHRASE, records.to_payload(), kdf=kdf)


def seed(server: Dovecot, user: str, count: int) -> None:
    marker = server.maildir(user, FOLDER) / f".tokendesk-tui-bench-{count}"
    if marker.exists():
        print(f"  reusing {count:,} messages for {user}", flush=True)
        return
    print(f"  seeding {count:,} messages for {user} (once) ...", flush=True)
    start = time.perf_counter()
    shutil.rmtree(server.mail_root / user, ignore_errors=True)
    owner = (server.uid, server.gid) if os.geteuid() == 0 else None
    mailgen.write_bulk(server.maildir(user, FOLDER), count, owner=owner)
    server.resync(user)
    marker.touch()
    print(f"  seeded in {time.perf_counter() - start:.1f} s", flush=True)


def startup(tmp: Path, runs: int) -> None:
    from tests.support.fixtures_vault import CHEAP_KDF

    path = tmp / "startup.tokendesk"
    make_vault(path, CHEAP_KDF)
    cases: dict[str, list[float]] = {
        "unlock screen (tokendesk)": [],
        "hello-world Textual app": [],
        "main screen (cheap KDF)": [],
        "python -c pass": [],
    }
    for _ in range(runs):
        # Interleaved: a load spike hits every case, not one of them.
        spawned, out = run_child(STARTUP_CHILD, str(path), "", "UnlockScreen")
        cases["unlock screen (tokendesk)"].append(out["painted_at"] - spawned)
        spawned, out = run_child(HELLO_CHILD)
        cases["hello-world Textual app"].append(out["painted_at"] - spawned)
        spawned, out = run_child(STARTUP_CHILD, str(path), PASSPHRASE, "MainScreen")
        cases["main screen (cheap KDF)"].append(out["painted_at"] - spawned)
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=child_env())
        cases["python -c pass"].append(time.monotonic() - start)
    print("\nStart to first paint (headless 80x24, fresh process, median of", runs, "runs)")
    for label, times in cases.items():
        print(f"  {label:<28} {statistics.median(times) * 1000:7.0f} ms"
              f"   (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")  # fmt: skip
    unlock = statistics.median(cases["unlock screen (tokendesk)"])
    hello = statistics.median(cases["hello-world Textual app"])
    print(f"  unlock / hello-world: {unlock / hello:.2f}x (target: within 1.50x)")


def inbox(tmp: Path, args: argparse.Namespace) -> None:
    from tests.support.fixtures_vault import CHEAP_KDF

    args.dir.mkdir(parents=True, exist_ok=True)
    server = Dovecot(args.dir, passwords={BIG_USER: PASSWORD, SMALL_USER: PASSWORD})
    server.start()
    try:
        seed(server, BIG_USER, args.messages)
        seed(server, SMALL_USER, args.small)
        path = tmp / "inbox.tokendesk"
        make_vault(path, CHEAP_KDF, server)
        results = {}
        for name in ("small", "big"):
            expected = args.messages if name == "big" else args.small
            runs = {}
            for trace in ("0", "1"):
                walk = str(args.walk)
                _, out = run_child(INBOX_CHILD, str(path), PASSPHRASE, name, FOLDER, trace, walk)
                if out["total"] != expected or out["oldest_uid"] != 1:
                    raise SystemExit(f"{name}: {out['total']} of {expected} messages: {out}")
                runs[trace] = out
            timed, traced = runs["0"], runs["1"]
            for key in ("heap_before", "heap_after", "heap_peak"):
                timed[key] = traced[key]
            results[name] = timed
    finally:
        server.stop()
    print("\nInbox: open, End once to the oldest, then PageUp x", args.walk,
          "(headless 120x40, fresh process)")  # fmt: skip
    header = f"  {'folder':<16}{'first rows':>11}{'End: oldest':>12}{'walk':>8}{'pages kept':>11}"
    header += f"{'heap +':>10}{'heap peak +':>13}{'RSS +':>9}{'peak RSS':>10}"
    print(header)
    for out in results.values():
        heap = (out["heap_after"] - out["heap_before"]) / 1024
        peak = (out["heap_peak"] - out["heap_before"]) / 1024
        grew = out["rss_after_kib"] - out["rss_before_kib"]
        print(
            f"  {out['total']:>7,} messages"
            f"{out['first_rows_s'] * 1000:>9.0f} ms{out['end_s'] * 1000:>9.0f} ms"
            f"{out['walk_s']:>7.1f}s{out['cached_pages']:>11}{heap:>8.0f} K{peak:>11.0f} K"
            f"{grew / 1024:>7.1f} M{out['hwm_kib'] / 1024:>8.1f} M"
        )
    big, small = results["big"], results["small"]
    big_heap = max(big["heap_peak"] - big["heap_before"], 1)
    small_heap = max(small["heap_peak"] - small["heap_before"], 1)
    print(
        f"  big/small: peak RSS {big['hwm_kib'] / small['hwm_kib']:.2f}x, "
        f"heap peak {big_heap / small_heap:.2f}x, "
        f"End to the oldest {big['end_s'] / small['end_s']:.2f}x (target: within a second)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--walk", type=int, default=20, help="PageUp presses after End")
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "tokendesk-tui-bench"
    )
    parser.add_argument("--skip-inbox", action="store_true", help="only the startup part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        startup(Path(tmp_name), args.runs)
        if not args.skip_inbox:
            inbox(Path(tmp_name), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
