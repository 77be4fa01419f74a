"""A refresh whose reply cannot be saved must not lose the rotated refresh token.

On a real full file system (a small tmpfs, as root): a disk that is full before the
refresh fails it without spending the refresh token; a disk that fills up while the server
answers still gets the reply saved (the space was reserved first). With an injected ENOSPC
at the save, the reply is kept in a 0600 journal beside the vault and saved on the next open.
"""

from __future__ import annotations

import errno
import stat

import pytest

from tests.support.fixtures_oauth import oauth_component, token_record
from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE, cli_env, run_cli
from tests.support.tmpfs import fill, small_tmpfs
from tui.core.errors import OperationFailed
from tui.core.oauth.tokens import fresh_token
from tui.core.records import Records
from tui.core.session import Session
from vault import Vault, journal_path_for


def _vault_with_tokens(idp, path):
    records = Records()
    comp = oauth_component(idp)
    records.add(comp)
    issued = idp.issue_token(scope=comp.scope, client_id=comp.client_id)
    records.set_token("Test", comp.name, token_record(issued, expires_in=0))
    Vault.create(path, PASSPHRASE, records.to_payload(), kdf=CHEAP_KDF)
    return issued


def test_a_full_disk_fails_the_refresh_before_the_token_is_spent(idp, tmp_path):
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        path = mount / "v.tokendesk"
        issued = _vault_with_tokens(idp, path)
        fill(mount)
        res = run_cli("token", "Mail", "--force-refresh", env=cli_env(path))
        assert res.returncode == 1, res.stderr
        assert "no space left" in res.stderr and "refresh token was not spent" in res.stderr
        assert idp.stats["refresh"] == 0
        assert idp.token_state(issued.refresh_token) == "active"
        (mount / "filler").unlink()
        res = run_cli("token", "Mail", "--force-refresh", env=cli_env(path))
        assert res.returncode == 0, res.stderr
        assert idp.token_state(res.stdout.strip()) == "active"


def test_a_disk_filling_up_while_the_server_answers_keeps_the_rotation(idp, tmp_path):
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        path = mount / "v.tokendesk"
        issued = _vault_with_tokens(idp, path)
        real = idp._grant_refresh

        def rotate_then_fill(client, form):
            reply = real(client, form)
            fill(mount)  # the disk is full by the time the reply arrives
            return reply

        idp._grant_refresh = rotate_then_fill
        session = Session.open(path, PASSPHRASE)
        tok = fresh_token(session, "Mail", "Test", force=True)
        assert idp.token_state(issued.refresh_token) == "rotated"
        on_disk = Session.open(path, PASSPHRASE).records.token("Test", "Mail")
        assert on_disk.refresh_token == tok.refresh_token
        assert idp.token_state(on_disk.refresh_token) == "active"
        assert not journal_path_for(path).exists()


def test_a_failed_save_keeps_the_reply_in_a_journal_replayed_on_open(oauth_session, idp):
    session, records = oauth_session(expires_in=0)
    old = records.token("Test", "Mail")

    session.vault._on_step = _no_space
    with pytest.raises(OperationFailed, match="kept in .*journal.*next time") as err:
        fresh_token(session, "Mail", "Test", force=True)
    assert "no space left" in err.value.message
    journal = journal_path_for(session.path)
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert old.refresh_token.encode() not in journal.read_bytes()  # sealed, not plain
    assert idp.token_state(old.refresh_token) == "rotated"  # the server moved on
    # The next open saves the journal's tokens; the rotated refresh token works.
    reopened = Session.open(session.path, PASSPHRASE)
    assert not journal.exists()
    saved = reopened.records.token("Test", "Mail")
    assert saved.refresh_token != old.refresh_token
    assert idp.token_state(saved.refresh_token) == "active"
    assert Session.open(session.path, PASSPHRASE).records.token("Test", "Mail") == saved
    tok = fresh_token(reopened, "Mail", "Test", force=True)
    assert idp.token_state(tok.access_token) == "active"


def test_a_journal_is_used_in_memory_while_the_vault_still_cannot_be_saved(
    oauth_session, idp, monkeypatch
):
    session, _ = oauth_session(expires_in=0)
    monkeypatch.setattr(Vault, "_step", lambda self, step: _no_space(step))
    with pytest.raises(OperationFailed):
        fresh_token(session, "Mail", "Test", force=True)
    reopened = Session.open(session.path, PASSPHRASE)  # its save fails too
    tok = reopened.records.token("Test", "Mail")
    assert idp.token_state(tok.refresh_token) == "active"
    assert journal_path_for(session.path).exists()  # still pending


def _no_space(step):
    if step == "temp-written":
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_left_over_reservation_is_ignored(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    leftover = journal_path_for(session.path).with_suffix(".journal.new")
    leftover.write_bytes(bytes(4096))  # a crash between reserve and commit
    tok = fresh_token(session, "Mail", "Test", force=True)
    assert idp.token_state(tok.refresh_token) == "active"
    assert not leftover.exists()
