"""Inbox and message view against the real test Dovecot (XOAUTH2 with the IdP's token)."""

from __future__ import annotations

from tests.support.fixtures_mail import OAUTH_USER
from tests.support.mailgen import BULK_FOLDER
from tests.tui.conftest import screen_text, wait_for
from tui.app.screens.inbox import InboxScreen
from tui.app.screens.main import MainScreen
from tui.app.screens.message import MessageScreen
from tui.app.widgets.message_list import MessageList

MAIL = "imaps-x"


async def open_main(app, pilot) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
    return app.screen


async def test_open_inbox_and_read_messages(mail_vault, corpus, tui_app) -> None:
    session = mail_vault.session()
    app = tui_app(session=session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_main(app, pilot)
        screen.sidebar.select_name(MAIL)
        await wait_for(pilot, lambda: screen.showing == MAIL)
        assert screen.sidebar.statuses[MAIL] == "fresh"
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        inbox = app.screen
        await wait_for(pilot, lambda: inbox.rows.total and not inbox.rows.loading)
        assert inbox.rows.total == len(corpus)
        text = screen_text(app)
        assert f"{len(corpus)} messages" in text
        # Newest first; markup in subjects and names is shown literally.
        newest = inbox.message_list.current.summary
        assert newest.uid == len(corpus) and newest.subject == corpus[-1].subject
        assert "[b]hi[/b] [@click=app.quit]x[/]" in text
        assert "[red]Mallory[/red]" in text
        assert "Grüße aus Köln ☕" in text
        # The folder list comes from the server.
        folders = inbox.query_one("#folders")
        assert {o.id for o in folders.options} >= {"folder:INBOX", f"folder:{BULK_FOLDER}"}
        # Open the message with attachments (UID 9): headers, body, attachment sizes.
        inbox.message_list.cursor = len(corpus) - 9
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        message = app.screen
        await wait_for(pilot, lambda: message.view is not None)
        text = screen_text(app)
        seeded = corpus[8]
        assert seeded.subject in text and seeded.sender in text
        assert "scan.pdf  3.0 MB" in text
        assert seeded.body_snippet in message.query_one("#message-body").text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is inbox)
        # The markup message opens literally too, and nothing was marked as seen.
        inbox.message_list.cursor = len(corpus) - 10
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        await wait_for(pilot, lambda: app.screen.view is not None)
        assert "[b]hi[/b] [@click=app.quit]x[/]" in screen_text(app)
        assert "[bold]not bold[/bold]" in app.screen.query_one("#message-body").text
        assert "\\Seen" not in app.screen.view.flags
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.return_code is None  # [@click=app.quit] did not quit


