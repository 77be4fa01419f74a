"""The component forms: add, validate, presets, secrets, unsaved changes, delete."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from tests.tui.conftest import FROZEN_NOW, notifications, sample_records, screen_text, wait_for
from tui.app.screens.dialogs import ConfirmDialog, MessageDialog, UnsavedChangesDialog
from tui.app.screens.main import MainScreen
from tui.app.widgets.field import Field
from tui.app.widgets.secret_input import SecretInput
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent
from tui.core.models.presets import MICROSOFT_DEFAULT_SCOPE
from tui.core.records import Records


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


async def paste(app, pilot, text: str) -> None:
    """What a user's paste does in an Input (ctrl+v from the app's clipboard)."""
    app.copy_to_clipboard(text)
    await pilot.press("ctrl+v")


def field(app, key: str) -> Field:
    return app.screen.query_one(f"#field-{key}", Field)


async def test_add_oauth_component_with_the_keyboard(open_session, tui_app) -> None:
    session = open_session()
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await type_text(pilot, "Corp")
        # Tab through: type (select), issuer and Discover, then the authorization URL
        # (tenant is hidden).
        await pilot.press("tab", "tab", "tab", "tab")
        await paste(app, pilot, "https://idp.example.com/authorize")
        await pilot.press("tab")
        await paste(app, pilot, "https://idp.example.com/token")
        await pilot.press("tab", "tab", "tab", "tab")  # skip device, revocation, introspection
        await type_text(pilot, "client-1")
        await pilot.press("tab")
        await type_text(pilot, "secret-1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Corp" in session.records.components)
        await wait_for(pilot, lambda: app.screen.showing == "Corp")
        assert "Saved Corp." in notifications(app)
        assert "Corp" in screen_text(app)
        assert app.screen.sidebar.statuses["Corp"] == "needs authorization"
    comp = session.reload().get("Corp")
    assert isinstance(comp, OAuthComponent)
    assert comp.token_url == "https://idp.example.com/token"
    assert comp.client_secret == "secret-1"
    assert comp.variable == "Corp"
    assert comp.refresh_delay == 25


async def test_validation_errors_are_shown_at_their_field(open_session, tui_app) -> None:
    session = open_session()
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await type_text(pilot, "Corp")
        screen = app.screen
        screen.query_one("#f-token_url", Input).value = "http://idp.example.com/token"
        screen.query_one("#f-client_id", Input).value = "client"
        screen.query_one("#f-authorization_url", Input).value = "https://idp.example.com/a"
        await pilot.pause()
        assert "must use https" in field(app, "token_url").error
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not saved: fix the field marked in red." in notifications(app)
        assert "Corp" not in session.reload().components
        # Fix it; a bad delay is the next error.
        screen.query_one("#f-token_url", Input).value = "https://idp.example.com/token"
        screen.query_one("#f-refresh_delay", Input).value = "soon"
        await pilot.pause()
        assert not field(app, "token_url").is_invalid
        assert "whole number" in field(app, "refresh_delay").error
        screen.query_one("#f-refresh_delay", Input).value = "60"
        screen.query_one("#f-variable", Input).value = "not an identifier"
        await pilot.pause()
        assert "identifier" in field(app, "variable").error
        screen.query_one("#f-variable", Input).value = "CorpToken"
        await pilot.pause()
        assert not any(f.is_invalid for f in screen.query(Field))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Corp" in session.records.components)
    assert session.reload().get("Corp").refresh_delay == 60


async def test_duplicate_name_is_rejected_inline(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await type_text(pilot, "Microsoft365")
        screen = app.screen
        screen.query_one("#f-type", Select).value = "google"
        screen.query_one("#f-client_id", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "exists already" in field(app, "name").error


async def test_microsoft_preset_fills_and_locks_the_endpoints(open_session, tui_app) -> None:
    app = tui_app(session=open_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        screen = app.screen
        assert not field(app, "tenant").display
        screen.query_one("#f-type", Select).value = "microsoft"
        await pilot.pause()
        assert field(app, "tenant").display
        auth = screen.query_one("#f-authorization_url", Input)
        assert auth.value == "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
        assert auth.disabled
        assert screen.query_one("#f-scope", Input).value == MICROSOFT_DEFAULT_SCOPE
        screen.query_one("#f-tenant", Input).value = "organizations"
        await pilot.pause()
        token = screen.query_one("#f-token_url", Input)
        assert token.value == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        screen.query_one("#f-type", Select).value = "google"
        await pilot.pause()
        assert not field(app, "tenant").display
        assert token.value == "https://oauth2.googleapis.com/token"
        assert screen.query_one("#f-scope", Input).value == "https://mail.google.com/"
        screen.query_one("#f-type", Select).value = "custom"
        await pilot.pause()
        assert not token.disabled


async def test_client_secret_is_masked_not_copyable_and_revealed_on_request(
    open_session, tui_app
) -> None:
    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.sidebar.select_name("Corporate IdP")
        await wait_for(pilot, lambda: app.screen.showing == "Corporate IdP")
        await pilot.pause()
        secret = app.screen.query_one("#f-client_secret", SecretInput)
        assert secret.password and secret.value == "s3cret-value"
        assert "s3cret-value" not in screen_text(app)
        secret.focus()
        await pilot.press("ctrl+shift+a", "ctrl+c", "ctrl+x")
        assert app.clipboard == ""
        assert secret.value == "s3cret-value"
        assert "Copying a secret is disabled." in notifications(app)
        app.screen.query_one("#reveal-secret").press()
        await pilot.pause()
        assert not secret.password
        app.screen.query_one("#reveal-secret").press()
        await pilot.pause()
        assert secret.password


async def test_unsaved_changes_ask_before_leaving(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.showing == "Microsoft365" and screen.form)
        await pilot.pause()
        screen.query_one("#f-client_id", Input).value = "changed"
        await pilot.pause()
        assert screen.form.dirty
        await pilot.press("down")  # the sidebar has focus: move to the next component
        await wait_for(pilot, lambda: isinstance(app.screen, UnsavedChangesDialog))
        await pilot.press("escape")  # cancel: stay, keep the edit
        await pilot.pause()
        assert screen.showing == "Microsoft365"
        assert screen.sidebar.selected_name == "Microsoft365"
        assert screen.query_one("#f-client_id", Input).value == "changed"
        await pilot.press("down")
        await wait_for(pilot, lambda: isinstance(app.screen, UnsavedChangesDialog))
        await pilot.click("#discard")
        await wait_for(pilot, lambda: screen.showing == "Corporate IdP")
        assert session.reload().get("Microsoft365").client_id == "aaaa-bbbb"
        # Quitting with unsaved changes asks too; Save then quits.
        await pilot.pause()
        screen.query_one("#f-client_id", Input).value = "new-client"
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, UnsavedChangesDialog))
        await pilot.click("#save")
        await wait_for(pilot, lambda: app.return_code is not None)
    assert session.reload().get("Corporate IdP").client_id == "new-client"


async def test_delete_component_after_confirmation(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.sidebar.select_name("Corporate IdP")
        await wait_for(pilot, lambda: screen.showing == "Corporate IdP")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: "Corporate IdP" not in session.records.components)
        await wait_for(pilot, lambda: "Corporate IdP" not in screen.sidebar.statuses)
        # A component that others use cannot go: the message says why.
        screen.sidebar.select_name("Microsoft365")
        await wait_for(pilot, lambda: screen.showing == "Microsoft365")
        await pilot.press("delete")
        # Named before anything is asked: the email components that use its variable.
        await wait_for(pilot, lambda: isinstance(app.screen, MessageDialog))
        assert "'Work mail'" in screen_text(app) and "@Microsoft365" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "Microsoft365" in session.reload().components


async def test_add_inbound_email_component(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await type_text(pilot, "Corp mail")
        screen = app.screen
        token = screen.query_one("#f-token_ref", Select)
        assert [str(o[0]) for o in token._options if o[1] is not Select.NULL] == [
            "@Microsoft365",
            "@CorpToken",
        ]
        token.value = "@CorpToken"
        screen.query_one("#f-host", Input).value = "imap.example.com"
        await pilot.pause()
        assert not field(app, "password").display
        screen.query_one("#f-auth", Select).value = "password"
        await pilot.pause()
        assert field(app, "password").display and not field(app, "token_ref").display
        screen.query_one("#f-auth", Select).value = "oauth"
        screen.query_one("#f-protocol", Select).value = "imap"
        await pilot.pause()
        assert screen.query_one("#f-port", Input).value == "143"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Corp mail" in session.records.components)
        await wait_for(pilot, lambda: screen.showing == "Corp mail")
        assert screen.sidebar.statuses["Corp mail"] == "needs authorization"
        assert screen.query("#btn-inbox") and screen.query("#btn-test")
    comp = session.reload().get("Corp mail")
    assert isinstance(comp, MailComponent)
    assert (comp.protocol, comp.port, comp.token_ref) == ("imap", 143, "@CorpToken")


async def test_rename_keeps_tokens(open_session, tui_app) -> None:
    session = open_session(sample_records())
    app = tui_app(session=session, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.showing == "Microsoft365" and screen.form)
        await pilot.pause()
        screen.query_one("#f-name", Input).value = "M365"
        screen.query_one("#f-variable", Input).value = "Microsoft365"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "M365" in session.records.components)
        await wait_for(pilot, lambda: screen.sidebar.statuses.get("M365") == "fresh")
    records: Records = session.reload()
    assert records.token("Test", "M365") is not None


async def test_cancelled_question_does_not_stack_a_second_one(open_session, tui_app) -> None:
    # A tmux trial left a second dialog behind after Cancel, move, Discard; its Discard then
    # crashed on a form that no longer existed. (Pilot does not reproduce that timing; this
    # pins the sequence, and the guard now ignores answers for a replaced form.)
    session = open_session(sample_records())
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.showing == "Microsoft365" and screen.form)
        await pilot.pause()
        screen.query_one("#f-client_id", Input).value = "changed"
        await pilot.pause()
        assert screen.form.dirty
        await pilot.press("down")
        await wait_for(pilot, lambda: isinstance(app.screen, UnsavedChangesDialog))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("down")
        await wait_for(pilot, lambda: isinstance(app.screen, UnsavedChangesDialog))
        await pilot.click("#discard")
        await wait_for(pilot, lambda: screen.showing == "Corporate IdP")
        await pilot.pause(0.2)
        assert app.screen is screen  # no leftover question
        assert len(app.screen_stack) == 2  # the default screen and the main screen
        assert app.return_code is None


async def test_a_redraw_does_not_take_a_new_form_away(open_session, tui_app) -> None:
    from tui.app.messages import RecordsChanged

    app = tui_app(session=open_session(sample_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.showing == "Microsoft365")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await type_text(pilot, "Half done")
        # What a background refresh or another process's save does:
        screen.post_message(RecordsChanged())
        await pilot.pause(0.2)
        assert app.screen is screen and screen.showing is None
        assert screen.query_one("#f-name", Input).value == "Half done"


async def test_sidebar_shows_the_badge_of_every_environment(open_session, tui_app) -> None:
    records = sample_records()
    token = records.token("Test", "Microsoft365")
    records.set_token("Production", "Microsoft365", token)
    app = tui_app(session=open_session(records), clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, MainScreen) and screen.form)
        await pilot.pause(0.2)
        text = screen_text(app)
        # Microsoft365 and the mail component using its token show Production too.
        assert text.count("Production ●") == 2


@pytest.mark.parametrize("extra", [0, 25], ids=["no-scrollbar", "scrollbar"])
async def test_badges_keep_their_column(open_session, tui_app, extra) -> None:
    """With a scrollbar (many components) or without, and after moving, badges align."""
    records = sample_records()
    for i in range(extra):
        records.add(OAuthComponent(name=f"Comp{i}", type="microsoft", client_id="x"))
    app = tui_app(session=open_session(records))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, MainScreen) and screen.form)

        def ends() -> set[int]:
            lines = screen_text(app).splitlines()[2:6]
            return {len(line[:29].rstrip()) for line in lines if "●" in line or "○" in line}

        before = ends()
        await pilot.press("down")
        await pilot.pause(0.2)
        assert ends() == before == {26}  # one column, scrollbar or not


async def test_ctrl_s_on_an_untouched_new_form_says_what_is_missing(open_session, tui_app):
    session = open_session()
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press("ctrl+s")  # before typing anything
        await wait_for(
            pilot, lambda: "Not saved: fix the field marked in red." in notifications(app)
        )
        assert field(app, "name").is_invalid
        assert not session.reload().components


async def test_google_preset_says_its_client_secret_is_needed(open_session, tui_app) -> None:
    from textual.widgets import Static

    from tui.core.models.field_help import FIELD_HELP

    app = tui_app(session=open_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))

        def secret_help() -> str:
            return str(field(app, "client_secret").query_one(".field--help", Static).content)

        assert secret_help() == FIELD_HELP["client_secret"][1]  # "empty for public"
        app.screen.query_one("#f-type", Select).value = "google"
        await pilot.pause()
        # Not "empty for public": Google's token endpoint asks desktop-app clients for it.
        assert "Google wants it too" in secret_help()
        app.screen.query_one("#f-type", Select).value = "microsoft"
        await pilot.pause()
        assert secret_help() == FIELD_HELP["client_secret"][1]


async def test_top_bar_keeps_the_vault_file_name_at_80_columns(open_session, tui_app) -> None:
    from textual.widgets import Static

    session = open_session()
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause()
        bar = app.screen.query_one("#topbar", Static)
        text = str(bar.content)
        assert len(str(session.path)) > 40  # pytest's directories: longer than the room
        # The start of the path goes, the file name stays; nothing runs past the edge.
        assert text.endswith(str(session.path)[-20:]) and "…" in text, (text, bar.size)
        assert len(text) <= bar.content_region.width
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert str(bar.content).endswith(str(session.path))  # room for all of it
