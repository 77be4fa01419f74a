"""Fixtures for the TUI tests: apps on cheap-KDF vaults, a frozen clock, screen text."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from tests.agent.conftest import agent_setup  # noqa: F401 - a fixture: real agents
from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE
from tui.app.app import TokendeskApp, make_app
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.records import Records
from tui.core.session import Session

FROZEN_NOW = 1_717_243_200.0  # 2024-06-01 12:00:00 UTC


def screen_text(app: TokendeskApp) -> str:
    """The current screen as plain text (what a person would read)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=True
        )
    )
    return console.export_text()


def notifications(app: TokendeskApp) -> list[str]:
    """The texts of the notifications currently shown."""
    return [str(n.message) for n in app._notifications]


async def wait_for(
    pilot, predicate: Callable[[], object], timeout: float = 15.0, step: float = 0.05
) -> None:
    """Let the app run until ``predicate()`` is true (fails the test after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', '')}")
        await pilot.pause(step)


def sample_records(now: float = FROZEN_NOW) -> Records:
    """Records with one fresh Microsoft token, one unauthorized IdP, one mail component."""
    records = Records()
    records.add(OAuthComponent(name="Microsoft365", type="microsoft", client_id="aaaa-bbbb"))
    records.add(
        OAuthComponent(
            name="Corporate IdP",
            authorization_url="https://idp.example.com/authorize",
            token_url="https://idp.example.com/token",
            client_id="tokendesk",
            client_secret="s3cret-value",
            scope="openid email offline_access imap",
            variable="CorpToken",
        )
    )
    records.add(
        MailComponent(
            name="Work mail",
            host="outlook.office365.com",
            username="user@example.com",
            token_ref="@Microsoft365",
        )
    )
    records.set_token(
        "Test",
        "Microsoft365",
        TokenRecord(
            access_token="access-token-test",
            refresh_token="refresh-token-test",
            expires_at=now + 3000,
            scope="offline_access https://outlook.office.com/IMAP.AccessAsUser.All",
            id_claims={"email": "user@example.com"},
            obtained_at=now - 600,
            refresh_token_issued_at=now - 2 * 86400,
        ),
    )
    return records


@pytest.fixture
def open_session(make_vault: Callable[..., Path]) -> Callable[..., Session]:
    """Create the test's vault from ``records`` (default: empty) and open it."""

    def make(records: Records | None = None) -> Session:
        return Session.open(make_vault(records), PASSPHRASE)

    return make


@pytest.fixture
def tui_app() -> Callable[..., TokendeskApp]:
    """Build an app (background refresh off unless asked for)."""

    def make(path: Path | None = None, session: Session | None = None, **kwargs) -> TokendeskApp:
        kwargs.setdefault("refresh_interval", None)
        kwargs.setdefault("kdf", CHEAP_KDF)
        return make_app(path or session.path, session=session, **kwargs)  # type: ignore[union-attr]

    return make


@pytest.fixture(autouse=True)
def _no_real_clipboard_or_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never open a real browser: only the test browser script when a test asks."""
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    monkeypatch.delenv("SSH_CLIENT", raising=False)


__all__ = ["FROZEN_NOW", "PASSPHRASE", "asyncio", "notifications", "screen_text", "wait_for"]
