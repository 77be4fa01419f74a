"""Starting the agent: ``tokendesk agent start`` as a whole process, and the TUI's Start
agent (the core's ``start_agent`` from an already open session: no second key derivation).

Run: .venv/bin/python bench/agent_start_bench.py [--runs N] [--baseline-repo DIR]

Rows (median/min/max in milliseconds; each start is followed by an unmeasured stop):
* ``python -m tui agent start`` on a default-KDF vault, passphrase from the environment:
  returns once the agent listens;
* with ``--baseline-repo DIR``, the same command run from another checkout (e.g. a
  ``git worktree`` of an older commit), side by side;
* ``start_agent(session)`` as the TUI calls it, from a session opened beforehand;
* ``Session.open`` alone: the key derivation the TUI's path does not repeat.
Then the started agent's resident memory (VmRSS once settled), for each way of starting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures_vault import cli_env  # noqa: E402
from tui.core.agent import launch  # noqa: E402
from tui.core.records import Records  # noqa: E402
from tui.core.session import Session  # noqa: E402
from vault import Vault  # noqa: E402

PASS = "benchmark passphrase"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _settled_rss(pid: int) -> int:
    last = _rss_kib(pid)
    for _ in range(40):  # the agent loads its HTTP stack in the background at start
        time.sleep(0.25)
        now = _rss_kib(pid)
        if now == last:
            return now
        last = now
    return last


def _pid(runtime: Path) -> int:
    return int((runtime / "tokendesk" / "agent.pid").read_text())


def cli_start(vault: Path, runtime: Path, repo: Path) -> Callable[[], tuple[float, int]]:
    env = cli_env(vault, PASS, XDG_RUNTIME_DIR=str(runtime))
    env["PYTHONPATH"] = str(repo)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(runtime / "pycache")

    def once() -> tuple[float, int]:
        argv = [sys.executable, "-m", "tui", "agent", "start"]
        t = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=repo, capture_output=True, text=True)
        elapsed = (time.perf_counter() - t) * 1000
        if done.returncode != 0:
            raise SystemExit(f"agent start failed: {done.stderr.strip()}")
        pid = _pid(runtime)
        rss = _settled_rss(pid)
        subprocess.run([*argv[:-1], "stop"], env=env, cwd=repo, capture_output=True, check=True)
        return elapsed, rss

    return once


def tui_start(vault: Path, runtime: Path) -> Callable[[], tuple[float, int]]:
    session = Session.open(vault, PASS)

    def once() -> tuple[float, int]:
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        t = time.perf_counter()
        started = launch.start_agent(session)
        elapsed = (time.perf_counter() - t) * 1000
        rss = _settled_rss(started.pid)
        launch.stop_agent()
        return elapsed, rss

    return once


def kdf_only(vault: Path) -> Callable[[], tuple[float, int]]:
    def once() -> tuple[float, int]:
        t = time.perf_counter()
        Session.open(vault, PASS)
        return (time.perf_counter() - t) * 1000, 0

    return once


def row(name: str, samples: list[tuple[float, int]]) -> float:
    times = [s[0] for s in samples]
    med = statistics.median(times)
    rss = statistics.median(s[1] for s in samples)
    memory = f"  agent RSS {rss / 1024:5.1f} MiB" if rss else ""
    print(f"{name:<44} {med:7.1f} ms (min {min(times):6.1f}, max {max(times):6.1f}){memory}")
    return med


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-repo", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tdsb"))
    try:
        vault = work / "vault.tokendesk"
        Vault.create(vault, PASS, Records().to_payload())  # the default key derivation
        cases: list[tuple[str, Callable[[], tuple[float, int]]]] = [
            ("agent start (this checkout)", cli_start(vault, work / "a", REPO)),
        ]
        if args.baseline_repo:
            base = args.baseline_repo.resolve()
            cases.append((f"agent start ({base.name})", cli_start(vault, work / "b", base)))
        cases += [
            ("TUI Start agent (open session, core)", tui_start(vault, work / "c")),
            ("Session.open alone (the key derivation)", kdf_only(vault)),
        ]
        for sub in ("a", "b", "c"):
            (work / sub).mkdir(mode=0o700)
        for _, once in cases:
            once()  # unmeasured: bytecode cached, as installed
        samples: list[list[tuple[float, int]]] = [[] for _ in cases]
        for _ in range(args.runs):  # alternating: load changes hit all cases alike
            for i, (_, once) in enumerate(cases):
                samples[i].append(once())
        medians = [row(name, s) for (name, _), s in zip(cases, samples, strict=True)]
        if args.baseline_repo:
            print(f"agent start, this checkout / baseline: {medians[0] / medians[1]:.2f}x")
        tui = medians[-2]
        print(f"TUI Start agent / agent start: {tui / medians[0]:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
