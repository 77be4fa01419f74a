"""``tui.core.agent.launch``: the core's start/stop/lock that both faces call. The agent is a
real detached process that gets the vault's key over a pipe: never in its arguments or its
environment."""

from __future__ import annotations

import os

import pytest

from tests.agent.conftest import PASSPHRASE, pid_alive, wait_for
from tests.support.fixtures_vault import CHEAP_KDF
from tui.core.agent import launch
from tui.core.errors import OperationFailed
from tui.core.session import Session
from vault import Vault


def secrets_in_proc(pid: int, secrets: list[bytes]) -> list[str]:
    """Which of /proc/PID/environ and /proc/PID/cmdline hold any of ``secrets``."""
    found = []
    for part in ("environ", "cmdline"):
        with open(f"/proc/{pid}/{part}", "rb") as f:
            data = f.read()
        found += [part for s in secrets if s in data]
    return found


def test_start_with_the_unlocked_key_then_stop(agent_setup, monkeypatch):
    setup = agent_setup()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    # The launcher's own environment holds the passphrase: the agent's must not.
    monkeypatch.setenv("TOKENDESK_PASSPHRASE", PASSPHRASE)
    session = Session.open(setup.vault, PASSPHRASE)
    key = bytes(session.vault.copy_key())
    started = launch.start_agent(session, keep_alive=0)
    setup.started.append(started.pid)
    assert pid_alive(started.pid) and started.socket == str(setup.socket)
    assert int(setup.pidfile.read_text()) == started.pid
    assert secrets_in_proc(started.pid, [PASSPHRASE.encode(), key, key.hex().encode()]) == []
    assert os.getppid() != started.pid
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    served = setup.cli("token", "Mail", env=bare)  # only the agent can answer this
    assert served.returncode == 0 and served.stdout.startswith("at_"), served.stderr
    with pytest.raises(launch.AgentRunning, match=f"already running \\(pid {started.pid}\\)"):
        launch.start_agent(session)
    other = setup.runtime / "other.tokendesk"
    Vault.create(other, PASSPHRASE, {}, kdf=CHEAP_KDF)
    with pytest.raises(OperationFailed, match="running for another vault, .*vault.tokendesk"):
        launch.start_agent(Session.open(other, PASSPHRASE))
    launch.lock_agent()
    assert setup.status()["locked"] is True
    with pytest.raises(OperationFailed, match="locked agent is already running"):
        launch.start_agent(session)
    launch.stop_agent()
    wait_for(lambda: not pid_alive(started.pid), what="the agent to exit")
    with pytest.raises(launch.NoAgent):
        launch.stop_agent()
    with pytest.raises(launch.NoAgent):
        launch.lock_agent()


def test_a_key_that_no_longer_opens_the_vault_is_reported(agent_setup, monkeypatch):
    setup = agent_setup()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    session = Session.open(setup.vault, PASSPHRASE)
    Vault.open(setup.vault, PASSPHRASE).change_passphrase("another one")
    with pytest.raises(OperationFailed, match="did not start: .*passphrase was changed"):
        launch.start_agent(session)
    assert not setup.socket.exists()


def test_the_child_refuses_a_bad_hand_over(tmp_path):
    import subprocess
    import sys

    for given in (b"", b"{}\n", b'{"vault": "x"}\n' + bytes(32), b"not json\n" + bytes(32)):
        done = subprocess.run(
            [sys.executable, "-m", launch.CHILD_MODULE], input=given, capture_output=True
        )
        assert done.returncode == 2 and done.stdout.startswith(b"bad hand-over"), given
        assert done.stderr == b""
