"""Agent benchmark: ``tokendesk token`` through the agent vs without it, the agent's memory,
and how late the agent refreshes after a token's due time.

Run: .venv/bin/python bench/agent_bench.py [--runs N] [--components 200] [--rounds 5]

Rows (median/min/max in milliseconds, each a whole process started from here):
* ``python -c pass``: the interpreter's floor, the baseline the issue names;
* ``tokendesk token Mail`` through a running agent (the installed console script, and
  ``python -m tui``), with no passphrase in the environment;
* ``tokendesk token Mail`` without an agent on a default-KDF vault (the cost before the agent).
Every case runs with cached bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped for the
children and a private ``PYTHONPYCACHEPREFIX`` used), after one unmeasured round; the cases
alternate round by round. Then the ratios, the agent's resident memory (VmRSS, VmHWM)
holding 1 and ``--components`` components (each with a token), and the refresh latency:
for ``--rounds`` refreshes of a short-lived token, the time from its due moment
(``expires_at - refresh_delay``) to the IdP receiving the agent's refresh request.
"""

from __future__ import annotations

import argparse
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

from tests.support.fixtures_oauth import oauth_component, token_record  # noqa: E402
from tests.support.fixtures_vault import CHEAP_KDF, cli_env  # noqa: E402
from tests.support.idp import TestIdP  # noqa: E402
from tui.core.records import Records  # noqa: E402
from tui.core.session import Session  # noqa: E402
from vault import KdfParams, Vault  # noqa: E402

PASS = "benchmark passphrase"
CONSOLE_SCRIPT = Path(sys.executable).with_name("tokendesk")


def run_once(argv: list[str], env: dict[str, str], expect: str = "") -> float:
    t = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=REPO)
    elapsed = (time.perf_counter() - t) * 1000
    if done.returncode != 0 or not done.stdout.startswith(expect):
        raise SystemExit(f"{argv} failed: {done.stderr.strip()}")
    return elapsed


def interleaved(cases: list[tuple[list[str], dict[str, str], str]], runs: int) -> list[list[float]]:
    """Run every case once per round, ``runs`` rounds: load changes hit all cases alike.

    One unmeasured round first, so that every case runs with its bytecode cached, as in
    an installed copy (the bench writes bytecode under a private prefix).
    """
    samples: list[list[float]] = [[] for _ in cases]
    for argv, env, expect in cases:
        run_once(argv, env, expect)
    for _ in range(runs):
        for i, (argv, env, expect) in enumerate(cases):
            samples[i].append(run_once(argv, env, expect))
    return samples


def row(label: str, samples: list[float]) -> float:
    med = statistics.median(samples)
    print(f"{label:<56} {med:>8.1f} {min(samples):>8.1f} {max(samples):>8.1f}", flush=True)
    return med


def make_vault(
    path: Path,
    idp: TestIdP,
    count: int,
    kdf: KdfParams,
    lifetime: int = 3600,
    refresh_delay: int = 25,
) -> None:
    idp.access_token_lifetime = lifetime
    records = Records()
    for i in range(count):
        name = "Mail" if i == 0 else f"Comp{i:03d}"
        comp = oauth_component(idp, name=name, refresh_delay=refresh_delay)
        records.add(comp)
        issued = idp.issue_token(scope=comp.scope, client_id=comp.client_id)
        records.set_token("Test", name, token_record(issued))
    Vault.create(path, PASS, records.to_payload(), kdf=kdf)


