"""The vault's file-system primitives: its lock, the files beside it, safe directories.

`vault.store.Vault` and `vault.journal` build on these: an exclusive ``flock`` on a
separate lock file polled until a deadline, the names of the lock and backup files,
0700 directory creation whatever the umask, directory fsync, a bounded read of the vault
file, and one translation of `OSError` into a `vault.errors.VaultError` that says what
was being done.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from .errors import VaultBusy, VaultError, VaultNotFound, VaultPermissionError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "FileLock",
    "backup_path_for",
    "ensure_directory",
    "fsync_dir",
    "lock_path_for",
    "os_error",
    "read_vault_file",
]

DEFAULT_LOCK_TIMEOUT = 10.0
_POLL = 0.01


def os_error(exc: OSError, what: str, path: Path) -> VaultError:
    if exc.errno == errno.EROFS:
        return VaultPermissionError(
            f"the file system holding {path} is mounted read-only ({what} it)",
            hint="remount it read-write, or use a vault on a writable file system",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return VaultPermissionError(f"permission denied {what} {path}")
    if exc.errno == errno.EISDIR:
        return VaultError(f"{path} is a directory, not a vault file")
    if exc.errno == errno.ENOTDIR:
        return VaultError(f"a part of {path} is not a directory")
    if exc.errno == errno.ENOSPC:
        return VaultError(f"no space left on the device while {what} {path}")
    return VaultError(f"could not access {path} while {what} it: {exc.strerror}")


class FileLock:
    """An exclusive ``flock`` on ``path``, polled until a deadline."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float, *, blocking: bool = True) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise os_error(exc, "locking", self.path) from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not blocking or time.monotonic() >= deadline:
                    os.close(fd)
                    if not blocking:
                        return False
                    raise VaultBusy(
                        "the vault is busy: another tokendesk process holds its lock",
                        hint=f"try again; the lock file is {self.path}",
                    ) from None
                time.sleep(_POLL)
                continue
            self._fd = fd
            return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lock_path_for(path: Path) -> Path:
    """The lock file that belongs to the vault at ``path``."""
    return path.with_name(path.name + ".lock")


def backup_path_for(path: Path) -> Path:
    """The backup file that belongs to the vault at ``path``."""
    return path.with_name(path.name + ".bak")


def ensure_directory(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each 0700 (whatever the umask).

    ``Path.mkdir(parents=True)`` gives the parents the default mode, 0777 under umask 000.
    """
    missing: list[Path] = []
    current = directory
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for part in reversed(missing):
        try:
            part.mkdir(mode=0o700)  # the umask can only narrow this
        except FileExistsError:
            if not part.is_dir():
                raise os_error(
                    OSError(errno.ENOTDIR, "Not a directory"), "creating the directory", part
                ) from None
        except OSError as exc:
            raise os_error(exc, "creating the directory", part) from None


def read_vault_file(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(256 * 1024 * 1024)
    except FileNotFoundError:
        raise VaultNotFound(
            f"no vault at {path}", hint="create one with 'tokendesk init'"
        ) from None
    except OSError as exc:
        raise os_error(exc, "reading", path) from None
