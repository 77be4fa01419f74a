"""tokendesk's encrypted vault: one file, a passphrase-derived key, authenticated encryption.

The library knows nothing of OAuth, IMAP or user interfaces. Its public API:

* ``Vault.create(path, passphrase, payload, kdf=...)`` and ``Vault.open(path, passphrase)``;
* ``vault.payload``: a copy of the JSON-compatible payload as last read;
* ``with vault.transaction() as payload:``: locked read-modify-write, saved atomically;
* ``vault.change_passphrase(new)``: re-wraps the data key;
* ``KdfParams``: Argon2id parameters;
* the errors in ``vault.errors``, all subclasses of ``VaultError``.

The bytes on disk are described in ``vault/FORMAT.md``.
"""

from .errors import (
    CorruptVault,
    NotAVault,
    UnsafeParameters,
    UnsupportedVersion,
    VaultBusy,
    VaultError,
    VaultExists,
    VaultNotFound,
    VaultPermissionError,
    WrongPassphrase,
)
from .format import KdfParams
from .store import Vault, backup_path_for, lock_path_for

__all__ = [
    "CorruptVault",
    "KdfParams",
    "NotAVault",
    "UnsafeParameters",
    "UnsupportedVersion",
    "Vault",
    "VaultBusy",
    "VaultError",
    "VaultExists",
    "VaultNotFound",
    "VaultPermissionError",
    "WrongPassphrase",
    "backup_path_for",
    "lock_path_for",
]
