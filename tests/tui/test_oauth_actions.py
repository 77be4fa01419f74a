"""OAuth2 actions against the real test IdP: authorize (browser, deny, SSH paste, device),
environments kept apart, refresh now, forget, copy redirect URI, background refresh."""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlsplit

import pytest
from textual.widgets import Input

from tests.support.fixtures_mail import token_record
from tests.support.idp import CONFIDENTIAL_CLIENT, TestIdP
from tests.tui.conftest import notifications, screen_text, wait_for
from tui.app.screens.authorize import SUCCESS, AuthorizeScreen
from tui.app.screens.dialogs import ConfirmDialog, EnvironmentPicker
from tui.app.screens.main import MainScreen
from tui.core.models.oauth import OAuthComponent
from tui.core.records import Records

NAME = "TestIdP"
SCOPE = "openid email offline_access imap"


def idp_records(idp: TestIdP, **changes) -> Records:
    records = Records()
    fields = dict(
        name=NAME,
        authorization_url=idp.authorize_url,
        token_url=idp.token_url,
        device_authorization_url=idp.device_url,
        client_id=CONFIDENTIAL_CLIENT[0],
        client_secret=CONFIDENTIAL_CLIENT[1],
        scope=SCOPE,
    )
    fields.update(changes)
    records.add(OAuthComponent(**fields))
    return records


async def main_ready(app, pilot) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
    await pilot.pause()
    return app.screen


def port_is_free(port: int) -> bool:
    """Can a server listen there again? (SO_REUSEADDR, as servers do: TIME_WAIT is fine.)"""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def test_authorize_in_the_browser(idp, browser_env, open_session, tui_app) -> None:
    session = open_session(idp_records(idp))
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        assert screen.sidebar.statuses[NAME] == "needs authorization"
        await pilot.press("a")
        await wait_for(pilot, lambda: SUCCESS in notifications(app))
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "fresh")
        assert app.screen is screen
        assert "alice@example.test" in screen_text(app)  # the token panel's account
    visit = browser_env.visits()[0]
    assert visit["status"] == 200 and "received with success" in visit["body"]
    records = session.reload()
    assert records.token("Test", NAME).refresh_token
    assert records.token("Production", NAME) is None


async def test_authorize_denied(idp, browser_env, open_session, tui_app) -> None:
    idp.authorize_mode = "deny"
    session = open_session(idp_records(idp))
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await wait_for(pilot, lambda: "access_denied" in screen_text(app))
        assert "denied" in " ".join(notifications(app))
        assert dialog.query_one("#retry").display
        port = dialog.attempt.port
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert port_is_free(port)
        assert screen.sidebar.statuses[NAME] == "needs authorization"
    assert session.reload().token("Test", NAME) is None


async def test_cancel_frees_the_port(idp, open_session, tui_app) -> None:
    # No browser here (SSH): the attempt waits until Esc.
    session = open_session(idp_records(idp, redirect_port=0))
    app = tui_app(session=session, environ={"SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22"})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.attempt is not None)
        port = dialog.attempt.port
        assert not port_is_free(port)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: port_is_free(port))


async def test_environments_keep_tokens_apart(idp, browser_env, open_session, tui_app) -> None:
    session = open_session(idp_records(idp))
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "fresh")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentPicker))
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen.env == "Production")
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "needs authorization")
        assert "Environment:  Production" in screen_text(app)
        assert "Token · Production" in screen_text(app)
        test_token = session.records.token("Test", NAME).access_token
        await pilot.press("a")
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "fresh")
        # Forgetting Production's tokens leaves Test's.
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "needs authorization")
    records = session.reload()
    assert records.current_environment == "Production"
    assert records.token("Production", NAME) is None
    assert records.token("Test", NAME).access_token == test_token


