"""Unlock and create-vault screens: the KDF in a worker, inline errors, retry."""

from __future__ import annotations

from pathlib import Path

from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE
from tests.tui.conftest import screen_text, wait_for
from tui.app.screens.main import MainScreen
from tui.app.screens.unlock import CreateVaultScreen, UnlockScreen
from tui.core.records import Records
from tui.core.session import Session
from vault import Vault


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


async def test_create_vault(vault_path: Path, tui_app) -> None:
    app = tui_app(vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, CreateVaultScreen)
        await type_text(pilot, "new passphrase")
        await pilot.press("enter")  # moves to the confirmation field
        await type_text(pilot, "new passphrase")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert "Environment:  Test" in screen_text(app)
    session = Session.open(vault_path, "new passphrase")
    assert session.records.environments == ["Test", "Production"]


async def test_create_vault_confirmation_must_match(vault_path: Path, tui_app) -> None:
    app = tui_app(vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "one")
        await pilot.press("enter")
        await type_text(pilot, "two")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CreateVaultScreen)
        assert "differ" in screen.error_text
    assert not vault_path.exists()


async def test_create_vault_without_a_passphrase_goes_back_to_it(vault_path, tui_app) -> None:
    app = tui_app(vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "enter")  # nothing typed in either field
        await pilot.pause()
        screen = app.screen
        assert screen.error_text == "Enter a passphrase."
        # What is typed next lands in the empty first field, not in "again".
        assert app.focused is screen.query_one("#passphrase")
    assert not vault_path.exists()


async def test_wrong_passphrase_then_retry(make_vault, tui_app) -> None:
    path = make_vault()
    app = tui_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, UnlockScreen)
        await type_text(pilot, "not the passphrase")
        await pilot.press("enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.error_text)
        assert "wrong passphrase" in screen.error_text.lower()
        assert isinstance(app.screen, UnlockScreen)  # no crash, still asking
        assert "not the passphrase" not in screen_text(app)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        # and drawn: leaving before its on_mount ran would race the teardown
        await wait_for(pilot, lambda: "Environment:" in screen_text(app))


async def test_damaged_vault_is_an_inline_error(make_vault, tui_app) -> None:
    path = make_vault()
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF
    path.write_bytes(bytes(blob))
    app = tui_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.error_text)
        assert isinstance(app.screen, UnlockScreen)
        assert "damaged" in screen.error_text.lower() or "passphrase" in screen.error_text


async def test_newer_vault_is_an_inline_error(vault_path: Path, tui_app) -> None:
    payload = Records().to_payload()
    payload["schema"] = 99
    Vault.create(vault_path, PASSPHRASE, payload, kdf=CHEAP_KDF)
    app = tui_app(vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.error_text)
        assert "newer tokendesk" in screen.error_text
        assert isinstance(app.screen, UnlockScreen)


async def test_passphrase_from_environment_unlocks_at_once(make_vault, tui_app) -> None:
    app = tui_app(make_vault(), passphrase=PASSPHRASE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        # and drawn: leaving before its on_mount ran would race the teardown
        await wait_for(pilot, lambda: "Environment:" in screen_text(app))


async def test_quit_from_unlock_screen(make_vault, tui_app) -> None:
    app = tui_app(make_vault())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
