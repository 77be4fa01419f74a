"""The TUI and a real agent process: while an unlocked agent holds the same vault, the TUI's
background schedule leaves refreshing to it (and picks up the agent's tokens); once the
agent stops, the TUI refreshes again. Refreshes are counted at the test IdP."""

from __future__ import annotations

from tests.agent.conftest import PASSPHRASE
from tests.agent.test_agent_refresh import _expire_stored
from tests.support.fixtures_vault import CHEAP_KDF
from tests.tui.conftest import wait_for
from tui.app.app import make_app
from tui.app.screens.main import MainScreen
from tui.core.session import Session

NAMES = ("A", "B")


def _access_tokens(session: Session) -> list[str]:
    return [session.records.token("Test", name).access_token for name in NAMES]


async def test_tui_leaves_refreshing_to_the_agent_then_takes_over(agent_setup, monkeypatch) -> None:
    setup = agent_setup(names=NAMES, refresh_delay=5)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    idp = setup.idp
    setup.start()
    session = Session.open(setup.vault, PASSPHRASE)
    # A short interval: without the hand-off the TUI would refresh first, every time.
    app = make_app(setup.vault, session=session, refresh_interval=0.2, kdf=CHEAP_KDF)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(pilot, lambda: app.agent_keeps_fresh)
        before = idp.stats["refresh"]
        old = _access_tokens(session)

        _expire_stored(setup, at=0)  # both tokens due now, for the TUI and the agent alike
        await wait_for(pilot, lambda: idp.stats["refresh"] >= before + 2, timeout=30)
        # The TUI shows the agent's tokens: it re-read the vault the agent saved.
        await wait_for(pilot, lambda: all(t not in old for t in _access_tokens(session)))
        await pilot.pause(1.0)  # five more ticks of the TUI's schedule
        assert idp.stats["refresh"] == before + 2  # exactly one refresh per due token...
        assert setup.status()["refreshes"] == 2  # ...and the agent made both
        assert app.screen.sidebar.statuses == {"A": "fresh", "B": "fresh"}

        # The agent goes away: the TUI's own schedule resumes.
        assert setup.cli("agent", "stop").returncode == 0
        await wait_for(pilot, lambda: not app.agent_keeps_fresh)
        old = _access_tokens(session)
        _expire_stored(setup, at=0)
        await wait_for(pilot, lambda: idp.stats["refresh"] >= before + 4, timeout=60)
        await wait_for(pilot, lambda: all(t not in old for t in _access_tokens(session)))
        await pilot.pause(1.0)
        assert idp.stats["refresh"] == before + 4


async def test_a_locked_agent_leaves_refreshing_to_the_tui(agent_setup, monkeypatch) -> None:
    setup = agent_setup(names=NAMES, refresh_delay=5)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    setup.start()
    assert setup.cli("agent", "lock").returncode == 0
    session = Session.open(setup.vault, PASSPHRASE)
    app = make_app(setup.vault, session=session, refresh_interval=0.2, kdf=CHEAP_KDF)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        before = setup.idp.stats["refresh"]
        old = _access_tokens(session)
        _expire_stored(setup, at=0)
        # Long enough for one retry after a transient failure (the TUI waits 30 s).
        await wait_for(pilot, lambda: all(t not in old for t in _access_tokens(session)), 60)
        assert not app.agent_keeps_fresh
        assert setup.idp.stats["refresh"] == before + 2
