"""tokendesk's encrypted vault: one file, a passphrase-derived key, authenticated encryption.

The library knows nothing of OAuth, IMAP or user interfaces. Its public API:

* ``Vault.create(path, passphrase, payload, kdf=...)`` and ``Vault.open(path, passphrase)``;
* ``vault.copy_key()`` and ``Vault.open_with_key(path, key)``: hand the unlocked data key to
  another process of the same user over a pipe (no second key derivation, no passphrase);
* ``vault.payload``: a copy of the JSON-compatible payload as last read;
* ``with vault.transaction() as payload:``: locked read-modify-write, saved atomically;
* ``vault.change_passphrase(new)``: a new data key under the new passphrase;
* ``Journal(vault)``: space reserved before an irreversible step, and updates committed
  there when the save fails, replayed by the caller on the next open;
* ``KdfParams``: Argon2id parameters;
* the errors in ``vault.errors``, all subclasses of ``VaultError``.

The bytes on disk are described in ``vault/FORMAT.md``.

The errors and file helpers load with the package; ``Vault``, ``KdfParams``, ``Journal`` and
``journal_path_for`` (which bring cryptography, tens of milliseconds) on first use, so a
program that only catches ``VaultError`` does not pay for them.
"""

from typing import TYPE_CHECKING, Any

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
from .files import backup_path_for, lock_path_for

if TYPE_CHECKING:
    from .format import KdfParams
    from .journal import Journal, journal_path_for
    from .store import Vault

_LAZY = {
    "KdfParams": "format",
    "Journal": "journal",
    "journal_path_for": "journal",
    "Vault": "store",
}


if not TYPE_CHECKING:  # for mypy the names are the imports above: a module __getattr__
    # would make every `vault.X` (a typo too) an Any

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'vault' has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value


__all__ = [
    "CorruptVault",
    "Journal",
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
    "journal_path_for",
    "lock_path_for",
]
