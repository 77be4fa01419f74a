"""The TUI's agent indicator (hidden without an agent, its state with one) and the one-line
summary it shows."""

from __future__ import annotations

import time

from tests.agent.conftest import PASSPHRASE
from tests.support.fixtures_vault import CHEAP_KDF
from tui.app.app import make_app
from tui.app.widgets.agent_indicator import AgentIndicator
from tui.core.agent.summary import agent_summary
from tui.core.session import Session


def test_summary_lines():
    now = 1000.0
    assert agent_summary(None, now) == ""
    assert agent_summary({"locked": True}, now).startswith("Agent: locked")
    status = {
        "tokens": [
            {"next_refresh": 1600.0, "state": "scheduled", "failures": 0},
            {"next_refresh": None, "state": "needs sign-in", "failures": 0},
            {"next_refresh": 1100.0, "state": "retrying", "failures": 2},
        ]
    }
    line = agent_summary(status, now)
    assert (
        line == "Agent: running · 3 tokens · next refresh in 1m 40s · 1 needs sign-in · 1 failing"
    )
    assert "\x1b" not in agent_summary({"tokens": [{"state": "x\x1b[31m"}]}, now)
    # An agent of another vault does not count its tokens as this vault's.
    held = {"vault": "/home/u/a.tokendesk", "locked": False, "tokens": status["tokens"]}
    assert agent_summary(held, now, "/home/u/b\x1b.tokendesk") == (
        "Agent: runs for another vault (/home/u/a.tokendesk)"
    )
    assert agent_summary(held, now, "/home/u/a.tokendesk").startswith("Agent: running · 3")


async def _wait(pilot, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_indicator_follows_the_agent(agent_setup, monkeypatch):
    setup = agent_setup()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    session = Session.open(setup.vault, PASSPHRASE)
    app = make_app(setup.vault, session=session, refresh_interval=None, kdf=CHEAP_KDF)
    async with app.run_test(size=(100, 30)) as pilot:
        await _wait(pilot, lambda: app.screen.query(AgentIndicator))
        indicator = app.screen.query_one(AgentIndicator)
        await pilot.pause(0.5)
        assert not indicator.display or not str(indicator.content)  # no agent: nothing shown
        setup.start()
        indicator._poll()
        await _wait(pilot, lambda: str(indicator.content).startswith("Agent: running · 1 token"))
        assert indicator.display
        assert setup.cli("agent", "lock").returncode == 0
        indicator._poll()
        await _wait(pilot, lambda: str(indicator.content).startswith("Agent: locked"))


def test_serves_only_an_unlocked_agent_of_the_same_vault(tmp_path):
    from tui.core.agent.presence import serves

    vault = tmp_path / "v.tokendesk"
    vault.write_bytes(b"")
    link = tmp_path / "link.tokendesk"
    link.symlink_to(vault)
    assert serves({"locked": False, "vault": str(vault)}, vault)
    assert serves({"locked": False, "vault": str(vault)}, link)  # the same file
    assert not serves(None, vault)
    assert not serves({"locked": True, "vault": str(vault)}, vault)
    assert not serves({"locked": False, "vault": str(tmp_path / "other")}, vault)
    assert not serves({"vault": str(vault)}, vault)  # no word on the lock: not trusted
    assert not serves({"locked": False, "vault": 42}, vault)
