"""Vault hardening: passwd draws a new data key, bounded KDF cost, read-only file systems,
and no world-writable directories under umask 000."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import struct
import subprocess
import sys

import pytest

from tests.support.fixtures_vault import CHEAP_KDF, PASSPHRASE, REPO, cli_env, run_cli
from tests.support.tmpfs import IS_ROOT, remount_read_only, small_tmpfs
from tui.core.session import Session
from vault import (
    CorruptVault,
    KdfParams,
    UnsafeParameters,
    Vault,
    VaultPermissionError,
    WrongPassphrase,
)
from vault import format as fmt


def test_passwd_draws_a_new_data_key(make_vault, tmp_path):
    """An old copy plus the old passphrase must not open anything written after passwd."""
    path = make_vault()
    old_copy = tmp_path / "synced-copy.tokendesk"
    shutil.copy(path, old_copy)
    old_key = bytes(Vault.open(old_copy, PASSPHRASE)._key)
    session = Session.open(path, PASSPHRASE)
    session.change_passphrase("a new passphrase")
    assert not session.vault.backup_path.exists()  # it would open with the old passphrase
    with session.edit():
        pass  # a later save, with a new payload nonce
    header, ad, sealed = fmt.parse(path.read_bytes())
    with pytest.raises(CorruptVault):
        fmt.open_plaintext(old_key, header, ad, sealed)
    assert bytes(session.vault._key) != old_key
    reopened = Vault.open(path, "a new passphrase")
    assert reopened.payload == session.vault.payload
    with pytest.raises(WrongPassphrase):
        Vault.open(path, PASSPHRASE)


def _forged(path, kdf):
    """The vault at ``path`` with its header's KDF section replaced (a planted file)."""
    header, _, sealed = fmt.parse(path.read_bytes())
    raw = fmt.Header(kdf, header.salt, header.wrap_nonce, header.wrapped_key,
                     header.payload_nonce).to_bytes()  # fmt: skip
    path.write_bytes(b"TKDVAULT" + struct.pack(">HI", 1, len(raw)) + raw + sealed)


COSTLY = KdfParams(memory_kib=64 * 1024, iterations=13, lanes=1)  # 13/3 of the default


def test_a_costly_kdf_is_refused_before_it_runs(make_vault):
    path = make_vault()
    _forged(path, COSTLY)
    with pytest.raises(UnsafeParameters, match="more than 4 times the default"):
        Vault.open(path, PASSPHRASE)
    with pytest.raises(WrongPassphrase):  # opted in: it runs (and the forged key fails)
        Vault.open(path, PASSPHRASE, allow_costly_kdf=True)
    # The largest accepted cost still opens.
    assert fmt.KdfParams(memory_kib=256 * 1024, iterations=3).cost == fmt.MAX_COST


def test_the_cli_explains_the_costly_kdf_and_the_opt_in(make_vault):
    path = make_vault()
    _forged(path, COSTLY)
    res = run_cli("status", env=cli_env(path))
    assert res.returncode == 1 and "more than 4 times the default" in res.stderr
    assert "TOKENDESK_ALLOW_COSTLY_KDF=1" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("status", env=cli_env(path, TOKENDESK_ALLOW_COSTLY_KDF="1"))
    assert res.returncode == 1 and "wrong passphrase" in res.stderr.lower()


def test_a_costly_kdf_needs_the_opt_in_to_create(tmp_path):
    with pytest.raises(UnsafeParameters):
        Vault.create(tmp_path / "v", PASSPHRASE, {}, kdf=COSTLY)


def test_a_read_only_file_system_is_named(tmp_path):
    with small_tmpfs(tmp_path / "mnt", "1m") as mount:
        path = mount / "v.tokendesk"
        Vault.create(path, PASSPHRASE, {"schema": 1}, kdf=CHEAP_KDF)
        vault = Vault.open(path, PASSPHRASE)
        remount_read_only(mount)
        with pytest.raises(VaultPermissionError, match="read-only") as err:
            with vault.transaction() as payload:
                payload["x"] = 1
        assert "permission denied" not in err.value.message
        res = run_cli("env", "add", "Staging", env=cli_env(path))
        assert "read-only" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.skipif(IS_ROOT, reason="root can mount a real read-only file system")
def test_a_read_only_file_system_is_named_injected(make_vault, monkeypatch):
    vault = Vault.open(make_vault(), PASSPHRASE)
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(VaultPermissionError, match="read-only"):
        with vault.transaction():
            pass


def test_umask_000_does_not_make_world_writable_directories(tmp_path):
    path = tmp_path / "a" / "b" / "c" / "v.tokendesk"
    env = cli_env(path)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "init"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: os.umask(0), stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for directory in (tmp_path / "a", tmp_path / "a" / "b", path.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