async def test_html_only_message_is_converted(mail_vault, corpus, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_main(app, pilot)
        inbox = InboxScreen(MAIL, "Test", "INBOX")
        await app.push_screen(inbox)
        await wait_for(pilot, lambda: inbox.rows.count == len(corpus))
        inbox.message_list.cursor = len(corpus) - 3  # "Newsletter", HTML only
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        await wait_for(pilot, lambda: app.screen.view is not None)
        body = app.screen.query_one("#message-body").text
        assert body.startswith("[converted from HTML")
        assert corpus[2].body_snippet in body and "<" not in body


async def test_paging_in_a_big_folder(mail_vault, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_main(app, pilot)
        inbox = InboxScreen(MAIL, "Test", "INBOX", page_size=50, max_pages=3)
        await app.push_screen(inbox)
        await wait_for(pilot, lambda: inbox.rows.count > 0 and not inbox.rows.loading)
        # Choose the 10,000-message folder from the folder list, with the keyboard.
        await wait_for(pilot, lambda: inbox.query_one("#folders").option_count > 1)
        await pilot.press("f")
        folders = inbox.query_one("#folders")
        folders.highlighted = folders.get_option_index(f"folder:{BULK_FOLDER}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.folder == BULK_FOLDER)
        rows = inbox.rows
        await wait_for(pilot, lambda: rows.total == 10_000 and not rows.loading)
        assert rows.cached_pages <= 2  # only what is near the viewport
        assert isinstance(app.focused, MessageList)
        # The list is the whole folder: its height is the message count (the scrollbar).
        assert inbox.message_list.virtual_size.height == 10_000
        for _ in range(3):
            await pilot.press("pagedown")
            await wait_for(pilot, lambda: not rows.loading)
        # End: the oldest message in one step, with one page fetched.
        await pilot.press("end")
        await wait_for(pilot, lambda: rows.row(9_999) is not None)
        assert rows.row(9_999).summary.uid == 1
        assert inbox.message_list.cursor == 9_999
        assert rows.row(9_999).summary.subject in screen_text(app)
        uids = [rows.row(i).summary.uid for i in range(9_950, 10_000) if rows.row(i)]
        assert uids == list(range(50, 0, -1))  # no gaps, no duplicates
        assert rows.cached_pages <= 3
        # Home: the newest again.
        await pilot.press("g")
        await wait_for(pilot, lambda: rows.row(0) is not None)
        assert rows.row(0).summary.uid == 10_000 and rows.cached_pages <= 3
        # r re-reads the folder from the newest page.
        await pilot.press("r")
        await wait_for(pilot, lambda: rows.row(0) is not None and not rows.loading)


async def test_test_connection_shows_the_result_inline(mail_vault, corpus, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_main(app, pilot)
        screen.sidebar.select_name(MAIL)
        await wait_for(pilot, lambda: screen.showing == MAIL)
        await pilot.pause()
        await pilot.press("t")
        result = screen.query_one("#mail-result")
        await wait_for(pilot, lambda: "✓" in str(result.content) or "✗" in str(result.content))
        text = str(result.content)
        assert f"logged in as {OAUTH_USER}" in text and f"INBOX has {len(corpus)} messages" in text
        screen.sidebar.select_name("plain-refused")
        await wait_for(pilot, lambda: screen.showing == "plain-refused")
        await pilot.pause()
        await pilot.press("t")
        result = screen.query_one("#mail-result")
        await wait_for(pilot, lambda: "✗" in str(result.content))
        assert "STARTTLS" in str(result.content)


async def test_inbox_error_is_shown_not_raised(mail_vault, tui_app) -> None:
    mail_vault.idp.revoke(mail_vault.token.refresh_token)
    mail_vault.idp.expire(mail_vault.token.access_token)
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_main(app, pilot)
        inbox = InboxScreen(MAIL, "Test", "INBOX")
        await app.push_screen(inbox)
        await wait_for(pilot, lambda: inbox.error)
        assert "authoriz" in inbox.error.lower()
        await wait_for(pilot, lambda: "✗" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_inbox_of_a_never_authorized_component(mail_vault, tui_app) -> None:
    session = mail_vault.session()
    with session.edit() as records:
        for env in records.environments:
            for name in list(records.tokens.get(env, {})):
                records.drop_token(env, name)
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_main(app, pilot)
        inbox = InboxScreen(MAIL, "Test", "INBOX")
        await app.push_screen(inbox)
        await wait_for(pilot, lambda: inbox.error)
        await wait_for(pilot, lambda: "see the error above" in screen_text(app))
        text = screen_text(app)
        assert "Loading" not in text  # never stuck on "Loading…" after an error
        assert "not authorized yet" in inbox.error and "press a to authorize" in inbox.error
        assert "again" not in inbox.error
        assert "--" not in text  # no CLI flag or command in the TUI


async def test_certificate_failure_names_no_cli_flag(mail_vault, tui_app) -> None:
    import dataclasses

    session = mail_vault.session()
    with session.edit() as records:
        comp = records.get_mail(MAIL)
        records.replace(MAIL, dataclasses.replace(comp, ca_file=""))
    app = tui_app(session=session)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_main(app, pilot)
        screen.sidebar.select_name(MAIL)
        await wait_for(pilot, lambda: screen.showing == MAIL)
        await pilot.pause()
        await pilot.press("t")
        result = screen.query_one("#mail-result")
        await wait_for(pilot, lambda: "✗" in str(result.content))
        text = str(result.content)
        assert "CA file" in text and "--" not in text
