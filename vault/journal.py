"""A journal beside the vault for updates that a peer has already committed to.

Some updates cannot be redone when the save fails: a token server that rotated a refresh
token has already invalidated the old one. ``Journal`` lets a writer, under the vault's lock:

1. ``reserve(size)`` space *before* the irreversible step (``NAME.journal.new``, allocated
   with ``posix_fallocate``): a full disk is found out while nothing is lost yet;
2. ``commit(entries)`` the update into that reserved space (sealed with the data key,
   fsynced, renamed to ``NAME.journal``, mode 0600), then save the vault as usual;
3. ``clear()`` once the vault saved it; or leave it, and the next open replays ``pending()``.

The vault library does not interpret entries (JSON values); the caller applies them.
File layout: magic ``TKDJRNL1``, a 12-byte nonce, a 4-byte length, then the AES-256-GCM
ciphertext of the JSON list with the magic as associated data; the rest (if any) is zeros.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import CorruptVault, VaultError
from .files import fsync_dir, os_error

if TYPE_CHECKING:
    from .store import Vault

MAGIC = b"TKDJRNL1"
_HEAD = struct.Struct(">8s12sI")
SLACK = 256 * 1024
"""Bytes reserved beyond the vault's size: the new generation plus the journal entry."""


def journal_path_for(path: Path) -> Path:
    """The journal file of the vault at ``path``."""
    return path.with_name(path.name + ".journal")


class Journal:
    """The journal of one vault (use under the vault's lock)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self.path = journal_path_for(vault.path)
        self._new = self.path.with_name(self.path.name + ".new")
        self._fd: int | None = None
        self.committed = False

    def exists(self) -> bool:
        return self.path.exists()

    def reserve(self, extra: int = SLACK) -> None:
        """Reserve the vault's size plus ``extra`` bytes on its file system.

        Raises:
            VaultError: no space (or no write access) there; nothing was changed.
        """

        try:
            size = self._vault.path.stat().st_size + extra
        except OSError:
            size = extra
        self.discard()
        try:
            fd = os.open(self._new, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise os_error(exc, "reserving space beside", self._vault.path) from None
        self._fd = fd
        try:
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                os.pwrite(fd, bytes(size), 0)  # no fallocate on this file system
                os.fsync(fd)
        except OSError as exc:
            self.discard()
            raise os_error(exc, "reserving space beside", self._vault.path) from None

    def commit(self, entries: list[Any]) -> None:
        """Write ``entries`` (all pending ones) durably into the reserved space."""

        if self._fd is None:
            raise VaultError("journal space was not reserved")
        nonce = os.urandom(12)
        plain = json.dumps(entries, separators=(",", ":")).encode()
        sealed = AESGCM(bytes(self._vault._key)).encrypt(nonce, plain, MAGIC)
        blob = _HEAD.pack(MAGIC, nonce, len(sealed)) + sealed
        fd = self._fd
        try:
            view, offset = memoryview(blob), 0
            while offset < len(blob):
                offset += os.pwrite(fd, view[offset:], offset)
            os.ftruncate(fd, len(blob))  # frees the rest of the reservation for the save
            os.fsync(fd)
            os.replace(self._new, self.path)
            fsync_dir(self.path.parent)
        except OSError as exc:
            raise os_error(exc, "writing the journal beside", self._vault.path) from None
        finally:
            self._fd = None
            os.close(fd)
        self.committed = True

    def discard(self) -> None:
        """Drop an uncommitted reservation (best effort: a left-over one is harmless)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(self._new)

    def clear(self) -> None:
        """Remove the journal (its entries are in the vault now).

        It must go: replayed later, its entries would bring back spent tokens.
        """

        self.discard()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise os_error(exc, "removing the journal beside", self._vault.path) from None
        self.committed = False

    def pending(self) -> list[Any]:
        """The committed entries not yet saved in the vault ([] when there is no journal).

        Raises:
            CorruptVault: the journal does not open with the vault's key.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise os_error(exc, "reading the journal beside", self._vault.path) from None
        if len(raw) < _HEAD.size:
            return []
        magic, nonce, size = _HEAD.unpack_from(raw)
        sealed = raw[_HEAD.size : _HEAD.size + size]
        try:
            if magic != MAGIC or len(sealed) != size:
                raise ValueError("not a journal")
            entries = json.loads(AESGCM(bytes(self._vault._key)).decrypt(nonce, sealed, MAGIC))
        except (InvalidTag, ValueError):
            raise CorruptVault(
                f"the journal {self.path} beside the vault is damaged",
                hint="move it away to open the vault without it (its updates are lost)",
            ) from None
        return entries if isinstance(entries, list) else []