async def test_over_ssh_without_browser_paste_the_redirect(
    idp, browser_env, open_session, tui_app
) -> None:
    session = open_session(idp_records(idp))
    ssh = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 2222", "HOME": "/root"}
    app = tui_app(session=session, environ=ssh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.attempt is not None)
        port = dialog.attempt.port
        await wait_for(pilot, lambda: "No browser here" in screen_text(app))
        ssh_hint = str(dialog.query_one("#auth-ssh").content)
        assert f"-L {port}:127.0.0.1:{port}" in ssh_hint and "-p 2222" in ssh_hint
        assert str(dialog.query_one("#auth-url").content) == dialog.attempt.url
        # The user opens the URL elsewhere; the browser there cannot reach us, so they
        # copy the address it ends on and paste it.
        url = urlsplit(dialog.attempt.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", f"{url.path}?{url.query}")
        location = conn.getresponse().getheader("Location")
        conn.close()
        paste = dialog.query_one("#paste", Input)
        paste.value = "this is not it"
        await pilot.press("enter")
        error = dialog.query_one("#auth-error")
        await wait_for(pilot, lambda: "not the redirect URL" in str(error.content))
        # Visible at 80x24, not scrolled away under the paste field.
        await wait_for(pilot, lambda: "not the redirect URL" in screen_text(app))
        paste.value = location
        paste.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: SUCCESS in notifications(app))
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "fresh")
    assert browser_env.visits(timeout=0.2) == []  # no browser was launched
    assert session.reload().token("Test", NAME).access_token


async def test_device_code(idp, open_session, tui_app) -> None:
    idp.device_interval = 0.05
    idp.device_mode = "manual"
    session = open_session(idp_records(idp))
    app = tui_app(session=session, environ={"SSH_TTY": "/dev/pts/1"})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await pilot.press("f3")
        await wait_for(pilot, lambda: dialog.flow is not None)
        code = dialog.flow.user_code
        await wait_for(pilot, lambda: code in screen_text(app))
        assert "▀" in str(dialog.query_one("#auth-qr").content)  # the QR code
        assert port_is_free(urlsplit(dialog.attempt.redirect_uri).port)
        idp.approve_device(code)
        await wait_for(pilot, lambda: SUCCESS in notifications(app))
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "fresh")
    assert session.reload().token("Test", NAME).access_token


async def test_refresh_now_copy_uri_and_forget(idp, open_session, tui_app) -> None:
    records = idp_records(idp, redirect_port=53682)
    comp = records.get(NAME)
    issued = idp.issue_token("alice@example.test", scope=SCOPE)
    records.set_token("Test", NAME, token_record(issued, comp))
    session = open_session(records)
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        await pilot.press("c")
        assert app.clipboard == "http://127.0.0.1:53682/"
        assert any("for Test" in n and "53682" in n for n in notifications(app))
        assert "http://127.0.0.1:53682/" in screen_text(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: "Token refreshed for TestIdP (Test)." in notifications(app))
        assert idp.stats["refresh"] == 1
        assert session.records.token("Test", NAME).access_token != issued.access_token
        # A rejected refresh shows as an error badge and a notification, never a crash.
        idp.fail_next_token("invalid_grant", "refresh token revoked")
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "needs authorization")
        assert any("revoked" in n for n in notifications(app))
        assert "authorize again" in screen_text(app).lower()
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: session.records.token("Test", NAME) is None)


@pytest.mark.parametrize("fault", [None, "500"])
async def test_background_refresh(idp, open_session, tui_app, fault) -> None:
    records = idp_records(idp, refresh_delay=60)
    comp = records.get(NAME)
    issued = idp.issue_token("alice@example.test", scope=SCOPE)
    records.set_token("Test", NAME, token_record(issued, comp, expires_in=30))  # expiring
    session = open_session(records)
    idp.token_fault = fault
    app = tui_app(session=session, refresh_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_ready(app, pilot)
        if fault is None:
            await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "fresh")
            assert session.records.token("Test", NAME).access_token != issued.access_token
        else:
            await wait_for(pilot, lambda: screen.sidebar.statuses[NAME] == "error")
            await wait_for(pilot, lambda: any("Refresh of" in n for n in notifications(app)))
            assert isinstance(app.screen, MainScreen)
            attempts = idp.stats["faults"]
            await pilot.pause(0.6)
            assert idp.stats["faults"] == attempts  # backing off, not hammering