class Agent:
    """An agent started with ``agent start`` on ``vault`` in a private runtime directory."""

    def __init__(self, vault: Path) -> None:
        self.runtime = Path(tempfile.mkdtemp(prefix="tdb"))
        self.env = cli_env(vault, PASS, XDG_RUNTIME_DIR=str(self.runtime))
        # Cached bytecode, as an installed copy has it, whatever the caller's environment says.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(self.runtime / "pycache")
        done = subprocess.run(
            [sys.executable, "-m", "tui", "agent", "start"],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            raise SystemExit(f"agent start failed: {done.stderr.strip()}")
        self.pid = int((self.runtime / "tokendesk" / "agent.pid").read_text())
        self.client_env = {k: v for k, v in self.env.items() if k != "TOKENDESK_PASSPHRASE"}

    def settled_memory_kib(self) -> tuple[int, int]:
        """RSS and peak once the agent has loaded its HTTP stack (it does so at start)."""
        last = self.memory_kib()
        for _ in range(40):
            time.sleep(0.5)
            now = self.memory_kib()
            if now == last:
                break
            last = now
        return last

    def memory_kib(self) -> tuple[int, int]:
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    def stop(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "tui", "agent", "stop"],
            env=self.env,
            cwd=REPO,
            capture_output=True,
        )
        shutil.rmtree(self.runtime, ignore_errors=True)


def wait_until(pred: Callable[[], bool], timeout: float, step: float = 0.001) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tokendesk-agent-bench-"))
    idp = TestIdP().start()
    try:
        real = work / "real.tokendesk"
        make_vault(real, idp, 1, KdfParams())
        agent = Agent(real)
        print(f"{'whole process, ms':<56} {'median':>8} {'min':>8} {'max':>8}")
        fast = interleaved(
            [
                ([sys.executable, "-c", "pass"], agent.env, ""),
                ([str(CONSOLE_SCRIPT), "token", "Mail"], agent.client_env, "at_"),
                ([sys.executable, "-m", "tui", "token", "Mail"], agent.client_env, "at_"),
            ],
            args.runs,
        )
        base = row("python -c pass", fast[0])
        via = row("tokendesk token Mail, via agent (console script)", fast[1])
        via_m = row("python -m tui token Mail, via agent", fast[2])
        no_agent = {**agent.env, "TOKENDESK_NO_AGENT": "1"}
        slow = interleaved(
            [([str(CONSOLE_SCRIPT), "token", "Mail"], no_agent, "at_")], max(5, args.runs // 3)
        )
        direct = row("tokendesk token Mail, no agent (default KDF)", slow[0])
        rss1, hwm1 = agent.settled_memory_kib()
        agent.stop()
        print(
            f"ratio via agent / python -c pass, medians: {via / base:.2f}x (console script), "
            f"{via_m / base:.2f}x (python -m tui); minimums (least disturbed by other load): "
            f"{min(fast[1]) / min(fast[0]):.2f}x, {min(fast[2]) / min(fast[0]):.2f}x"
        )
        print(f"ratio no agent / via agent: {direct / via:.1f}x")

        many = work / "many.tokendesk"
        make_vault(many, idp, args.components, CHEAP_KDF)
        agent = Agent(many)
        subprocess.run(
            [sys.executable, "-m", "tui", "agent", "status"],
            env=agent.env,
            capture_output=True,
            cwd=REPO,
        )
        rss, hwm = agent.settled_memory_kib()
        agent.stop()
        print(f"agent memory, 1 component: RSS {rss1 / 1024:.1f} MiB, peak {hwm1 / 1024:.1f} MiB")
        print(
            f"agent memory, {args.components} components: RSS {rss / 1024:.1f} MiB, "
            f"peak {hwm / 1024:.1f} MiB"
        )

        short = work / "short.tokendesk"
        lifetime, delay = 8, 2
        make_vault(short, idp, 1, CHEAP_KDF, lifetime=lifetime, refresh_delay=delay)
        agent = Agent(short)
        latencies = []
        try:
            for _ in range(args.rounds):
                due = Session.open(short, PASS).records.token("Test", "Mail").expires_at - delay
                seen = idp.stats["refresh"]
                wait_until(lambda s=seen: idp.stats["refresh"] > s, lifetime + 10)
                latencies.append((time.time() - due) * 1000)
                wait_until(
                    lambda d=due: (
                        Session.open(short, PASS).records.token("Test", "Mail").expires_at - delay
                        > d + 1
                    ),
                    10,
                    step=0.1,
                )
        finally:
            agent.stop()
        print(
            f"refresh latency after the due time over {args.rounds} rounds, ms: median "
            f"{statistics.median(latencies):.1f}, min {min(latencies):.1f}, "
            f"max {max(latencies):.1f}"
        )
    finally:
        idp.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
