"""Snapshots of the main screens at 80x24 and 120x40 (frozen clock, fixed data and paths).

Update after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE
from tests.tui.conftest import FROZEN_NOW, sample_records, wait_for
from tui.app.app import make_app
from tui.app.screens.inbox import InboxScreen
from tui.app.screens.main import MainScreen
from tui.core.models.oauth import OAuthComponent
from tui.core.records import Records
from tui.core.session import Session
from vault import Vault

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fixed-looking vault path: ``~/vault.tokendesk`` under a temporary home."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LOGNAME", "pat")
    return tmp_path / "vault.tokendesk"


def app_on(path: Path, records: Records | None = None, **kwargs):
    Vault.create(path, PASSPHRASE, (records or Records()).to_payload(), kdf=CHEAP_KDF)
    session = Session.open(path, PASSPHRASE) if kwargs.pop("unlocked", True) else None
    return make_app(
        path, session=session, clock=lambda: FROZEN_NOW, refresh_interval=None, **kwargs
    )


async def settle(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.form)
    await pilot.pause(0.1)
    steady(app)


async def still(pilot) -> None:
    await pilot.pause()
    steady(pilot.app)


def steady(app) -> None:
    """No blinking cursors: a snapshot must not depend on when it is taken."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
def test_unlock_screen(snap_compare, home, size) -> None:
    assert snap_compare(app_on(home, unlocked=False), terminal_size=size, run_before=still)


@pytest.mark.parametrize("size", SIZES)
def test_create_vault_screen(snap_compare, home, size) -> None:
    app = make_app(home, kdf=CHEAP_KDF, clock=lambda: FROZEN_NOW, refresh_interval=None)
    assert snap_compare(app, terminal_size=size, run_before=still)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_oauth_form(snap_compare, home, size) -> None:
    assert snap_compare(app_on(home, sample_records()), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_token_details(snap_compare, home, size) -> None:
    """Microsoft365's token: granted scopes lack SMTP.Send, so the view shows the fix."""

    async def run_before(pilot) -> None:
        from tui.app.screens.token_details import TokenDetailsScreen

        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TokenDetailsScreen))
        await pilot.pause(0.1)

    app = app_on(home, sample_records())
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_mail_form(snap_compare, home, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.sidebar.select_name("Work mail")
        await wait_for(pilot, lambda: pilot.app.screen.showing == "Work mail")
        await pilot.pause(0.1)

    app = app_on(home, sample_records())
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_new_component_with_errors(snap_compare, home, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause(0.1)
        await pilot.press(*"Corp")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        pilot.app.clear_notifications()
        steady(pilot.app)
        await pilot.pause(0.1)

    app = app_on(home, sample_records())
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, home, size) -> None:
    app = app_on(home, sample_records())
    assert snap_compare(app, terminal_size=size, run_before=settle, press=["f1"])


@pytest.mark.parametrize("size", SIZES)
def test_environment_picker(snap_compare, home, size) -> None:
    app = app_on(home, sample_records())
    assert snap_compare(app, terminal_size=size, run_before=settle, press=["e"])


@pytest.mark.parametrize("size", SIZES)
def test_authorize_over_ssh(snap_compare, home, size, monkeypatch) -> None:
    # Deterministic URL: fixed port, and fixed state/PKCE values for this snapshot only.
    monkeypatch.setattr("tui.core.oauth.flow.secrets.token_urlsafe", lambda n=32: "x" * n)
    records = Records()
    records.add(
        OAuthComponent(
            name="Microsoft365", type="microsoft", client_id="aaaa-bbbb", redirect_port=53682
        )
    )
    ssh = {"SSH_CONNECTION": "192.0.2.10 50000 192.0.2.1 22"}

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "attempt", None) is not None)
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#auth-ssh").display)
        steady(pilot.app)
        await pilot.pause(0.1)

    app = app_on(home, records, environ=ssh)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_inbox_and_message(snap_compare, home, size, dovecot, mail_idp, corpus) -> None:
    from tests.support.fixtures_mail import (
        IMAP_SCOPE,
        OAUTH_NAME,
        OAUTH_USER,
        mail_components,
        oauth_component,
        token_record,
    )

    records = Records()
    oauth = oauth_component(mail_idp)
    records.add(oauth)
    records.add(mail_components(dovecot)[0])
    issued = mail_idp.issue_token(OAUTH_USER, scope=IMAP_SCOPE)
    records.set_token("Test", OAUTH_NAME, token_record(issued, oauth))

    async def run_before(pilot) -> None:
        await settle(pilot)
        inbox = InboxScreen("imaps-x", "Test", "INBOX")
        await pilot.app.push_screen(inbox)
        await wait_for(pilot, lambda: inbox.rows.total and not inbox.rows.loading)
        await wait_for(pilot, lambda: inbox.query_one("#folders").option_count > 1)
        await pilot.pause(0.2)

    app = app_on(home, records)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_message_view(snap_compare, home, size, dovecot, mail_idp, corpus) -> None:
    from tests.support.fixtures_mail import (
        IMAP_SCOPE,
        OAUTH_NAME,
        OAUTH_USER,
        mail_components,
        oauth_component,
        token_record,
    )
    from tui.app.screens.message import MessageScreen

    records = Records()
    oauth = oauth_component(mail_idp)
    records.add(oauth)
    records.add(mail_components(dovecot)[0])
    issued = mail_idp.issue_token(OAUTH_USER, scope=IMAP_SCOPE)
    records.set_token("Test", OAUTH_NAME, token_record(issued, oauth))

    async def run_before(pilot) -> None:
        await settle(pilot)
        inbox = InboxScreen("imaps-x", "Test", "INBOX")
        await pilot.app.push_screen(inbox)
        await wait_for(pilot, lambda: inbox.rows.total and not inbox.rows.loading)
        inbox.message_list.cursor = len(corpus) - 9  # attachments
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MessageScreen))
        await wait_for(pilot, lambda: pilot.app.screen.view is not None)
        await pilot.pause(0.2)

    app = app_on(home, records)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
