"""The first tokens of a sign-in are kept like a rotated refresh token.

A redeemed authorization code or device code cannot be redeemed again: once the server
issued the tokens, a failed save must not cost a new sign-in. With an injected ENOSPC at the
vault save, the reply is kept in the sealed 0600 journal beside the vault and saved on the
next open, for the code exchange and for the device grant. On a real full file system (a
small tmpfs, as root) nothing is redeemed: the device code still works once space is free.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

import pytest

from tests.support.fixtures_oauth import oauth_component
from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE, cli_env, run_cli
from tests.support.tmpfs import fill, small_tmpfs
from tui.core.errors import OperationFailed
from tui.core.models.oauth import TokenRecord
from tui.core.oauth.device import DeviceFlow
from tui.core.oauth.flow import AuthorizationAttempt
from tui.core.oauth.tokens import fresh_token
from tui.core.records import Records
from tui.core.session import Session
from vault import Vault, journal_path_for


def _no_space(step: str) -> None:
    if step == "temp-written":
        raise OSError(errno.ENOSPC, "No space left on device")


def _sign_in(grant: str, session: Session) -> TokenRecord:
    comp = session.records.get_oauth("Mail")
    if grant == "code":
        attempt = AuthorizationAttempt(comp, session=session, env="Test")
        attempt.open_browser()
        return attempt.wait(timeout=20)
    return DeviceFlow(comp, session=session, env="Test").wait(timeout=20)


@pytest.fixture
def fast_idp(idp, browser_env):
    idp.device_interval = 0.05
    return idp


@pytest.mark.parametrize(
    ("grant", "stat_key"), [("code", "code_exchange"), ("device", "device_poll")]
)
def test_tokens_whose_save_fails_are_journaled_and_saved_on_the_next_open(
    oauth_session, fast_idp, grant, stat_key
):
    idp = fast_idp
    session, _ = oauth_session(tokens=False)
    session.vault._on_step = _no_space
    with pytest.raises(OperationFailed, match="kept in .*journal.*next time") as err:
        _sign_in(grant, session)
    assert "no space left" in err.value.message
    assert idp.stats[stat_key] >= 1  # the server issued the tokens
    journal = journal_path_for(session.path)
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    sealed = journal.read_bytes()
    Session.open(session.path, PASSPHRASE)  # the next open saves the journal's tokens
    assert not journal.exists()
    saved = Session.open(session.path, PASSPHRASE).records.token("Test", "Mail")
    assert saved is not None and saved.account == "alice@example.test"
    assert saved.refresh_token.encode() not in sealed and saved.access_token.encode() not in sealed
    assert idp.token_state(saved.access_token) == "active"
    assert idp.token_state(saved.refresh_token) == "active"
    # No new sign-in needed: the journaled refresh token works.
    redeemed = idp.stats[stat_key]
    tok = fresh_token(Session.open(session.path, PASSPHRASE), "Mail", "Test", force=True)
    assert idp.token_state(tok.access_token) == "active" and idp.stats[stat_key] == redeemed


@pytest.mark.parametrize("grant", ["code", "device"])
def test_journaled_tokens_are_used_while_the_vault_still_cannot_be_saved(
    oauth_session, fast_idp, grant, monkeypatch
):
    session, _ = oauth_session(tokens=False)
    monkeypatch.setattr(Vault, "_step", lambda self, step: _no_space(step))
    with pytest.raises(OperationFailed):
        _sign_in(grant, session)
    reopened = Session.open(session.path, PASSPHRASE)  # its save fails too
    tok = reopened.records.token("Test", "Mail")
    assert tok is not None and fast_idp.token_state(tok.access_token) == "active"
    assert journal_path_for(session.path).exists()  # still pending


def _vault_on(mount: Path, idp) -> Session:
    records = Records()
    records.add(oauth_component(idp))
    path = mount / "v.tokendesk"
    Vault.create(path, PASSPHRASE, records.to_payload(), kdf=CHEAP_KDF)
    return Session.open(path, PASSPHRASE)


def test_a_full_disk_fails_the_device_poll_before_the_device_code_is_redeemed(fast_idp, tmp_path):
    idp = fast_idp
    idp.device_pending_polls = 0
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        session = _vault_on(mount, idp)
        flow = DeviceFlow(session.records.get_oauth("Mail"), session=session, env="Test")
        fill(mount)
        with pytest.raises(OperationFailed, match="the device code was not redeemed") as err:
            flow.poll()
        assert "no space left" in err.value.message
        assert idp.stats["device_poll"] == 0  # nothing was sent
        (mount / "filler").unlink()
        tok = flow.poll()  # the same device code, once there is space
        assert tok is not None and idp.token_state(tok.refresh_token) == "active"
        assert Session.open(session.path, PASSPHRASE).records.token("Test", "Mail") == tok


def test_a_full_disk_fails_the_code_exchange_before_the_code_is_redeemed(fast_idp, tmp_path):
    idp = fast_idp
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        session = _vault_on(mount, idp)
        fill(mount)
        with pytest.raises(OperationFailed, match="the authorization code was not redeemed"):
            _sign_in("code", session)
        assert idp.stats["code_exchange"] == 0
        assert Session.open(session.path, PASSPHRASE).records.token("Test", "Mail") is None


def test_a_disk_filling_up_while_the_device_grant_answers_keeps_the_tokens(fast_idp, tmp_path):
    """The space reserved before the poll is there for the save."""
    idp = fast_idp
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        session = _vault_on(mount, idp)
        real = idp._grant_device

        def answer_then_fill(client, form):
            reply = real(client, form)
            if "access_token" in reply:
                fill(mount)
            return reply

        idp._grant_device = answer_then_fill
        tok = _sign_in("device", session)
        on_disk = Session.open(session.path, PASSPHRASE).records.token("Test", "Mail")
        assert on_disk == tok and idp.token_state(tok.refresh_token) == "active"
        assert not journal_path_for(session.path).exists()


def test_the_cli_device_sign_in_on_a_full_disk_says_nothing_was_redeemed(fast_idp, tmp_path):
    idp = fast_idp
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        session = _vault_on(mount, idp)
        fill(mount)
        res = run_cli("authorize", "Mail", "--device", env=cli_env(session.path))
        assert res.returncode == 1, res.stderr
        assert "no space left" in res.stderr and "the device code was not redeemed" in res.stderr
        assert "Traceback" not in res.stderr and idp.stats["device_poll"] == 0
