"""Vault files on disk: atomic saves, backups, permissions, locking, passphrase changes."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fixtures_vault import CHEAP_KDF
from vault import (
    CorruptVault,
    NotAVault,
    UnsafeParameters,
    UnsupportedVersion,
    Vault,
    VaultBusy,
    VaultError,
    VaultExists,
    VaultNotFound,
    VaultPermissionError,
    WrongPassphrase,
)
from vault import format as fmt

PASS = "pass phrase"


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sub" / "dir" / "v.tokendesk"


def make(path, payload=None):
    return Vault.create(path, PASS, payload if payload is not None else {"n": 0}, kdf=CHEAP_KDF)


def test_create_open_round_trip_and_modes(path):
    make(path, {"n": 1, "text": "héllo"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert Vault.open(path, PASS).payload == {"n": 1, "text": "héllo"}


def test_create_refuses_to_overwrite(path):
    make(path, {"n": 1})
    with pytest.raises(VaultExists):
        make(path, {"n": 2})
    assert Vault.open(path, PASS).payload == {"n": 1}


def test_missing_and_wrong_passphrase(path):
    with pytest.raises(VaultNotFound):
        Vault.open(path, PASS)
    make(path)
    with pytest.raises(WrongPassphrase):
        Vault.open(path, "nope")


def test_not_a_vault_and_newer_version(path):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"just some text file\n")
    with pytest.raises(NotAVault):
        Vault.open(path, PASS)
    path.unlink()
    make(path)
    blob = bytearray(path.read_bytes())
    blob[9] = 9
    path.write_bytes(bytes(blob))
    with pytest.raises(UnsupportedVersion):
        Vault.open(path, PASS)


def test_truncated_file(path):
    make(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptVault):
        Vault.open(path, PASS)


def test_damaged_file_points_to_the_backup(path):
    vault = make(path, {"n": 0})
    with vault.transaction() as payload:
        payload["n"] = 1
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0x40
    path.write_bytes(bytes(blob))
    with pytest.raises(CorruptVault) as info:
        Vault.open(path, PASS)
    assert str(vault.backup_path) in info.value.hint
    vault.backup_path.replace(path)  # what the hint tells the user to do
    assert Vault.open(path, PASS).payload == {"n": 0}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(path):
    make(path)
    path.chmod(0)
    with pytest.raises(VaultPermissionError):
        Vault.open(path, PASS)


def test_transaction_saves_and_keeps_backup(path):
    vault = make(path, {"n": 0})
    with vault.transaction() as payload:
        payload["n"] = 1
    with vault.transaction() as payload:
        payload["n"] = 2
    assert Vault.open(path, PASS).payload == {"n": 2}
    backup = Vault.open(vault.backup_path, PASS)
    assert backup.payload == {"n": 1}
    assert stat.S_IMODE(vault.backup_path.stat().st_mode) == 0o600


def test_failed_transaction_saves_nothing(path):
    vault = make(path, {"n": 0})
    before = path.read_bytes()
    with pytest.raises(RuntimeError), vault.transaction() as payload:
        payload["n"] = 99
        raise RuntimeError("boom")
    assert path.read_bytes() == before
    assert Vault.open(path, PASS).payload == {"n": 0}


def test_transaction_rereads_what_another_writer_saved(path):
    a = make(path, {"n": 0})
    b = Vault.open(path, PASS)
    with b.transaction() as payload:
        payload["n"] += 1
    with a.transaction() as payload:  # a's cached copy is stale: it must re-read
        payload["n"] += 1
    assert Vault.open(path, PASS).payload == {"n": 2}


def test_saves_do_not_rerun_the_kdf(path, monkeypatch):
    vault = make(path)
    calls = []
    original = fmt.KdfParams.derive
    monkeypatch.setattr(
        fmt.KdfParams, "derive", lambda self, *a: calls.append(1) or original(self, *a)
    )
    for i in range(5):
        with vault.transaction() as payload:
            payload["n"] = i
    vault.reload()
    assert calls == []


def test_busy_lock_times_out_with_clear_error(path):
    vault = make(path)
    other = Vault.open(path, PASS)
    entered = threading.Event()
    release = threading.Event()

    def holder():
        with other.transaction():
            entered.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert entered.wait(10)
        with pytest.raises(VaultBusy, match="busy"), vault.transaction(timeout=0.2):
            pass
    finally:
        release.set()
        t.join()
    with vault.transaction(timeout=1) as payload:
        payload["n"] = 5
    assert Vault.open(path, PASS).payload["n"] == 5


def test_transactions_do_not_nest(path):
    vault = make(path)
    with vault.transaction(), pytest.raises(RuntimeError), vault.transaction():
        pass


def test_change_passphrase_rewraps_and_removes_backup(path):
    vault = make(path, {"n": 0})
    with vault.transaction() as payload:
        payload["n"] = 1
    assert vault.backup_path.exists()
    sealed_before = path.read_bytes()[-20:]
    vault.change_passphrase("new pass")
    assert not vault.backup_path.exists()
    assert path.read_bytes()[-20:] != sealed_before
    with pytest.raises(WrongPassphrase):
        Vault.open(path, PASS)
    assert Vault.open(path, "new pass").payload == {"n": 1}
    with vault.transaction() as payload:  # the same object keeps working
        payload["n"] = 2
    assert Vault.open(path, "new pass").payload == {"n": 2}


def test_passphrase_changed_by_another_process_is_reported(path):
    a = make(path)
    Vault.open(path, PASS).change_passphrase("other")
    with pytest.raises(WrongPassphrase, match="changed by another process"), a.transaction():
        pass


def test_stale_temp_files_are_cleaned_on_open(path):
    make(path)
    stale = path.parent / f".{path.name}.tmp-123-abcd"
    stale.write_bytes(b"half a save")
    Vault.open(path, PASS)
    assert not stale.exists()


def test_failed_write_leaves_the_old_file(path, monkeypatch):
    vault = make(path, {"n": 0})

    def fail(name):
        if name == "temp-written":
            raise OSError(28, "No space left on device")

    vault._on_step = fail
    with pytest.raises(Exception, match="no space"), vault.transaction() as payload:
        payload["n"] = 1
    assert Vault.open(path, PASS).payload == {"n": 0}
    assert not list(path.parent.glob(".*.tmp-*"))


def test_absurd_header_parameters_are_refused_without_deriving(path, monkeypatch):
    make(path)
    blob = path.read_bytes()
    hlen = int.from_bytes(blob[10:14], "big")
    header = blob[14 : 14 + hlen].replace(b'"memory_kib":8192', b'"memory_kib":9999999')
    path.write_bytes(blob[:10] + len(header).to_bytes(4, "big") + header + blob[14 + hlen :])

    def must_not_derive(*args):
        raise AssertionError("the KDF ran on absurd parameters")

    monkeypatch.setattr(fmt.KdfParams, "derive", must_not_derive)
    with pytest.raises(UnsafeParameters, match="key-derivation parameters"):
        Vault.open(path, PASS)


def test_permission_error_is_mapped(path, monkeypatch):
    make(path)
    import builtins

    real_open = builtins.open

    def denied(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    with pytest.raises(VaultPermissionError, match="permission denied"):
        Vault.open(path, PASS)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(st.dictionaries(st.text(max_size=8), st.integers(), max_size=5), max_size=5))
def test_sequence_of_saves_property(tmp_path, values):
    path = tmp_path / f"p{len(list(tmp_path.iterdir()))}.tokendesk"
    vault = make(path, {})
    for value in values:
        with vault.transaction() as payload:
            payload.clear()
            payload.update(value)
        assert Vault.open(path, PASS).payload == value


def test_open_with_a_handed_over_key(path, monkeypatch):
    vault = make(path, {"n": 1})
    key = vault.copy_key()
    calls = []
    original = fmt.KdfParams.derive
    monkeypatch.setattr(
        fmt.KdfParams, "derive", lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    )
    other = Vault.open_with_key(path, key)
    assert other.payload == {"n": 1}
    assert calls == []  # no key derivation
    with other.transaction() as payload:  # saves under the same key
        payload["n"] = 2
    assert vault.reload() == {"n": 2}
    # A copy: overwriting it (as the sender does once written) leaves both vaults working.
    key[:] = bytes(len(key))
    assert other.reload() == {"n": 2}
    with pytest.raises(WrongPassphrase):
        Vault.open_with_key(path, key)  # zeros
    with pytest.raises(WrongPassphrase):
        Vault.open_with_key(path, b"short")


def test_a_handed_over_key_opens_nothing_after_a_passphrase_change(path):
    vault = make(path)
    old_key = vault.copy_key()
    vault.change_passphrase("new pass")
    with pytest.raises(WrongPassphrase, match="passphrase was changed"):
        Vault.open_with_key(path, old_key)
    assert Vault.open_with_key(path, vault.copy_key()).payload == {"n": 0}
    vault.forget_key()
    with pytest.raises(VaultError):
        vault.copy_key()
