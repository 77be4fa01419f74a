"""Hostile text reaches the TUI's output only sanitized (Pilot; the rendered screen).

Paths: the token panel showing a stored last_error, hint, account and scope; the
notification of a refresh the provider refused with a hostile error_description; the inbox
folder pane (quoted, literal and modified UTF-7 names) and its SELECT NO error.
"""

from __future__ import annotations

import dataclasses

from tests.hostile.payloads import ALL, assert_clean
from tests.support.hostile_imap import HostileImap
from tests.tui.conftest import notifications, screen_text, wait_for
from tests.tui.test_oauth_actions import NAME, SCOPE, idp_records, main_ready, token_record
from tui.app.screens.inbox import InboxScreen
from tui.core.models.mail import MailComponent
from tui.core.records import Records


def _clean(app, where):
    assert_clean(screen_text(app), where)
    for text in notifications(app):
        assert_clean(text, f"{where} notification")


async def test_token_panel_and_refresh_notification(idp, open_session, tui_app) -> None:
    records = idp_records(idp)
    comp = records.get(NAME)
    issued = idp.issue_token("alice@example.test", scope=SCOPE)
    stored = dataclasses.replace(
        token_record(issued, comp),
        last_error="stored " + ALL,  # as an older version may have saved it
        last_error_advice=ALL,
        scope=ALL,
        id_claims={"email": ALL},
    )
    records.set_token("Test", NAME, stored)
    session = open_session(records)
    app = tui_app(session=session)
    async with app.run_test(size=(120, 40)) as pilot:
        await main_ready(app, pilot)
        await wait_for(pilot, lambda: "stored" in screen_text(app))
        _clean(app, "token panel")
        idp.fail_next_token("invalid_grant", "AADSTS70000: " + ALL)
        await pilot.press("r")
        await wait_for(pilot, lambda: any("AADSTS70000" in n for n in notifications(app)))
        await pilot.pause(0.2)
        _clean(app, "after a refused refresh")


async def test_inbox_folder_names_and_select_error(open_session, tui_app) -> None:
    with HostileImap(text=ALL, list_mode="hostile", select_no=True) as server:
        records = Records()
        records.add(
            MailComponent(name="Evil", host="127.0.0.1", port=server.port, protocol="imap",
                          auth="password", username="u", password="pw-secret-1",
                          allow_plaintext=True, timeout=10)
        )  # fmt: skip
        session = open_session(records)
        app = tui_app(session=session)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await main_ready(app, pilot)
            screen.sidebar.select_name("Evil")
            await wait_for(pilot, lambda: screen.showing == "Evil")
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
            inbox = app.screen
            folders = inbox.query_one("#folders")
            await wait_for(pilot, lambda: folders.option_count >= 4)
            await wait_for(pilot, lambda: notifications(app))  # SELECT was refused
            await pilot.pause(0.2)
            text = screen_text(app)
            assert "U7" in text and "reversed" in text
            _clean(app, "inbox")


async def test_notifications_show_markup_literally(idp, open_session, tui_app) -> None:
    """A toast naming something a user typed (a component called ``[@click=app.quit]``)
    shows it as typed: markup is off unless a caller asks for it."""
    app = tui_app(session=open_session(idp_records(idp)))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        app.notify("Saved [b]x[/b] [@click=app.quit]go[/]")
        await pilot.pause(0.1)
        shown = list(app._notifications)[-1]
        assert shown.markup is False
        assert "[@click=app.quit]go[/]" in str(shown.message)
        assert app.is_running
