"""TUI lifecycle actions against the real test IdP: token details, revoke on forget/delete,
Discover on the OAuth2 form."""

from __future__ import annotations

import re

from textual.command import CommandPalette
from textual.widgets import Input, Static

from tests.support.fixtures_mail import token_record
from tests.tui.conftest import notifications, screen_text, wait_for
from tests.tui.test_oauth_actions import NAME, SCOPE, idp_records, main_ready
from tui.app.screens.main import MainScreen
from tui.app.screens.revoke_dialog import RevokeDialog
from tui.app.screens.token_details import TokenDetailsScreen


def with_tokens(idp, **changes):
    records = idp_records(idp, **changes)
    comp = records.get_oauth(NAME)
    issued = idp.issue_token(scope=SCOPE)
    records.set_token("Test", NAME, token_record(issued, comp))
    return records, issued


async def test_token_details_with_introspection_never_shows_the_token(
    idp, open_session, tui_app
) -> None:
    idp.granted_scope_drop = ("imap",)
    records, issued = with_tokens(idp, introspection_url=idp.introspect_url)
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(120, 40)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, TokenDetailsScreen))
        details = app.screen.query_one("#details", Static)
        await wait_for(pilot, lambda: "Introspection:" in str(details.content))
        text = str(details.content)
        assert "Account:" in text and "alice@example.test" in text
        assert re.search(r"^Introspection: +active$", text, re.M)
        assert "⚠ the provider did not grant: imap" in text
        assert "mail scope was dropped" in text
        shown = screen_text(app)
        assert issued.access_token not in shown and issued.refresh_token not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_token_details_wrap_under_their_column_at_80x24(idp, open_session, tui_app):
    idp.granted_scope_drop = ("imap",)
    records, _ = with_tokens(idp)
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, TokenDetailsScreen))
        details = app.screen.query_one("#details", Static)
        await wait_for(pilot, lambda: "Health:" in str(details.content))
        await pilot.pause()
        lines = str(details.content).splitlines()
        width = app.screen.query_one("#details").size.width
        assert all(len(line) <= width for line in lines), lines
        # The finding's fix is longer than a line: its rest lines up under its text.
        at = next(i for i, line in enumerate(lines) if line.startswith("  fix: "))
        assert lines[at + 1].startswith(" " * 7) and lines[at + 1].strip()


async def test_forget_offers_revocation_and_revokes(idp, open_session, tui_app) -> None:
    records, issued = with_tokens(idp, revocation_url=idp.revoke_url)
    session = open_session(records)
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, RevokeDialog))
        await pilot.click("#revoke")
        await wait_for(pilot, lambda: any("Forgot the tokens" in n for n in notifications(app)))
        (note,) = [n for n in notifications(app) if "Forgot" in n]
        assert "Revoked the refresh token and access token at the provider." in note
    assert idp.introspect(issued.access_token) == {"active": False}
    assert session.reload().token("Test", NAME) is None


async def test_forget_here_only_and_failed_revocation(idp, open_session, tui_app) -> None:
    records, issued = with_tokens(idp, revocation_url=idp.revoke_url)
    session = open_session(records)
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, RevokeDialog))
        await pilot.click("#local")
        await wait_for(pilot, lambda: session.reload().token("Test", NAME) is None)
        assert idp.token_state(issued.access_token) == "active"
        # Tokens again; the provider fails: they are forgotten anyway, and it says so.
        issued = idp.issue_token(scope=SCOPE)
        with session.edit() as rec:
            rec.set_token("Test", NAME, token_record(issued, rec.get_oauth(NAME)))
        idp.revocation_fault = "500"
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, RevokeDialog))
        await pilot.click("#revoke")
        await wait_for(pilot, lambda: any("anyway" in n for n in notifications(app)))
    assert session.reload().token("Test", NAME) is None


async def test_delete_revokes_every_environment(idp, open_session, tui_app) -> None:
    records, issued = with_tokens(idp, revocation_url=idp.revoke_url)
    session = open_session(records)
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, RevokeDialog))
        await pilot.click("#revoke")
        await wait_for(pilot, lambda: NAME not in session.reload().components)
    assert idp.token_state(issued.refresh_token) == "revoked"


async def test_discover_fills_the_endpoints(idp, open_session, tui_app) -> None:
    idp.metadata_omit = ("device_authorization_endpoint",)
    app = tui_app(session=open_session())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        screen = app.screen
        screen.query_one("#f-issuer", Input).value = idp.issuer
        await pilot.click("#discover")
        await wait_for(pilot, lambda: screen.query_one("#f-token_url", Input).value)
        assert screen.query_one("#f-revocation_url", Input).value == idp.revoke_url
        assert screen.query_one("#f-introspection_url", Input).value == idp.introspect_url
        assert screen.query_one("#f-authorization_url", Input).value == idp.authorize_url
        assert any("Not offered: Device authorization URL" in n for n in notifications(app))
        idp.metadata_issuer = "https://elsewhere.example"
        await pilot.click("#discover")
        await wait_for(pilot, lambda: any("Discovery failed" in n for n in notifications(app)))
        assert "refused" in screen.form.field("issuer").error


async def test_token_details_from_the_palette(idp, open_session, tui_app) -> None:
    records, _ = with_tokens(idp)
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        app.screen.query_one(Input).value = "Token details"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TokenDetailsScreen))
        details = str(app.screen.query_one("#details", Static).content)
        assert "Access token:" in details and "opaque" in details
