"""Pytest fixtures for the OAuth tests: a running test IdP and a test browser.

* ``idp``: a fresh ``TestIdP`` (see ``tests.support.idp``) running on 127.0.0.1 for one test.
* ``browser_env``: a dict of environment variables that make ``webbrowser``/``$BROWSER`` use
  ``tests/support/browser.py``; ``browser_env.log`` is the JSON-lines visit log path and
  ``browser_env.visits()`` reads it (waiting briefly for the forked browser to finish).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import browser
from tests.support.idp import TestIdP


@pytest.fixture
def idp() -> Iterator[TestIdP]:
    server = TestIdP().start()
    try:
        yield server
    finally:
        server.stop()


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
