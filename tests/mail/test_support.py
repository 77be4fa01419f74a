"""The test server itself: a missing Dovecot fails loudly (never a skip)."""

from __future__ import annotations

import shutil

import pytest

from tests.support import dovecot as dovecot_module
from tests.support.dovecot import Dovecot, DovecotMissing


def test_missing_dovecot_binary_raises(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    with pytest.raises(DovecotMissing, match="apt-get install -y dovecot-imapd"):
        Dovecot(tmp_path).start()
    assert not issubclass(DovecotMissing, pytest.skip.Exception)


def test_server_directory_must_be_reachable_by_dovecot(monkeypatch, tmp_path):
    """pytest's tmp_path sits below a 0700 directory: refused with a clear message as root."""
    monkeypatch.setattr(dovecot_module.os, "geteuid", lambda: 0)
    locked = tmp_path / "locked"
    (locked / "server").mkdir(parents=True)
    locked.chmod(0o700)
    with pytest.raises(dovecot_module.DovecotFailed, match="not searchable by others"):
        Dovecot(locked / "server")._check_traversable()
