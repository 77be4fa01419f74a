"""Fixtures for vault-backed tests: cheap-KDF vaults and a CLI runner in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.core.records import Records
from tui.core.session import Session
from vault import KdfParams, Vault

PASSPHRASE = "correct horse battery staple"
# The smallest parameters the format accepts: tests stay fast, and the parameters live in
# the header, so every later open of such a vault is just as cheap.
CHEAP_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
REPO = Path(__file__).resolve().parents[2]


def cli_env(vault_path: Path | None, passphrase: str | None = PASSPHRASE, **extra: str) -> dict:
    """A clean environment for running the CLI against ``vault_path``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TOKENDESK_") and k not in ("BROWSER", "SSH_CONNECTION", "SSH_TTY")
    }
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    if vault_path is not None:
        env["TOKENDESK_VAULT"] = str(vault_path)
    if passphrase is not None:
        env["TOKENDESK_PASSPHRASE"] = passphrase
    env.update(extra)
    return env


def run_cli(
    *args: str,
    env: dict | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tui ARGS`` and capture its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    """Where a test's vault lives (not created)."""
    return tmp_path / "vault" / "test.tokendesk"


@pytest.fixture
def make_vault(vault_path: Path) -> Callable[..., Path]:
    """Create the test's vault with a cheap KDF, optionally holding ``records``."""

    def make(records: Records | None = None, passphrase: str = PASSPHRASE) -> Path:
        payload = (records or Records()).to_payload()
        Vault.create(vault_path, passphrase, payload, kdf=CHEAP_KDF)
        return vault_path

    return make


@pytest.fixture
def session(make_vault: Callable[..., Path]) -> Session:
    """An open session on a fresh cheap-KDF vault."""
    return Session.open(make_vault(), PASSPHRASE)


@pytest.fixture
def cli(vault_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the CLI in a subprocess against the test's vault (with its passphrase set)."""

    def run(
        *args: str,
        env: dict | None = None,
        input: str | None = None,
        timeout: float = 60,
        passphrase: str | None = PASSPHRASE,
    ) -> subprocess.CompletedProcess[str]:
        full_env = cli_env(vault_path, passphrase)
        full_env.update(env or {})
        return run_cli(*args, env=full_env, input=input, timeout=timeout)

    return run
