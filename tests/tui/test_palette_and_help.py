"""The command palette has every action under its documented name; help lists the keys."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input

from tests.tui.conftest import notifications, sample_records, screen_text, wait_for
from tui.app.commands import COMMAND_NAMES
from tui.app.screens.dialogs import EnvironmentPicker
from tui.app.screens.help import HelpScreen
from tui.app.screens.main import MainScreen

DOCUMENTED = (
    "New OAuth2 component",
    "New inbound email component",
    "Authorize",
    "Copy redirect URI",
    "Refresh token",
    "Forget tokens",
    "Switch environment",
    "Test connection",
    "Open inbox",
    "Delete component",
    "Start agent",
    "Stop agent",
    "Lock agent",
)


def test_documented_command_names_exist() -> None:
    assert set(DOCUMENTED) <= set(COMMAND_NAMES)


async def test_palette_lists_and_runs_commands(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        palette = app.screen
        await pilot.pause(0.3)
        listed = [str(o.prompt).split("\n")[0] for o in palette.query_one("CommandList").options]
        # Actions on a component have one entry per component ("Authorize · Microsoft365").
        assert all(any(e.split(" · ")[0] == name for e in listed) for name in DOCUMENTED)
        palette.query_one(Input).value = "Switch environment"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentPicker))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_palette_command_without_a_target_says_why(open_session, tui_app) -> None:
    records = sample_records()
    records.remove("Work mail")
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        app.screen.query_one(Input).value = "Open inbox"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Add an inbound email component first (m)." in
                       notifications(app))  # fmt: skip


async def test_help_with_f1_and_question_mark(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "Quit tokendesk" in screen_text(app))
        text = screen_text(app)
        assert "Quit tokendesk" in text and "Switch the current environment" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app.return_code == 0)


async def test_help_wraps_a_long_description_under_its_column(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        lines = str(app.screen.query_one("#help-text").content).splitlines()
        # The inbox's "/" line does not fit in 80 columns: its rest starts under the text,
        # not at the left edge where the keys are.
        at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("/ "))
        assert lines[at].index("Search") == 20
        assert lines[at + 1].startswith(" " * 20) and lines[at + 1].strip()
        width = app.screen.query_one("#help-body").scrollable_content_region.width
        assert all(len(line) <= width for line in lines)


async def test_toasts_wait_until_the_help_closes(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        app.notify("Background news that must not cover the help", timeout=30)
        await pilot.pause(0.3)
        assert "Background news" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(pilot, lambda: "Background news" in screen_text(app))


async def test_the_palette_offers_no_screenshot(
    open_session, tui_app, tmp_path, monkeypatch
) -> None:
    """Textual's Screenshot would write the screen (a revealed token too) to a file."""
    monkeypatch.chdir(tmp_path)
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quit" in titles and "Keys" in titles  # Textual's others stay
        assert "Screenshot" not in titles
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        await pilot.press(*"screenshot")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.5)
    assert list(tmp_path.glob("*.svg")) == []


async def test_palette_entries_only_where_they_can_run(open_session, tui_app) -> None:
    """Copy access token only for a component with a token here; Test connection for the
    outbound component too (t tests it)."""
    from tui.app.commands import TokendeskCommands
    from tui.core.models.outbound import OutboundComponent

    records = sample_records()
    records.add(OutboundComponent(name="Send", host="smtp.example.com", token_ref="@Microsoft365"))
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        names = {e.name for e in TokendeskCommands(app.screen)._entries()}
        await pilot.pause()
    assert "Copy access token · Microsoft365" in names
    assert "Copy access token · Corporate IdP" not in names  # not authorized here
    assert {"Test connection · Work mail", "Test connection · Send"} <= names
    assert "Authorize · Corporate IdP" in names  # what it can do, it still offers
