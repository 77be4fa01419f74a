"""The vault's error hierarchy.

Every error carries a message that can be shown to a user as it is. None of them ever
includes a passphrase, a key or decrypted content.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class of every error the vault library raises."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class VaultNotFound(VaultError):
    """There is no vault file at the given path."""


class VaultExists(VaultError):
    """A vault already exists where a new one was to be created."""


class NotAVault(VaultError):
    """The file does not start with the vault's magic bytes."""


class UnsupportedVersion(VaultError):
    """The file was written by a newer format version than this program reads."""


class CorruptVault(VaultError):
    """The file is truncated or its structure is damaged (detected before any decryption)."""


class WrongPassphrase(VaultError):
    """Authentication failed: the passphrase is wrong or the file was tampered with.

    The two cannot be told apart, on purpose: any failure of the authenticated encryption
    raises this one opaque error.
    """


class UnsafeParameters(VaultError):
    """The header asks for key-derivation parameters outside the accepted range."""


class VaultBusy(VaultError):
    """Another process held the vault's lock for longer than the timeout."""


class VaultPermissionError(VaultError):
    """The operating system refused access to the vault file, its directory or its lock."""
