"""Opening, locking and atomically saving a vault file.

A ``Vault`` holds the unwrapped data key for the life of the object, so the costly key
derivation runs once per unlock; later reads and saves reuse the key. Writers take an
exclusive ``flock`` on a separate lock file, re-read the file under it, and replace the file
atomically, so concurrent processes never lose an update and a crash at any moment leaves
either the previous or the next generation on disk.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import format as fmt
from .errors import (
    CorruptVault,
    VaultError,
    VaultExists,
    WrongPassphrase,
)
from .files import (
    DEFAULT_LOCK_TIMEOUT,
    FileLock,
    backup_path_for,
    ensure_directory,
    fsync_dir,
    lock_path_for,
    os_error,
    read_vault_file,
)


class Vault:
    """An unlocked vault file.

    Use ``Vault.create`` or ``Vault.open``; read ``payload``; change it only inside
    ``transaction()``, which holds the cross-process lock from the re-read to the save.
    """

    def __init__(
        self, path: Path, header: fmt.Header, data_key: bytes | bytearray, plaintext: bytes
    ) -> None:
        self.path = path
        self._header = header
        # A bytearray, so that forget_key() can overwrite it in place (bytes cannot be).
        self._key = bytearray(data_key)
        # The plaintext, not a parsed object: a fresh parse is cheaper than a deep copy.
        self._plaintext = plaintext
        self._local = threading.local()
        # Fault injection for crash tests: called at named points of a save.
        self._on_step: Callable[[str], None] | None = None

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    # ----------------------------------------------------------------- paths
    @property
    def lock_path(self) -> Path:
        """The separate file that carries the cross-process lock."""
        return lock_path_for(self.path)

    @property
    def backup_path(self) -> Path:
        """The previous generation, kept by every save (and removed by a passphrase change)."""
        return backup_path_for(self.path)

    # ---------------------------------------------------------- constructors
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        passphrase: str,
        payload: Any,
        *,
        kdf: fmt.KdfParams | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        allow_costly_kdf: bool = False,
    ) -> Vault:
        """Create a new vault; refuse to overwrite an existing one.

        ``allow_costly_kdf`` permits KDF parameters above ``format.MAX_COST`` (every later
        open then needs it too).
        """
        path = Path(path)
        kdf = kdf or fmt.KdfParams()
        kdf.check_cost(allow_costly=allow_costly_kdf)
        ensure_directory(path.parent)
        salt, data_key = os.urandom(fmt.SALT_SIZE), os.urandom(fmt.KEY_SIZE)
        kek = kdf.derive(passphrase, salt, allow_costly=allow_costly_kdf)
        header = fmt.new_header(kek, data_key, kdf, salt)
        plaintext = fmt.encode_payload(payload)
        vault = cls(path, header, data_key, plaintext)
        lock = FileLock(vault.lock_path)
        lock.acquire(lock_timeout)
        try:
            if path.exists():
                raise VaultExists(f"a vault already exists at {path}")
            vault._write(fmt.seal_plaintext(header, data_key, plaintext), keep_backup=False)
        finally:
            lock.release()
        return vault

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        passphrase: str,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        allow_costly_kdf: bool = False,
    ) -> Vault:
        """Open and unlock an existing vault (runs the key derivation once).

        A file asking for a key derivation costlier than ``format.MAX_COST`` is refused
        (``UnsafeParameters``) before it runs, unless ``allow_costly_kdf``.
        """
        path = Path(path)
        blob = read_vault_file(path)
        try:
            header, ad, sealed = fmt.parse(blob)
            kek = header.kdf.derive(passphrase, header.salt, allow_costly=allow_costly_kdf)
            data_key = fmt.unwrap_key(kek, header)
            plaintext = fmt.open_plaintext(data_key, header, ad, sealed)
            fmt.decode_payload(plaintext)
        except CorruptVault as exc:
            backup = backup_path_for(path)
            if backup.exists() and exc.hint is None:
                exc.hint = (
                    f"the previous generation is kept in {backup}: "
                    f"copy it over {path.name} to restore it"
                )
            raise
        vault = cls(path, header, data_key, plaintext)
        vault._clean_stale_temps()
        return vault

    @classmethod
    def open_with_key(cls, path: str | os.PathLike[str], data_key: bytes | bytearray) -> Vault:
        """Open with the data key that another process of the same user unlocked and handed
        over (``copy_key``), so no key derivation runs and no passphrase travels.

        The payload's authentication proves the key: a key that does not open the file
        (the passphrase was changed since, so the data key is new) is ``WrongPassphrase``.
        """
        path = Path(path)
        if len(data_key) != fmt.KEY_SIZE:
            raise WrongPassphrase("the handed-over vault key has the wrong size")
        header, ad, sealed = fmt.parse(read_vault_file(path))
        try:
            plaintext = fmt.open_plaintext(data_key, header, ad, sealed)
        except CorruptVault:
            raise WrongPassphrase(
                "the handed-over key does not open the vault: its passphrase was changed "
                "(or the file is damaged)",
                hint="unlock the vault again",
            ) from None
        fmt.decode_payload(plaintext)
        vault = cls(path, header, data_key, plaintext)
        vault._clean_stale_temps()
        return vault

    def copy_key(self) -> bytearray:
        """A copy of the data key, to hand to a process of the same user over a pipe (see
        ``open_with_key``); the caller overwrites it once written."""
        self._require_key()
        return bytearray(self._key)

    def forget_key(self) -> None:
        """Overwrite the data key in memory and drop the plaintext; the vault is unusable after.

        Python may still hold short-lived copies (the key derivation's result, buffers
        inside the AEAD library) that it frees without clearing: this removes the long-lived
        ones, which is as far as Python allows.
        """
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray()
        self._plaintext = b""

    def _require_key(self) -> None:
        if not self._key:
            raise VaultError("the vault was locked in this process", hint="unlock it again")

    # ---------------------------------------------------------------- reading
    @property
    def payload(self) -> Any:
        """A private copy of the payload as of the last read or save."""
        self._require_key()
        return fmt.decode_payload(self._plaintext)

    def reload(self) -> Any:
        """Re-read the file with the cached key and return the fresh payload."""
        return self._read_current()

    def _read_current(self) -> Any:
        self._require_key()
        header, ad, sealed = fmt.parse(read_vault_file(self.path))
        if header.key_section() != self._header.key_section():
            raise WrongPassphrase(
                "the vault's passphrase was changed by another process",
                hint="unlock the vault again with the new passphrase",
            )
        plaintext = fmt.open_plaintext(self._key, header, ad, sealed)
        payload = fmt.decode_payload(plaintext)
        self._header, self._plaintext = header, plaintext
        return payload

    # ---------------------------------------------------------------- writing
    @contextlib.contextmanager
    def transaction(
        self,
        timeout: float = DEFAULT_LOCK_TIMEOUT,
        *,
        after_save: Callable[[], None] | None = None,
    ) -> Iterator[Any]:
        """Locked read-modify-write: yield the freshly read payload, save it on clean exit.

        The lock is held for the whole block, so a caller can keep it across slow work
        (an HTTP token refresh) and no other process can interleave a write. If the block
        raises, nothing is saved. ``after_save`` runs after a save, still under the lock
        (e.g. to clear the journal). Transactions do not nest.
        """
        if getattr(self._local, "active", False):
            raise RuntimeError("vault transactions do not nest")
        lock = FileLock(self.lock_path)
        lock.acquire(timeout)
        self._local.active = True
        try:
            payload = self._read_current()
            yield payload
            self._save_locked(payload)
            if after_save is not None:
                after_save()
        finally:
            self._local.active = False
            lock.release()

    def change_passphrase(
        self,
        new_passphrase: str,
        *,
        kdf: fmt.KdfParams | None = None,
        timeout: float = DEFAULT_LOCK_TIMEOUT,
        allow_costly_kdf: bool = False,
    ) -> None:
        """Change the passphrase: a new data key, the payload re-encrypted under it.

        A copy of an older generation (a backup, a synced file) and the old passphrase
        yield only the old data key, which opens nothing written after the change. The
        backup file is removed too, since it would still open with the old passphrase.
        """
        kdf = kdf or self._header.kdf
        salt = os.urandom(fmt.SALT_SIZE)
        kek = kdf.derive(new_passphrase, salt, allow_costly=allow_costly_kdf)
        data_key = bytearray(os.urandom(fmt.KEY_SIZE))
        lock = FileLock(self.lock_path)
        lock.acquire(timeout)
        try:
            self._read_current()
            header = fmt.new_header(kek, bytes(data_key), kdf, salt)
            self._write(fmt.seal_plaintext(header, data_key, self._plaintext), keep_backup=False)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.backup_path)
            fsync_dir(self.path.parent)
            old, self._key, self._header = self._key, data_key, header
            for i in range(len(old)):
                old[i] = 0
        finally:
            lock.release()

    def _save_locked(self, payload: Any) -> None:
        header = fmt.Header(
            kdf=self._header.kdf,
            salt=self._header.salt,
            wrap_nonce=self._header.wrap_nonce,
            wrapped_key=self._header.wrapped_key,
            payload_nonce=os.urandom(fmt.NONCE_SIZE),
        )
        plaintext = fmt.encode_payload(payload)
        self._write(fmt.seal_plaintext(header, self._key, plaintext), keep_backup=True)
        self._header, self._plaintext = header, plaintext

    def _step(self, name: str) -> None:
        if self._on_step is not None:
            self._on_step(name)

    def _write(self, blob: bytes, *, keep_backup: bool) -> None:
        """Atomically replace the file with ``blob`` (caller holds the lock)."""
        directory = self.path.parent
        tmp = directory / f".{self.path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                self._step("temp-created")
                view = memoryview(blob)
                while view:
                    view = view[os.write(fd, view) :]
                self._step("temp-written")
                os.fsync(fd)
            finally:
                os.close(fd)
            if keep_backup and self.path.exists():
                # Hard-link the current generation as the backup, then swap it in
                # atomically: at every instant both names hold a complete vault.
                bak_tmp = Path(f"{tmp}.bak")
                os.link(self.path, bak_tmp)
                os.replace(bak_tmp, self.backup_path)
                self._step("backup-made")
            os.replace(tmp, self.path)
            self._step("replaced")
            fsync_dir(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise os_error(exc, "writing", self.path) from None

    def _clean_stale_temps(self) -> None:
        """Remove temp files left by a crashed writer (only when nobody holds the lock)."""
        lock = FileLock(self.lock_path)
        try:
            if not lock.acquire(0, blocking=False):
                return
        except VaultError:
            return
        try:
            for stale in self.path.parent.glob(f".{self.path.name}.tmp-*"):
                with contextlib.suppress(OSError):
                    stale.unlink()
        finally:
            lock.release()


__all__ = ["Vault"]
