"""Pytest fixtures for the OAuth tests: a running test IdP and a test browser.

* ``idp``: a fresh ``TestIdP`` (see ``tests.support.idp``) running on 127.0.0.1 for one test.
* ``oauth_session``: a cheap vault with a component ``Mail`` for the IdP (and tokens).
* ``oauth_component(idp, ...)``, ``token_record(issued)``: helpers for building records.
* ``run_cli_in_pty(args, env, answer)``: run the CLI on a pseudo-terminal (for prompts).
* ``browser_env``: a dict of environment variables that make ``webbrowser``/``$BROWSER`` use
  ``tests/support/browser.py``; ``browser_env.log`` is the JSON-lines visit log path and
  ``browser_env.visits()`` reads it (waiting briefly for the forked browser to finish).
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser
from tests.support.fixtures_vault import PASSPHRASE, REPO
from tests.support.idp import CONFIDENTIAL_CLIENT, TestIdP
from tests.support.idp_tokens import IssuedToken
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.records import Records
from tui.core.session import Session


@pytest.fixture
def idp() -> Iterator[TestIdP]:
    """The strict test IdP; a test fails if the client broke one of its request rules
    (tests that send bad requests on purpose clear ``idp.violations``)."""
    server = TestIdP().start()
    try:
        yield server
    finally:
        server.stop()
    assert server.violations == [], "the client sent requests a strict server refuses"


class BrowserEnv(dict):
    """Environment for the test browser; a dict so it can be merged into ``os.environ``."""

    def __init__(self, log: Path, mode: str = "follow") -> None:
        super().__init__(
            BROWSER=browser.command(),
            TOKENDESK_TEST_BROWSER_LOG=str(log),
            TOKENDESK_TEST_BROWSER_MODE=mode,
        )
        self.log = log

    def visits(self, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """The logged visits, waiting until at least ``count`` are there (or timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log.read_text().splitlines() if self.log.exists() else []
            if len(lines) >= count or time.monotonic() > deadline:
                return [json.loads(line) for line in lines]
            time.sleep(0.05)


@pytest.fixture
def browser_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BrowserEnv:
    """Point ``$BROWSER`` at the test browser for this test (in-process and subprocesses)."""
    env = BrowserEnv(tmp_path / "browser.jsonl")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def oauth_component(idp: TestIdP, name: str = "Mail", **overrides: Any) -> OAuthComponent:
    """An OAuth2 component pointing at ``idp`` with its confidential client."""
    fields: dict[str, Any] = {
        "authorization_url": idp.authorize_url,
        "token_url": idp.token_url,
        "device_authorization_url": idp.device_url,
        "client_id": CONFIDENTIAL_CLIENT[0],
        "client_secret": CONFIDENTIAL_CLIENT[1],
        "auth_method": "client_secret_basic",
        "scope": "openid email offline_access",
    }
    fields.update(overrides)
    return OAuthComponent(name=name, **fields)


def token_record(tok: IssuedToken, *, expires_in: float | None = None) -> TokenRecord:
    """A TokenRecord as stored after receiving ``tok`` now (``expires_in`` overrides)."""
    now = time.time()
    life = tok.expires_in if expires_in is None else expires_in
    return TokenRecord(
        access_token=tok.access_token,
        refresh_token=tok.refresh_token or "",
        expires_at=now + life,
        scope=tok.scope,
        obtained_at=now,
        refresh_token_issued_at=now,
    )


@pytest.fixture
def oauth_session(
    idp: TestIdP, make_vault: Callable[..., Path]
) -> Callable[..., tuple[Session, Records]]:
    """Make a cheap vault holding one component ``Mail`` for ``idp`` and open it.

    ``oauth_session(expires_in=None, tokens=True, **component_overrides)`` returns
    ``(session, records)``; with ``tokens`` the Test environment holds tokens the IdP issued
    (``expires_in`` sets the stored expiry, e.g. 0 to make them due for refresh).
    """

    def make(
        *, tokens: bool = True, expires_in: float | None = None, **overrides: Any
    ) -> tuple[Session, Records]:
        records = Records()
        comp = oauth_component(idp, **overrides)
        records.add(comp)
        if tokens:
            issued = idp.issue_token(scope=comp.scope, client_id=comp.client_id)
            records.set_token("Test", comp.name, token_record(issued, expires_in=expires_in))
        path = make_vault(records)
        session = Session.open(path, PASSPHRASE)
        return session, session.records

    return make


def run_cli_in_pty(args: list[str], env: dict, answer: str, timeout: float = 30) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin/stdout/stderr; type ``answer`` at the
    first prompt ending in ': '. Returns the exit status and everything the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal (getpass opens /dev/tty)
        try:
            os.chdir(REPO)
            os.execve(sys.executable, [sys.executable, "-m", "tui", *args], env)
        finally:
            os._exit(127)
    shown, typed = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if not typed and shown.rstrip().endswith(b":"):
                os.write(fd, answer.encode() + b"\r")
                typed = True
        else:
            os.kill(pid, signal.SIGKILL)  # out of time: do not wait forever
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")
