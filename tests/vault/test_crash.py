"""Crash injection and concurrent writers, with real processes and real files.

Children are forked (cheap) and run the same locked read-modify-write a tokendesk process
does. A child acknowledges each committed save on a pipe; the parent SIGKILLs it at random
moments and then checks the file: it must open, and hold the last acknowledged value or
the one after it, never an older one and never garbage.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time

import pytest

from tests.support.fixtures_vault import CHEAP_KDF
from vault import Vault

PASS = "crash test"
KILLS = 120


def _child_loop(path, ack_fd: int | None, increments: int | None = None) -> None:
    """Run in a forked child: increment the counter forever (or N times), acking each save."""
    code = 0
    try:
        vault = Vault.open(path, PASS)
        done = 0
        while increments is None or done < increments:
            with vault.transaction(timeout=60) as payload:
                payload["n"] += 1
                payload["filler"] = "x" * random.randint(0, 4000)
                value = payload["n"]
            if ack_fd is not None:
                os.write(ack_fd, f"{value}\n".encode())
            done += 1
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _read_acks(fd: int, buf: bytearray) -> int | None:
    last = None
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf.extend(chunk)
    lines = bytes(buf).split(b"\n")
    complete = [line for line in lines[:-1] if line]
    if complete:
        last = int(complete[-1])
    return last


@pytest.mark.timeout(240)
def test_sigkill_at_random_moments_never_loses_an_acknowledged_save(tmp_path):
    path = tmp_path / "crash.tokendesk"
    Vault.create(path, PASS, {"n": 0}, kdf=CHEAP_KDF)
    rng = random.Random(1234)
    acknowledged = 0
    for _ in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child_loop(path, write_fd)
        os.close(write_fd)
        time.sleep(rng.uniform(0, 0.04))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        buf = bytearray()
        last = _read_acks(read_fd, buf)
        os.close(read_fd)
        if last is not None:
            assert last >= acknowledged
            acknowledged = last
        value = Vault.open(path, PASS).payload["n"]
        assert value in (acknowledged, acknowledged + 1), (value, acknowledged)
        acknowledged = value
    print("acknowledged saves:", acknowledged)
    assert acknowledged > 0  # the children really saved between the kills
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "concurrent.tokendesk"
    Vault.create(path, PASS, {"n": 0}, kdf=CHEAP_KDF)
    workers, increments = 6, 40
    pids = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            _child_loop(path, None, increments)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert all(os.waitstatus_to_exitcode(s) == 0 for s in statuses)
    assert Vault.open(path, PASS).payload["n"] == workers * increments
