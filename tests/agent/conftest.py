"""Fixtures for the agent tests: a vault for the test IdP, a private runtime directory, and
an agent started as a real detached process (always stopped afterwards)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.fixtures_oauth import oauth_component, token_record
from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE, cli_env, run_cli
from tests.support.idp import TestIdP
from tui.core.records import Records
from vault import Vault


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "") -> object:
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


@dataclass
class AgentSetup:
    """One test's vault, runtime directory and environment for running the CLI."""

    idp: TestIdP
    vault: Path
    runtime: Path
    env: dict[str, str]
    started: list[int] = field(default_factory=list)

    @property
    def socket(self) -> Path:
        return self.runtime / "tokendesk" / "agent.sock"

    @property
    def pidfile(self) -> Path:
        return self.runtime / "tokendesk" / "agent.pid"

    def cli(self, *args: str, env: dict[str, str] | None = None, **kw):
        return run_cli(*args, env=env or self.env, **kw)

    def start(self, *args: str) -> int:
        """``agent start ARGS``; returns the agent's pid."""
        done = self.cli("agent", "start", *args)
        assert done.returncode == 0, done.stderr
        pid = int(self.pidfile.read_text())
        self.started.append(pid)
        return pid

    def status(self) -> dict:
        import json

        done = self.cli("agent", "status", "--json")
        return json.loads(done.stdout)

    def no_agent_env(self) -> dict[str, str]:
        return {**self.env, "TOKENDESK_NO_AGENT": "1"}

    def kill_all(self) -> None:
        for pid in self.started:
            try:
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def agent_setup(idp: TestIdP) -> Iterator[Callable[..., AgentSetup]]:
    """``agent_setup(lifetime=3600, refresh_delay=25, envs=("Test",), names=("Mail",))``."""
    made: list[AgentSetup] = []
    # A short path: AF_UNIX socket paths are limited to 107 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="tda"))

    def make(
        *,
        lifetime: float = 3600,
        refresh_delay: int = 25,
        envs: tuple[str, ...] = ("Test",),
        names: tuple[str, ...] = ("Mail",),
        tokens: bool = True,
    ) -> AgentSetup:
        idp.access_token_lifetime = lifetime
        records = Records()
        for env in envs:
            if env not in records.environments:
                records.add_environment(env)
        for name in names:
            comp = oauth_component(idp, name=name, refresh_delay=refresh_delay)
            records.add(comp)
            for env in envs:
                if tokens:
                    issued = idp.issue_token(scope=comp.scope, client_id=comp.client_id)
                    records.set_token(env, name, token_record(issued))
        vault = runtime / "vault.tokendesk"
        Vault.create(vault, PASSPHRASE, records.to_payload(), kdf=CHEAP_KDF)
        env = cli_env(vault, XDG_RUNTIME_DIR=str(runtime))
        setup = AgentSetup(idp, vault, runtime, env)
        made.append(setup)
        return setup

    try:
        yield make
    finally:
        for setup in made:
            if setup.socket.exists():
                setup.cli("agent", "stop", timeout=30)
            setup.kill_all()
        shutil.rmtree(runtime, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie of a detached agent is reaped by init; treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


__all__ = ["PASSPHRASE", "AgentSetup", "pid_alive", "wait_for"]
