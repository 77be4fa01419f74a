"""IMAP listing benchmark: ``tokendesk mail list --limit 50`` vs a plain imapclient script.

One command (run as root, like the tests, so Dovecot can drop privileges)::

    .venv/bin/python bench/imap_bench.py [--messages 100000] [--runs 7] [--dir DIR]

It starts a private Dovecot (tests/support/dovecot.py) whose ``Bulk`` folder holds
``--messages`` generated messages (seeded once into ``--dir`` and reused by later runs), then
measures, alternating the two in the same run against the same server:

1. whole processes: ``tokendesk mail list bench --limit 50 --json`` (vault with a cheap
   KDF), the same command while an agent holds that vault unlocked (it answers with the
   component and its credential: no passphrase, no vault, no cryptography in the command),
   and ``python -c <plain imapclient script>`` fetching the same 50 envelopes, each
   also as its cost above the interpreter's own start-up (``python -c pass``, measured in
   the same loop): wall time, CPU time (user + system, which a busy machine disturbs less
   and which leaves out the server's share), and peak RSS (VmHWM). The cheap-KDF vault
   unlock (cryptography import, KDF, decrypt, records) is measured in its own process and
   shown separately, with the CPU ratio without it;
2. the listing itself, in a fresh process each: tokendesk's connect + login + newest page +
   logout vs the plain script's connect + login + EXAMINE + FETCH + logout; time and the
   peak of Python allocations (tracemalloc) during that phase;
3. the vault unlock with the default KDF (Argon2id 64 MiB, t=3, p=4), reported separately;
4. with ``--instructions`` (needs valgrind): each whole process once more under callgrind,
   counting the instructions it executes (its own process only: the agent's and Dovecot's
   work is not in it). Unlike times, these counts do not move when the machine is busy.

All sides must return the same 50 UIDs, or the benchmark stops. Prints a table; the target
is a ratio of at most 1.2 for the whole process above start-up.
"""

from __future__ import annotations

import argparse
import json
import os
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

USER = "bench@example.test"
PASSWORD = "bench-password-4711"
FOLDER = mailgen.BULK_FOLDER
PASSPHRASE = "bench passphrase"
ITEMS = ["UID", "ENVELOPE", "FLAGS", "RFC822.SIZE", "INTERNALDATE"]

PLAIN_SCRIPT = """
import json, ssl, sys, time
import imapclient
host, port, ca, user, password, folder, trace = sys.argv[1:8]
if trace == "1":
    import tracemalloc
    tracemalloc.start()
t1 = time.perf_counter()
ctx = ssl.create_default_context(cafile=ca)
c = imapclient.IMAPClient(host, int(port), ssl_context=ctx, timeout=30)
c.login(user, password)
n = c.select_folder(folder, readonly=True)[b"EXISTS"]
c.use_uid = False
rows = c.fetch(list(range(max(1, n - 49), n + 1)), @ITEMS@)
uids = sorted((r[b"UID"] for r in rows.values()), reverse=True)
c.logout()
t2 = time.perf_counter()
peak = tracemalloc.get_traced_memory()[1] if trace == "1" else 0
print(json.dumps({"uids": uids, "phase": t2 - t1, "peak": peak}))
""".replace("@ITEMS@", repr(ITEMS))

# The listing phase of `tokendesk mail list`, timed from the unlocked session on: imports
# (imapclient included) and the vault unlock happen before, as in the plain script.
TOKENDESK_PHASE = """
import json, sys, time
import imapclient
from tui.core.session import Session
from tui.core.mail.service import open_client
vault, passphrase, trace = sys.argv[1:4]
session = Session.open(vault, passphrase)
if trace == "1":
    import tracemalloc
    tracemalloc.start()
t1 = time.perf_counter()
with open_client(session, "bench") as client:
    page = client.page(@FOLDER@, limit=50)
t2 = time.perf_counter()
peak = tracemalloc.get_traced_memory()[1] if trace == "1" else 0
print(json.dumps({"uids": [m.uid for m in page.messages], "phase": t2 - t1, "peak": peak}))
""".replace("@FOLDER@", repr(FOLDER))