@pytest.mark.parametrize("browser", ["/nonexistent/browser", "sh -c 'exit 3'"])
async def test_browser_that_cannot_start_is_reported(
    idp, open_session, tui_app, browser, monkeypatch
) -> None:
    monkeypatch.setenv("BROWSER", browser)
    session = open_session(idp_records(idp))
    app = tui_app(session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await wait_for(pilot, lambda: "could not be opened" in screen_text(app))
        note = str(dialog.query_one("#auth-note").content)
        assert "could not be opened" in note and "paste" in note
        assert "Waiting for the browser" not in str(dialog.status.content)
        # The URL is there to open by hand, and the paste field has the focus.
        assert str(dialog.query_one("#auth-url").content).startswith(idp.authorize_url)
        assert isinstance(app.focused, Input) and app.focused.id == "paste"
        await pilot.press("escape")


async def test_device_code_qr_fits_at_80x24(idp, open_session, tui_app) -> None:
    idp.device_mode = "manual"
    session = open_session(idp_records(idp))
    app = tui_app(session=session, environ={"SSH_TTY": "/dev/pts/1"})
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await pilot.press("f3")
        await wait_for(pilot, lambda: dialog.flow is not None)
        code = dialog.flow.user_code
        await wait_for(pilot, lambda: code in screen_text(app))
        await pilot.pause(0.2)
        text = screen_text(app)
        qr = dialog.flow.qr_text().rstrip("\n").splitlines()
        assert all(line.strip() in text for line in qr)  # every row of the QR code
        await pilot.press("escape")


async def test_device_code_keys_copy_the_sign_in_address(idp, open_session, tui_app) -> None:
    idp.device_mode = "manual"
    session = open_session(idp_records(idp))
    app = tui_app(session=session, environ={"SSH_TTY": "/dev/pts/1"})
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.attempt is not None)
        assert "f3" in app.active_bindings
        await pilot.press("f3")
        await wait_for(pilot, lambda: dialog.flow is not None)
        flow = dialog.flow
        await wait_for(pilot, lambda: flow.user_code in screen_text(app))
        # f3 again would only start over ("Try again" does that): not offered.
        assert "f3" not in app.active_bindings
        app.copy_to_clipboard("")
        await pilot.press("f2")
        await pilot.pause()
        # The device page, not the cancelled browser attempt's URL.
        assert app.clipboard == (flow.verification_uri_complete or flow.verification_uri)
        assert "Copied the sign-in address." in screen_text(app)
        await pilot.press("escape")


async def test_no_device_key_without_a_device_url(idp, open_session, tui_app) -> None:
    session = open_session(idp_records(idp, device_authorization_url=""))
    app = tui_app(session=session, environ={"SSH_TTY": "/dev/pts/1"})
    async with app.run_test(size=(80, 24)) as pilot:
        await main_ready(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeScreen))
        await wait_for(pilot, lambda: app.screen.attempt is not None)
        assert "f2" in app.active_bindings
        assert "f3" not in app.active_bindings
        await pilot.press("escape")


async def test_an_edit_by_another_process_reaches_the_tui_within_seconds(open_session, tui_app):
    """`tokendesk oauth edit` in another terminal: the next sign-in here uses the new scope
    (the 10 s refresh tick was too slow: an authorization started in between used the old)."""
    import dataclasses

    from tests.tui.conftest import PASSPHRASE
    from tui.core.session import Session

    records = Records()
    records.add(
        OAuthComponent(
            name="Corp",
            authorization_url="https://idp.example.com/authorize",
            token_url="https://idp.example.com/token",
            client_id="tokendesk",
            scope="openid imap",
        )
    )
    session = open_session(records)
    app = tui_app(session=session, refresh_interval=3600)  # no tick during the test
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
        other = Session.open(session.path, PASSPHRASE)  # as another process would
        with other.edit() as rec:
            comp = rec.get_oauth("Corp")
            rec.replace("Corp", dataclasses.replace(comp, scope="openid imap pop"))
        await wait_for(
            pilot, lambda: app.session.records.get_oauth("Corp").scope == "openid imap pop", 5
        )
