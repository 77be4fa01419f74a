"""Token benchmark: what a mail client pays for ``tokendesk token``, and what a refresh costs.

Run: .venv/bin/python bench/token_bench.py [--runs N]

Rows (median/min/max in milliseconds):
* whole process ``tokendesk token NAME`` with a fresh token, default KDF vault (the real cost)
  and with a cheap-KDF vault (everything except the KDF: imports, unlock, decrypt, print);
* ``python -c pass`` (interpreter start-up floor) and the KDF alone, in-process;
* refresh round-trip through ``fresh_token(force=True)`` (vault lock, HTTP refresh with
  authlib, atomic save) vs. a raw ``httpx.post`` of the same refresh to the same test IdP;
* whole process ``tokendesk token --force-refresh``.
"""

from __future__ import annotations

import argparse
import os
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
from tests.support.fixtures_vault import CHEAP_KDF  # noqa: E402
from tests.support.idp import CONFIDENTIAL_CLIENT, TestIdP  # noqa: E402
from tui.core.records import Records  # noqa: E402
from tui.core.session import Session  # noqa: E402
from vault import KdfParams, Vault  # noqa: E402

PASS = "benchmark passphrase"


def timeit(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def row(label: str, samples: list[float]) -> None:
    med, lo, hi = statistics.median(samples), min(samples), max(samples)
    print(f"{label:<52} {med:>9.1f} {lo:>9.1f} {hi:>9.1f}", flush=True)


def run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        args, env=env, cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise SystemExit(f"{args} failed: {done.stderr.strip()}")


def make_vault(path: Path, idp: TestIdP, kdf: KdfParams) -> None:
    records = Records()
    comp = oauth_component(idp)
    records.add(comp)
    records.set_token("Test", comp.name, token_record(idp.issue_token(scope=comp.scope)))
    Vault.create(path, PASS, records.to_payload(), kdf=kdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions per row (default 10)")
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENDESK_")}
    env.update(PYTHONPATH=str(REPO), TOKENDESK_PASSPHRASE=PASS)
    py = sys.executable
    kdf = KdfParams()
    print(f"{'operation':<52} {'median ms':>9} {'min':>9} {'max':>9}")
    with TestIdP() as idp, tempfile.TemporaryDirectory() as tmp:
        real, cheap = Path(tmp) / "real.tokendesk", Path(tmp) / "cheap.tokendesk"
        make_vault(real, idp, kdf)
        make_vault(cheap, idp, CHEAP_KDF)
        token_cmd = [py, "-m", "tui", "token", "Mail"]
        row(
            "process: tokendesk token (fresh, default KDF)",
            timeit(lambda: run(token_cmd, {**env, "TOKENDESK_VAULT": str(real)}), runs),
        )
        row(
            "process: tokendesk token (fresh, cheap KDF)",
            timeit(lambda: run(token_cmd, {**env, "TOKENDESK_VAULT": str(cheap)}), runs),
        )
        row("process: python -c pass", timeit(lambda: run([py, "-c", "pass"], env), runs))
        label = f"in-process: KDF alone (Argon2id {kdf.memory_kib // 1024} MiB t={kdf.iterations})"
        row(label, timeit(lambda: kdf.derive(PASS, b"\0" * 16), runs))

        from tui.core.oauth.tokens import fresh_token

        session = Session.open(cheap, PASS)
        fresh_token(session, "Mail", "Test", force=True)  # warm imports
        row(
            "in-process: fresh_token(force) refresh round-trip",
            timeit(lambda: fresh_token(session, "Mail", "Test", force=True), runs * 3),
        )
        import httpx

        rt = {"token": idp.issue_token().refresh_token}

        def raw() -> None:
            reply = httpx.post(
                idp.token_url,
                data={"grant_type": "refresh_token", "refresh_token": rt["token"]},
                auth=CONFIDENTIAL_CLIENT,
            ).json()
            rt["token"] = reply["refresh_token"]

        raw()
        row("in-process: raw httpx.post refresh (same IdP)", timeit(raw, runs * 3))
        cheap_env = {**env, "TOKENDESK_VAULT": str(cheap)}
        row(
            "process: tokendesk token --force-refresh (cheap KDF)",
            timeit(lambda: run([*token_cmd, "--force-refresh"], cheap_env), runs),
        )


if __name__ == "__main__":
    main()
