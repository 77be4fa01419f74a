"""Keys do what the user means: letters only from the component list, a keymap file,
Enter into the form without selecting, ctrl+z asks, palette entries per component."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Button, Input

from tests.tui.conftest import notifications, sample_records, screen_text, wait_for
from tui.app.screens.dialogs import ConfirmDialog
from tui.app.screens.help import HelpScreen
from tui.app.screens.main import MainScreen


def copied(app) -> bool:
    return any("Copied the redirect URI" in n for n in notifications(app))


async def main_ready(app, pilot) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
    await pilot.pause()
    return app.screen


async def test_letters_do_nothing_with_a_button_focused(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        screen.query_one("#btn-copy", Button).focus()
        await pilot.pause()
        for key in "nmeotacrf":
            await pilot.press(key)
        await pilot.pause(0.2)
        assert app.screen is screen and screen.showing == "Microsoft365"
        assert screen.form is not None and not screen.form.is_new
        assert notifications(app) == []


async def test_enter_on_the_sidebar_does_not_select_the_name(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.pause(0.2)
        name = app.focused
        assert isinstance(name, Input) and name.selection.is_empty
        await pilot.press("o")
        assert name.value == "Microsoft365o"  # typed after the name, not over it
        assert screen.form is not None and screen.form.dirty


async def test_ctrl_z_asks_before_discarding(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press("x")
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Discard the changes to 'Microsoft365'?" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.form is not None and screen.form.dirty
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: screen.form is not None and not screen.form.dirty)


async def test_footer_shows_the_component_keys(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        for shown in ("a Authorize", "c Copy URI", "r Refresh", "f Forget", "del Delete"):
            assert shown in footer
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        # Under a dialog the footer offers the dialog's keys, not the main screen's or app's.
        footer = screen_text(app).splitlines()[-1]
        assert "Authorize" not in footer and "Help" not in footer and "Cancel" in footer


async def test_keymap_file_remaps_keys_help_and_palette(
    open_session, tui_app, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    (config / "tokendesk").mkdir(parents=True)
    (config / "tokendesk" / "keymap.toml").write_text('"main.copy_redirect_uri" = "u"\n')
    app = tui_app(session=open_session(sample_records()), environ={"XDG_CONFIG_HOME": str(config)})
    async with app.run_test(size=(80, 30)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("c")
        await pilot.pause(0.2)
        assert notifications(app) == []
        await pilot.press("u")
        await wait_for(
            pilot, lambda: any("Copied the redirect URI" in n for n in notifications(app))
        )
        assert "u Copy URI" in screen_text(app).splitlines()[-1]
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "Copy the redirect URI" in screen_text(app))
        line = next(x for x in screen_text(app).splitlines() if "Copy the redirect URI" in x)
        assert " u " in line


async def test_broken_keymap_is_reported_and_ignored(open_session, tui_app, tmp_path) -> None:
    (tmp_path / "tokendesk").mkdir()
    (tmp_path / "tokendesk" / "keymap.toml").write_text("this is = = not toml")
    app = tui_app(
        session=open_session(sample_records()), environ={"XDG_CONFIG_HOME": str(tmp_path)}
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await wait_for(pilot, lambda: any("Keymap ignored" in n for n in notifications(app)))
        await pilot.press("c")
        await wait_for(
            pilot, lambda: any("Copied the redirect URI" in n for n in notifications(app))
        )


async def test_palette_has_an_entry_per_component(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await main_ready(app, pilot)
        screen.sidebar.select_name("Work mail")
        await wait_for(pilot, lambda: screen.showing == "Work mail")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        await pilot.pause(0.3)
        palette = app.screen
        listed = [str(o.prompt).split("\n")[0] for o in palette.query_one("CommandList").options]
        assert "Open inbox · Work mail" in listed
        assert {"Forget tokens · Microsoft365", "Forget tokens · Corporate IdP"} <= set(listed)
        palette.query_one(Input).value = "Forget tokens · Corporate"
        await pilot.pause(0.3)
        await pilot.press("enter")
        # It runs on that component, not on the one selected in the sidebar.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "'Corporate IdP'" in screen_text(app)
        assert screen.showing == "Corporate IdP"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # Searching by action alone offers the shown component first.
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        app.screen.query_one(Input).value = "Authorize"
        await pilot.pause(0.5)
        first = app.screen.query_one("CommandList").options[0]
        assert str(first.prompt).startswith("Authorize · Corporate IdP")
        assert "(a)" in str(first.prompt)  # the key that does the same
