"""The TUI and a real agent process: while an unlocked agent holds the same vault, the TUI's
background schedule leaves refreshing to it (and picks up the agent's tokens); once the
agent stops, the TUI refreshes again. Refreshes are counted at the test IdP."""

from __future__ import annotations

from tests.agent.conftest import PASSPHRASE
from tests.agent.test_agent_refresh import _expire_stored
from tests.support.fixtures_vault import CHEAP_KDF
from tests.tui.conftest import notifications, screen_text, wait_for
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
        await wait_for(pilot, lambda: ", by the agent" in screen_text(app))  # token panel
        # Refreshing by hand still works here, through the same locked path.
        await pilot.press("r")
        await _toast(app, pilot, "Token refreshed for A")
        assert idp.stats["refresh"] == before + 3
        assert setup.status()["refreshes"] == 2

        # The agent goes away: the TUI's own schedule resumes.
        assert setup.cli("agent", "stop").returncode == 0
        await wait_for(pilot, lambda: not app.agent_keeps_fresh)
        await wait_for(pilot, lambda: ", by the agent" not in screen_text(app))
        old = _access_tokens(session)
        _expire_stored(setup, at=0)
        await wait_for(pilot, lambda: idp.stats["refresh"] >= before + 5, timeout=60)
        await wait_for(pilot, lambda: all(t not in old for t in _access_tokens(session)))
        await pilot.pause(1.0)
        assert idp.stats["refresh"] == before + 5  # two more, by the TUI


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


async def _run_command(app, pilot, name: str) -> None:
    from textual.command import CommandPalette
    from textual.widgets import Input

    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: CommandPalette.is_open(app))
    app.screen.query_one(Input).value = name
    await pilot.pause(0.3)
    assert str(app.screen.query_one("CommandList").options[0].prompt).startswith(name)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not CommandPalette.is_open(app))


async def _toast(app, pilot, text: str) -> str:
    await wait_for(pilot, lambda: any(text in n for n in notifications(app)), timeout=40)
    return next(n for n in notifications(app) if text in n)


async def test_start_lock_and_stop_the_agent_from_the_tui(agent_setup, monkeypatch) -> None:
    from tests.agent.conftest import pid_alive
    from tests.agent.test_launch import secrets_in_proc
    from tui.app.widgets.agent_indicator import AgentIndicator

    setup = agent_setup()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    # Where a TUI started with TOKENDESK_PASSPHRASE has it: the agent must not inherit it.
    monkeypatch.setenv("TOKENDESK_PASSPHRASE", PASSPHRASE)
    session = Session.open(setup.vault, PASSPHRASE)
    key = bytes(session.vault.copy_key())
    app = make_app(setup.vault, session=session, refresh_interval=0.2, kdf=CHEAP_KDF)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        assert not app.agent_keeps_fresh
        await pilot.press("A")  # the component list has the focus
        started = await _toast(app, pilot, "Agent started")
        pid = int(setup.pidfile.read_text())
        setup.started.append(pid)
        assert f"pid {pid}" in started and pid_alive(pid)
        # Nothing secret where other processes can read it.
        secrets = [PASSPHRASE.encode(), key, key.hex().encode()]
        assert secrets_in_proc(pid, secrets) == []
        # It serves `tokendesk token` to a client that has no passphrase at all.
        bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
        served = setup.cli("token", "Mail", env=bare)
        assert served.returncode == 0 and served.stdout.startswith("at_"), served.stderr
        assert setup.status()["vault"] == str(setup.vault.resolve())
        await wait_for(pilot, lambda: app.agent_keeps_fresh)
        indicator = app.screen.query_one(AgentIndicator)
        await wait_for(pilot, lambda: str(indicator.content).startswith("Agent: running"))

        await _run_command(app, pilot, "Start agent")  # already done: says so, no error
        await _toast(app, pilot, f"The agent already keeps this vault fresh (pid {pid}).")
        assert not any("Not started" in n for n in notifications(app))

        await _run_command(app, pilot, "Lock agent")
        await _toast(app, pilot, "Agent locked")
        assert setup.status()["locked"] is True
        await wait_for(pilot, lambda: not app.agent_keeps_fresh)
        await wait_for(pilot, lambda: str(indicator.content).startswith("Agent: locked"))

        await _run_command(app, pilot, "Stop agent")
        await _toast(app, pilot, "Agent stopped")
        await wait_for(pilot, lambda: not pid_alive(pid))
        await wait_for(pilot, lambda: not str(indicator.content))
        await _run_command(app, pilot, "Stop agent")
        assert "no agent is running" in await _toast(app, pilot, "Not stopped")


async def test_start_agent_key_follows_the_keymap(agent_setup, monkeypatch, tmp_path) -> None:
    from textual.command import CommandPalette
    from textual.widgets import Input

    setup = agent_setup()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(setup.runtime))
    config = tmp_path / "config"
    (config / "tokendesk").mkdir(parents=True)
    (config / "tokendesk" / "keymap.toml").write_text('"main.start_agent" = "ctrl+g"\n')
    session = Session.open(setup.vault, PASSPHRASE)
    app = make_app(
        setup.vault, session=session, refresh_interval=None, kdf=CHEAP_KDF,
        environ={"XDG_CONFIG_HOME": str(config)},
    )  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        app.screen.query_one(Input).value = "Start agent"
        await pilot.pause(0.3)
        assert "(^g)" in str(app.screen.query_one("CommandList").options[0].prompt)
        await pilot.press("escape")
        await pilot.press("A")  # no longer bound
        await pilot.pause(0.3)
        assert notifications(app) == []
        await pilot.press("ctrl+g")
        await _toast(app, pilot, "Agent started")
        setup.started.append(int(setup.pidfile.read_text()))
