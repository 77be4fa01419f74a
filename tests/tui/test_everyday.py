"""Everyday flows without the CLI: environments, the vault passphrase, copying a token."""

from __future__ import annotations

from textual.widgets import Button, Input

from tests.support.fixtures_vault import PASSPHRASE
from tests.tui.conftest import notifications, sample_records, screen_text, wait_for
from tui.app.screens.dialogs import ConfirmDialog
from tui.app.screens.environments import EnvironmentsDialog
from tui.app.screens.main import MainScreen
from tui.app.screens.passphrase import PassphraseDialog
from tui.core.session import Session


async def main_ready(app, pilot) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
    await pilot.pause()
    return app.screen


async def test_environments_add_rename_remove(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)

        async def dialog() -> EnvironmentsDialog:
            await pilot.press("E")
            await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsDialog))
            return app.screen

        box = await dialog()
        box.query_one("#environment-name", Input).value = "Staging"
        box.query_one("#env-add", Button).press()
        await wait_for(pilot, lambda: "Staging" in session.records.environments)
        box = await dialog()
        box.query_one("#environment-list").highlighted = session.records.environments.index(
            "Staging"
        )
        box.query_one("#environment-name", Input).value = "Stage 2"
        box.query_one("#env-rename", Button).press()
        await wait_for(pilot, lambda: "Stage 2" in session.records.environments)
        # Removing names the tokens that go, and needs a second press.
        records = session.records
        box = await dialog()
        box.query_one("#environment-list").highlighted = records.environments.index("Test")
        box.query_one("#env-remove", Button).press()
        await pilot.pause(0.2)
        assert "current environment" in screen_text(app)  # Test is current: refused
        box.query_one("#environment-list").highlighted = records.environments.index("Stage 2")
        await pilot.pause(0.1)
        box.query_one("#env-remove", Button).press()
        await wait_for(pilot, lambda: "Press Remove again" in screen_text(app))
        box.query_one("#env-remove", Button).press()
        await wait_for(pilot, lambda: "Stage 2" not in session.records.environments)
    assert "Stage 2" not in session.reload().environments


async def test_removing_an_environment_names_its_tokens(open_session, tui_app) -> None:
    records = sample_records()
    records.set_token("Production", "Microsoft365", records.token("Test", "Microsoft365"))
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsDialog))
        box = app.screen
        box.query_one("#environment-list").highlighted = records.environments.index("Production")
        await pilot.pause(0.1)
        box.query_one("#env-remove", Button).press()
        await wait_for(pilot, lambda: "(Microsoft365)" in screen_text(app))


async def test_change_the_vault_passphrase(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        screen.action_change_passphrase()
        await wait_for(pilot, lambda: isinstance(app.screen, PassphraseDialog))
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.query("#current"))
        dialog.query_one("#current", Input).value = "wrong passphrase"
        dialog.query_one("#new", Input).value = "new passphrase 2"
        dialog.query_one("#again", Input).value = "new passphrase 2"
        dialog.query_one("#change", Button).press()
        await wait_for(
            pilot, lambda: "passphrase" in str(dialog.query_one("#passphrase-error").content)
        )
        dialog.query_one("#current", Input).value = PASSPHRASE
        dialog.query_one("#new", Input).value = "new passphrase 2"
        dialog.query_one("#again", Input).value = "new passphrase 2"
        dialog.query_one("#change", Button).press()
        await wait_for(pilot, lambda: app.screen is screen, timeout=60)
    assert Session.open(session.path, "new passphrase 2").records.components


async def test_copy_access_token_asks_first(open_session, tui_app) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "secret" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert not any("Copied the access token" in n for n in notifications(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(
            pilot, lambda: any("Copied the access token" in n for n in notifications(app))
        )
        assert app.clipboard == "access-token-test"


async def test_a_refused_environment_name_keeps_the_dialog_open(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsDialog))
        box = app.screen
        assert "1 token" in screen_text(app) and "0 tokens" in screen_text(app)
        name = box.query_one("#environment-name", Input)
        for bad, why in (("bad name!", "bad environment name"), ("production", "exists already")):
            name.value = bad
            box.query_one("#env-add", Button).press()
            await wait_for(pilot, lambda why=why: why in screen_text(app))
            assert app.screen is box and name.value == bad  # still open, the name kept
        name.value = "Test!"
        box.query_one("#env-rename", Button).press()
        await wait_for(pilot, lambda: "bad environment name 'Test!'" in screen_text(app))
        assert app.screen is box
        assert session.reload().environments == ["Test", "Production"]