# Peak RSS of the child's own program: VmHWM at exit (ru_maxrss would include the memory of
# this forking parent from before the exec).
HWM = """
import atexit, sys
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("VMHWM %s\\n" % line.split()[1])
atexit.register(_hwm)
"""
CLI_MAIN = (
    HWM
    + """
import runpy
sys.argv = ["tokendesk", *sys.argv[1:]]
runpy.run_module("tui", run_name="__main__", alter_sys=True)
"""
)


UNLOCK: list[float] = []
"""CPU seconds of importing the vault library and opening the cheap-KDF vault."""
CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system) of each kind of child, by kind: steadier than wall time on a
busy machine, and blind to the server's share (the same for both sides)."""


def run(argv: list[str], env: dict[str, str], kind: str = "") -> tuple[float, int, str]:
    """Run a child; return (wall seconds, peak RSS in KiB, stdout). Fails on a bad exit."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if kind:
        used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        CPU.setdefault(kind, []).append(used)
    err = done.stderr.decode()
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({done.returncode}): {err[-2000:]}")
    hwm = [int(line.split()[1]) for line in err.splitlines() if line.startswith("VMHWM ")]
    return wall, (hwm[-1] if hwm else 0), done.stdout.decode()


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions ``argv`` executes under valgrind's callgrind (its own process only)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        capture_output=True, env=env, cwd=REPO, text=True,
    )  # fmt: skip
    found = [line for line in done.stderr.splitlines() if "Collected :" in line]
    if done.returncode != 0 or not found:
        raise SystemExit(f"valgrind failed ({done.returncode}): {done.stderr[-1000:]}")
    return int(found[-1].split(":")[-1])


def seed(server: Dovecot, count: int) -> None:
    marker = server.maildir(USER, FOLDER) / f".tokendesk-bench-{count}"
    if marker.exists():
        print(f"reusing the seeded {count:,}-message folder in {server.root}", flush=True)
        return
    print(f"seeding {count:,} messages into {server.root} (once) ...", flush=True)
    start = time.perf_counter()
    import shutil

    shutil.rmtree(server.mail_root / USER, ignore_errors=True)
    owner = (server.uid, server.gid) if os.geteuid() == 0 else None
    mailgen.write_bulk(server.maildir(USER, FOLDER), count, owner=owner)
    server.resync(USER)
    marker.touch()
    print(f"  seeded in {time.perf_counter() - start:.1f} s", flush=True)


def make_vault(path: Path, server: Dovecot) -> None:
    from tests.support.fixtures_vault import CHEAP_KDF
    from tui.core.models.mail import MailComponent
    from tui.core.records import Records
    from vault import Vault

    records = Records()
    records.add(
        MailComponent(
            name="bench",
            host=server.host,
            port=server.imaps_port,
            username=USER,
            auth="password",
            password=PASSWORD,
            folder=FOLDER,
            ca_file=str(server.ca_file),
        )
    )
    Vault.create(path, PASSPHRASE, records.to_payload(), kdf=CHEAP_KDF)


def kdf_unlock(tmp: Path) -> tuple[float, int]:
    """Median time and child peak RSS of opening a vault made with the default KDF."""
    from vault import KdfParams, Vault

    path = tmp / "default-kdf.tokendesk"
    Vault.create(path, PASSPHRASE, {"schema": 1}, kdf=KdfParams())
    code = (
        "import sys, time; from vault import Vault; t = time.perf_counter(); "
        "Vault.open(sys.argv[1], sys.argv[2]); print(time.perf_counter() - t)"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    times, rss = [], []
    for _ in range(3):
        _, peak, out = run([sys.executable, "-c", HWM + code, str(path), PASSPHRASE], env)
        times.append(float(out))
        rss.append(peak)
    return statistics.median(times), int(statistics.median(rss))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each process's instructions under valgrind (steady on a busy machine)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tokendesk-imap-bench",
        help="server directory; the seeded folder is kept there for later runs",
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    server = Dovecot(args.dir, passwords={USER: PASSWORD})
    server.start()
    try:
        seed(server, args.messages)
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            vault_path = tmp / "bench.tokendesk"
            make_vault(vault_path, server)
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("TOKENDESK_", "PYTHON"))
            }
            env.update(
                PYTHONPATH=str(REPO),
                TOKENDESK_VAULT=str(vault_path),
                TOKENDESK_PASSPHRASE=PASSPHRASE,
            )
            cli = [
                sys.executable, "-c", CLI_MAIN, "mail", "list", "bench", "--limit", "50", "--json"
            ]  # fmt: skip
            plain = [
                sys.executable, "-c", HWM + PLAIN_SCRIPT, server.host, str(server.imaps_port),
                str(server.ca_file), USER, PASSWORD, FOLDER,
            ]  # fmt: skip
            phase = [sys.executable, "-c", TOKENDESK_PHASE, str(vault_path), PASSPHRASE]
            fixed = [sys.executable, "-c", CLI_MAIN, "components"]
            bare = [sys.executable, "-c", "pass"]
            # The part of tokendesk's cost the plain script has no counterpart for: opening
            # the vault (the vault library and cryptography, the cheap KDF, decrypting), as
            # CPU time on top of what the plain script loads anyway.
            unlock = [
                sys.executable, "-c",
                "import sys, time, json, ssl, imapclient; t = time.process_time(); "
                "from vault import Vault; Vault.open(*sys.argv[1:]); "
                "print(time.process_time() - t)",
                str(vault_path), PASSPHRASE,
            ]  # fmt: skip
            runtime = tmp / "run"
            runtime.mkdir(mode=0o700)
            agent_env = {**env, "XDG_RUNTIME_DIR": str(runtime)}
            no_agent = {**env, "TOKENDESK_NO_AGENT": "1"}
            run([sys.executable, "-m", "tui", "agent", "start"], agent_env)
            # The command's side carries no passphrase: only the agent can have opened the vault.
            agent_env.pop("TOKENDESK_PASSPHRASE")
            env = no_agent
            try:
                expected = list(range(args.messages, args.messages - 50, -1))
                # Warm up both (page cache, Dovecot's index and processes).
                run(cli, env)
                run([*plain, "0"], env)
                results: dict[str, list[tuple[float, int]]] = {
                    k: [] for k in ("cli", "agent", "plain", "fixed", "bare")
                }
                times: dict[str, list[float]] = {k: [] for k in ("cli", "plain")}
                peaks: dict[str, list[int]] = {k: [] for k in ("cli", "plain")}

                def phase_run(kind: str, argv: list[str], trace: bool) -> None:
                    data = json.loads(run([*argv, "1" if trace else "0"], env)[2])
                    if data["uids"] != expected:
                        raise SystemExit(f"{kind}: other messages than the newest 50")
                    if trace:
                        peaks[kind].append(data["peak"])
                    else:
                        times[kind].append(data["phase"])

                for _ in range(args.runs):
                    wall, rss, out = run(cli, env, "cli")
                    if [r["uid"] for r in json.loads(out)] != expected:
                        raise SystemExit("tokendesk listed other messages than the newest 50")
                    results["cli"].append((wall, rss))
                    wall, rss, out = run(cli, agent_env, "agent")
                    if [r["uid"] for r in json.loads(out)] != expected:
                        raise SystemExit("tokendesk via the agent listed other messages")
                    results["agent"].append((wall, rss))
                    wall, rss, out = run([*plain, "0"], env, "plain")
                    if json.loads(out)["uids"] != expected:
                        raise SystemExit("the plain script fetched other messages")
                    results["plain"].append((wall, rss))
                    times["plain"].append(json.loads(out)["phase"])
                    wall, rss, _ = run(fixed, env, "fixed")
                    results["fixed"].append((wall, rss))
                    UNLOCK.append(float(run(unlock, env)[2]))
                    wall, rss, _ = run(bare, env, "bare")
                    results["bare"].append((wall, 0))
                    phase_run("cli", phase, trace=False)
                    phase_run("cli", phase, trace=True)
                    phase_run("plain", plain, trace=True)
                kdf_time, kdf_rss = kdf_unlock(tmp)
                if args.instructions:
                    kinds = {"bare": (bare, env), "plain": ([*plain, "0"], env)}
                    kinds |= {"cli": (cli, env), "agent": (cli, agent_env)}
                    counts = {k: instructions(argv, e) for k, (argv, e) in kinds.items()}
            finally:
                stop = [sys.executable, "-m", "tui", "agent", "stop"]
                subprocess.run(stop, env=agent_env, cwd=REPO, capture_output=True, check=False)
    finally:
        server.stop()

    def med(rows: list[tuple[float, int]], i: int) -> float:
        return statistics.median(r[i] for r in rows)

    print()
    print(f"IMAP listing of the newest 50 of {args.messages:,} messages "
          f"(median of {args.runs} runs, same Dovecot, same run)")  # fmt: skip
    print(f"{'':44}{'tokendesk':>12}{'plain':>12}{'ratio':>8}")
    cli_runs, plain_runs = results["cli"], results["plain"]
    rows = [
        ("whole process: wall time (ms)", med(cli_runs, 0) * 1e3, med(plain_runs, 0) * 1e3),
        ("whole process: peak RSS (MiB)", med(cli_runs, 1) / 1024, med(plain_runs, 1) / 1024),
        ("listing itself: time (ms)", statistics.median(times["cli"]) * 1e3,
         statistics.median(times["plain"]) * 1e3),
        ("listing itself: peak Python allocations (KiB)", statistics.median(peaks["cli"]) / 1024,
         statistics.median(peaks["plain"]) / 1024),
    ]  # fmt: skip
    bare = med(results["bare"], 0) * 1e3
    rows.insert(
        1,
        ("whole process above `python -c pass` (ms)", med(cli_runs, 0) * 1e3 - bare,
         med(plain_runs, 0) * 1e3 - bare),
    )  # fmt: skip
    cpu = {k: statistics.median(v) * 1e3 for k, v in CPU.items()}
    rows.insert(
        2,
        ("whole process CPU above `python -c pass` (ms)", cpu["cli"] - cpu["bare"],
         cpu["plain"] - cpu["bare"]),
    )  # fmt: skip
    rows.insert(
        3,
        ("  the same without the vault unlock (ms)",
         cpu["cli"] - cpu["bare"] - statistics.median(UNLOCK) * 1e3, cpu["plain"] - cpu["bare"]),
    )  # fmt: skip
    agent_runs = results["agent"]
    rows += [
        ("with an agent running (the vault stays closed):", 0.0, 0.0),
        ("whole process: wall time (ms)", med(agent_runs, 0) * 1e3, med(plain_runs, 0) * 1e3),
        ("whole process above `python -c pass` (ms)", med(agent_runs, 0) * 1e3 - bare,
         med(plain_runs, 0) * 1e3 - bare),
        ("whole process CPU above `python -c pass` (ms)", cpu["agent"] - cpu["bare"],
         cpu["plain"] - cpu["bare"]),
        ("whole process: peak RSS (MiB)", med(agent_runs, 1) / 1024, med(plain_runs, 1) / 1024),
    ]  # fmt: skip
    for label, ours, theirs in rows:
        if not theirs:
            print(label)
            continue
        print(f"{label:44}{ours:>12.1f}{theirs:>12.1f}{ours / theirs:>8.2f}")
    print(f"{'`python -c pass` (interpreter start-up)':44}{bare:>12.1f}{'':>12}{'':>8}   (ms)")
    print(
        f"{'vault unlock, cheap KDF (CPU)':44}{statistics.median(UNLOCK) * 1e3:>12.1f}"
        f"{'':>12}{'':>8}   (ms: vault + cryptography import, KDF, decrypt)"
    )
    print(
        f"{'of which: tokendesk start + cheap unlock':44}{med(results['fixed'], 0) * 1e3:>12.1f}"
        f"{'':>12}{'':>8}   (ms; `tokendesk components`, no IMAP; "
        f"CPU {cpu['fixed'] - cpu['bare']:.0f} ms above start-up; "
        f"peak RSS {med(results['fixed'], 1) / 1024:.1f} MiB)"
    )
    print()
    print(f"vault unlock, default KDF (Argon2id 64 MiB, t=3, p=4): {kdf_time * 1e3:.0f} ms, "
          f"process peak RSS {kdf_rss / 1024:.1f} MiB (not included above; the listing uses a "
          "cheap-KDF vault)")  # fmt: skip
    if args.instructions:
        print()
        print("instructions executed by each whole process (valgrind callgrind, millions):")
        above = {k: (v - counts["bare"]) / 1e6 for k, v in counts.items()}
        print(f"  `python -c pass` {counts['bare'] / 1e6:.0f}; above it: plain script "
              f"{above['plain']:.0f}, tokendesk {above['cli']:.0f} "
              f"({above['cli'] / above['plain']:.2f}x), with an agent {above['agent']:.0f} "
              f"({above['agent'] / above['plain']:.2f}x)")  # fmt: skip
    print("target: whole process above start-up within 1.2x of the plain script")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
