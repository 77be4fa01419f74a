"""Inbox search, go to date, and the message view's actions against the real Dovecot."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from tests.support.mailgen import BULK_FOLDER
from tests.tui.conftest import notifications, screen_text, wait_for
from tui.app.screens.dialogs import PromptDialog
from tui.app.screens.inbox import InboxScreen
from tui.app.screens.main import MainScreen
from tui.app.screens.message import MessageScreen

MAIL = "imaps-x"


async def inbox_on(app, pilot, folder: str = "INBOX", **kwargs) -> InboxScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
    inbox = InboxScreen(MAIL, "Test", folder, **kwargs)
    await app.push_screen(inbox)
    await wait_for(pilot, lambda: inbox.rows.total and not inbox.rows.loading)
    return inbox


async def test_search_on_the_server_lists_the_hits(mail_vault, corpus, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await inbox_on(app, pilot)
        assert {"slash", "d", "f"} <= set(app.active_bindings)  # IMAP: all offered
        await pilot.press("slash")
        query = inbox.query_one("#inbox-query", Input)
        await wait_for(pilot, lambda: app.focused is query)
        query.value = "subject:Quarterly"
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.hits is not None and not inbox.rows.loading)
        await wait_for(pilot, lambda: inbox.rows.row(0) is not None)
        assert inbox.rows.count == 1
        assert inbox.rows.row(0).summary.subject == "Quarterly report"
        assert "1 found" in screen_text(app)
        # Esc leaves the search: the whole folder again, the inbox stays open.
        await pilot.press("escape")
        await wait_for(pilot, lambda: inbox.rows.count == len(corpus))
        assert app.screen is inbox
        # A bad date is refused with a one-line reason.
        await pilot.press("slash")
        query.value = "since:2024-13-40"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("bad date" in n for n in notifications(app)))


async def test_go_to_a_date_in_a_big_folder(mail_vault, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await inbox_on(app, pilot, BULK_FOLDER, page_size=50, max_pages=3)
        await pilot.press("d")
        box = inbox.query_one("#inbox-date", Input)
        await wait_for(pilot, lambda: app.focused is box)
        box.value = "2024-03-05"
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.message_list.cursor > 0)
        await wait_for(pilot, lambda: inbox.message_list.current is not None)
        cursor = inbox.message_list.cursor
        row = inbox.message_list.current.summary
        assert row.date.date() <= date(2024, 3, 5)
        await wait_for(pilot, lambda: inbox.rows.row(cursor - 1) is not None)
        assert inbox.rows.row(cursor - 1).summary.date.date() > date(2024, 3, 5)


async def test_message_view_actions(mail_vault, corpus, tui_app, tmp_path) -> None:
    out = tmp_path / "saved"
    out.mkdir()
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await inbox_on(app, pilot)
        await wait_for(pilot, lambda: inbox.rows.row(0) is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        view = app.screen
        await wait_for(pilot, lambda: view.view is not None)
        assert view.view.subject == corpus[-1].subject
        # Next (older) without going back, then previous.
        await pilot.press("n")
        await wait_for(pilot, lambda: view.view is not None and view.view.uid == len(corpus) - 1)
        await pilot.press("p")
        await wait_for(pilot, lambda: view.view is not None and view.view.uid == len(corpus))
        # Every header.
        await pilot.press("h")
        await wait_for(pilot, lambda: "Message-ID" in screen_text(app)
                       or "Message-Id" in screen_text(app))  # fmt: skip
        # The message with attachments (UID 9): save twice, never overwriting.
        while view.view is None or view.view.uid != 9:
            await pilot.press("n")
            await wait_for(pilot, lambda: view.view is not None)
        for _ in range(2):
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
            app.screen.query_one(Input).value = str(out)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is view)
            await wait_for(pilot, lambda: sum("Saved" in n for n in notifications(app)) >= 1)
            await pilot.pause(0.3)
        await wait_for(pilot, lambda: len(list(out.iterdir())) == 4)
        names = sorted(p.name for p in out.iterdir())
        assert names == ["scan (1).pdf", "scan.pdf", "übersicht (1).txt", "übersicht.txt"]


async def test_malformed_date_says_it_is_the_received_date(mail_vault, corpus, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(120, 30)) as pilot:
        inbox = await inbox_on(app, pilot)
        subjects = [inbox.rows.row(i).summary.subject for i in range(inbox.rows.count)]
        index = next(i for i, subject in enumerate(subjects) if subject.startswith("Broken"))
        inbox.message_list.cursor = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        await wait_for(pilot, lambda: app.screen.view is not None)
        text = screen_text(app)
        assert "Received" in text and "server's received date" in text


async def test_mark_read_and_unread_is_explicit(mail_vault, corpus, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await inbox_on(app, pilot)
        await wait_for(pilot, lambda: inbox.rows.row(0) is not None)
        assert not inbox.rows.row(0).summary.seen
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        view = app.screen
        await wait_for(pilot, lambda: view.view is not None)
        assert "\\Seen" not in view.view.flags  # reading alone does not mark it read
        await pilot.press("m")
        await wait_for(pilot, lambda: "Marked read." in notifications(app))
        await pilot.press("m")
        await wait_for(pilot, lambda: "Marked unread." in notifications(app))
        assert not view.seen


async def test_save_key_is_offered_only_with_attachments(mail_vault, corpus, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        inbox = await inbox_on(app, pilot)
        await wait_for(pilot, lambda: inbox.rows.row(0) is not None)
        inbox.message_list.cursor = len(corpus) - 9  # UID 9: a scan and a text file
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        view = app.screen
        await wait_for(pilot, lambda: view.view is not None and view.view.uid == 9)
        await pilot.pause()
        assert "s" in app.active_bindings and "Save attachments" in screen_text(app)
        await pilot.press("p")  # UID 10 has none
        await wait_for(pilot, lambda: view.view is not None and view.view.uid == 10)
        await pilot.pause()
        assert "s" not in app.active_bindings
        assert "Save attachments" not in screen_text(app)


async def test_folder_list_moves_with_j_and_k(mail_vault, tui_app) -> None:
    app = tui_app(session=mail_vault.session())
    async with app.run_test(size=(80, 24)) as pilot:
        inbox = await inbox_on(app, pilot)
        folders = inbox.query_one("#folders")
        await wait_for(pilot, lambda: folders.option_count > 1)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.focused is folders)
        start = folders.highlighted
        await pilot.press("j")  # like the message list beside it
        assert folders.highlighted is not None and folders.highlighted > start
        moved = folders.highlighted
        await pilot.press("k")
        assert folders.highlighted is not None and folders.highlighted < moved
        folders.highlighted = folders.get_option_index(f"folder:{BULK_FOLDER}")
        await pilot.press("k", "j", "enter")
        await wait_for(pilot, lambda: inbox.folder == BULK_FOLDER)
