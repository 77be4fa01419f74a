"""The TUI's POP3/Content fields on the inbound form, the outbound component form, and its
Test connection / Send test message actions against Dovecot's submission service."""

from __future__ import annotations

import email
from email.policy import default

from textual.widgets import Button, Input, Select, Static

from tests.support.fixtures_mail import OAUTH_USER
from tests.tui.conftest import notifications, screen_text, wait_for
from tui.app.widgets.outbound_panel import TEST_SUBJECT
from tui.core.models.mail import MailComponent
from tui.core.models.outbound import OutboundComponent


async def test_inbound_form_offers_pop3_and_content(open_session, tui_app) -> None:
    session = open_session()
    app = tui_app(session=session)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        screen = app.screen
        screen.query_one("#f-name", Input).value = "Pop"
        screen.query_one("#f-protocol", Select).value = "pop3s"
        await pilot.pause()
        assert screen.query_one("#f-port", Input).value == "995"
        screen.query_one("#f-host", Input).value = "pop.example.com"
        screen.query_one("#f-auth", Select).value = "password"
        await pilot.pause()
        screen.query_one("#f-username", Input).value = "me@example.com"
        screen.query_one("#f-password").value = "secret"
        screen.query_one("#f-content", Select).value = "attachments"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Pop" in session.records.components)
    comp = session.reload().get("Pop")
    assert isinstance(comp, MailComponent)
    assert (comp.protocol, comp.port, comp.content) == ("pop3s", 995, "attachments")


async def test_new_outbound_component_with_the_form(open_session, tui_app) -> None:
    session = open_session()
    app = tui_app(session=session)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        assert "New outbound email component" in screen_text(app)
        screen = app.screen
        assert screen.query_one("#f-port", Input).value == "465"
        screen.query_one("#f-name", Input).value = "Out"
        screen.query_one("#f-protocol", Select).value = "smtp"
        await pilot.pause()
        assert screen.query_one("#f-port", Input).value == "587"
        screen.query_one("#f-host", Input).value = "smtp.example.com"
        screen.query_one("#f-auth", Select).value = "password"
        await pilot.pause()
        screen.query_one("#f-username", Input).value = "me@example.com"
        screen.query_one("#f-password").value = "secret"
        screen.query_one("#f-from_address", Input).value = "Me@Example.com"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Out" in session.records.components)
        await wait_for(pilot, lambda: "Outbound email" in screen_text(app))
    comp = session.reload().get("Out")
    assert isinstance(comp, OutboundComponent)
    assert (comp.protocol, comp.port, comp.from_address) == ("smtp", 587, "Me@Example.com")


async def test_send_test_message_to_the_accounts_own_address(pop_vault, smtp_sink, tui_app):
    session = pop_vault.session()
    app = tui_app(session=session)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: "smtps-x" in screen_text(app))
        app.screen.sidebar.select_name("smtps-x")
        await wait_for(pilot, lambda: bool(app.screen.query("#smtp-send")))
        before = len(smtp_sink.received)
        app.screen.query_one("#smtp-test", Button).press()
        result = app.screen.query_one("#smtp-result", Static)
        await wait_for(pilot, lambda: "✓" in str(result.content), timeout=30)
        assert f"logged in as {OAUTH_USER}" in str(result.content)
        assert len(smtp_sink.received) == before  # a test sends nothing
        app.screen.query_one("#smtp-send", Button).press()
        await wait_for(pilot, lambda: "Sent a test message" in str(result.content), timeout=30)
        assert "Outbound check passed." in notifications(app)
    got = smtp_sink.wait_for(before + 1)[-1]
    msg = email.message_from_bytes(got.content, policy=default)
    assert got.rcpt_tos == (OAUTH_USER,) and msg["Subject"] == TEST_SUBJECT
    assert msg["To"] == OAUTH_USER


async def test_t_tests_an_outbound_component_too(pop_vault, smtp_sink, tui_app) -> None:
    app = tui_app(session=pop_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "smtps-x" in screen_text(app))
        app.screen.sidebar.select_name("smtps-x")
        await wait_for(pilot, lambda: bool(app.screen.query("#smtp-test")))
        app.screen.sidebar.focus()
        await pilot.pause()
        # The help lists t as "Test the mail connection": the footer shows it, and it works.
        assert "t" in app.active_bindings
        before = len(smtp_sink.received)
        await pilot.press("t")
        result = app.screen.query_one("#smtp-result", Static)
        await wait_for(pilot, lambda: "✓" in str(result.content), timeout=30)
        assert f"logged in as {OAUTH_USER}" in str(result.content)
        assert len(smtp_sink.received) == before


async def test_pop3_inbox_lists_and_opens_without_marking(pop_vault, corpus, tui_app) -> None:
    from tui.app.screens.inbox import InboxScreen
    from tui.app.screens.message import MessageScreen

    app = tui_app(session=pop_vault.session())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "pop3s-x" in screen_text(app))
        app.screen.sidebar.select_name("pop3s-x")
        await wait_for(pilot, lambda: app.screen.showing == "pop3s-x")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        inbox = app.screen
        await wait_for(pilot, lambda: inbox.rows.total and not inbox.rows.loading, timeout=30)
        assert inbox.rows.total == len(corpus)
        # One folder, no server search: no keys that could only say "POP3 cannot".
        assert not {"slash", "d", "f"} & set(app.active_bindings)
        await pilot.press("slash")
        assert not inbox.query_one("#inbox-query").display
        newest = inbox.message_list.current.summary
        assert isinstance(newest.uid, str) and newest.subject == corpus[-1].subject
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        await wait_for(pilot, lambda: app.screen.view is not None, timeout=30)
        assert app.screen.view.uid == newest.uid


async def test_username_placeholder_says_oauth_uses_the_tokens_account(open_session, tui_app):
    app = tui_app(session=open_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        username = app.screen.query_one("#f-username", Input)
        # Empty with OAuth logs in as the token's account: not a value to copy.
        assert username.placeholder == "empty: the token's account"
        app.screen.query_one("#f-auth", Select).value = "password"
        await pilot.pause()
        assert username.placeholder == "user@example.com"
        app.screen.query_one("#f-auth", Select).value = "oauth"
        await pilot.pause()
        assert username.placeholder == "empty: the token's account"
