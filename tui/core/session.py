"""An unlocked vault seen as typed records, plus where the vault and its passphrase come from.

``Session`` is what every service works with: ``session.records`` to read, and
``with session.edit() as records:`` for a locked read-modify-write that saves on success.
``resolve_vault_path`` and ``read_passphrase`` implement the CLI's and the TUI's shared
rules for ``--vault`` / ``TOKENDESK_VAULT`` and the passphrase sources.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tui.core.errors import OperationFailed, UsageError, ValidationError
from tui.core.records import Records
from vault import KdfParams, UnsafeParameters, Vault

VAULT_ENV = "TOKENDESK_VAULT"
PASSPHRASE_ENV = "TOKENDESK_PASSPHRASE"
PASSPHRASE_COMMAND_ENV = "TOKENDESK_PASSPHRASE_COMMAND"
NEW_PASSPHRASE_ENV = "TOKENDESK_NEW_PASSPHRASE"
COSTLY_KDF_ENV = "TOKENDESK_ALLOW_COSTLY_KDF"
VAULT_FILENAME = "vault.tokendesk"
DEFAULT_EDIT_TIMEOUT = 30.0


def default_vault_path() -> Path:
    """The vault's default location, under the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path("tokendesk", appauthor=False) / VAULT_FILENAME


def resolve_vault_path(cli_value: str | None = None) -> Path:
    """``--vault`` if given, else ``$TOKENDESK_VAULT``, else the default path."""
    value = cli_value if cli_value is not None else os.environ.get(VAULT_ENV)
    if value is None:
        return default_vault_path()
    if not value.strip():
        raise UsageError("the vault path is empty (--vault or TOKENDESK_VAULT)")
    path = Path(value).expanduser()
    if path.is_dir():
        raise UsageError(f"the vault path {path} is a directory; give a file path")
    return path


def _from_command(command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"{PASSPHRASE_COMMAND_ENV} cannot be parsed: {exc}") from None
    if not argv:
        raise UsageError(f"{PASSPHRASE_COMMAND_ENV} is empty")
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, check=False)
    except OSError as exc:
        raise OperationFailed(
            f"the passphrase command {argv[0]!r} could not run: {exc.strerror}"
        ) from None
    if done.returncode != 0:
        raise OperationFailed(f"the passphrase command exited with status {done.returncode}")
    # The first line, as `pass show` prints the password first and notes after it.
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return lines[0] if lines else ""


def read_passphrase(*, confirm: bool = False, new: bool = False) -> str:
    """Get a passphrase from the environment, a command, or a no-echo prompt.

    Args:
        confirm: ask twice when prompting (creating a vault).
        new: read the *new* passphrase of a change (``TOKENDESK_NEW_PASSPHRASE`` or prompt).

    Raises:
        UsageError: no source is set and there is no terminal to prompt on, or the
            passphrase is empty, or the two prompted entries differ.
    """
    if new:
        value = os.environ.get(NEW_PASSPHRASE_ENV)
        label = "New vault passphrase"
    else:
        value = os.environ.get(PASSPHRASE_ENV)
        if value is None and os.environ.get(PASSPHRASE_COMMAND_ENV):
            value = _from_command(os.environ[PASSPHRASE_COMMAND_ENV])
        label = "Vault passphrase"
    if value is None:
        if not sys.stdin.isatty():
            sources = NEW_PASSPHRASE_ENV if new else f"{PASSPHRASE_ENV} or {PASSPHRASE_COMMAND_ENV}"
            raise UsageError(f"no passphrase: set {sources}, or run in a terminal to be asked")
        try:
            value = getpass.getpass(f"{label}: ")
            if confirm and getpass.getpass(f"{label} (again): ") != value:
                raise UsageError("the two passphrases differ")
        except EOFError:
            raise UsageError("no passphrase entered") from None
    if not value:
        raise UsageError("the passphrase is empty")
    return value


class Session:
    """An unlocked vault and its records."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._records = Records.from_payload(vault.payload)

    def __repr__(self) -> str:
        return f"Session({str(self.vault.path)!r})"

    @property
    def path(self) -> Path:
        """The vault file."""
        return self.vault.path

    @classmethod
    def open(cls, path: str | os.PathLike[str], passphrase: str) -> Session:
        """Unlock an existing vault (runs the key derivation once).

        A key derivation costlier than the vault library's bound runs only when
        ``TOKENDESK_ALLOW_COSTLY_KDF=1`` says the user chose such parameters.
        """
        allow = os.environ.get(COSTLY_KDF_ENV, "") == "1"
        try:
            return cls(Vault.open(path, passphrase, allow_costly_kdf=allow))
        except UnsafeParameters as exc:
            if exc.hint is None and not allow:
                exc.hint = (
                    "a vault you did not make may be a trap; if you chose these parameters, "
                    f"set {COSTLY_KDF_ENV}=1"
                )
            raise

    @classmethod
    def create(
        cls, path: str | os.PathLike[str], passphrase: str, *, kdf: KdfParams | None = None
    ) -> Session:
        """Create a new vault holding fresh records (Test and Production, current Test)."""
        return cls(Vault.create(path, passphrase, Records().to_payload(), kdf=kdf))

    @property
    def records(self) -> Records:
        """The records as of the last read or save (do not mutate; use ``edit``)."""
        return self._records

    def reload(self) -> Records:
        """Re-read the vault file (another process may have written it)."""
        self._records = Records.from_payload(self.vault.reload())
        return self._records

    @contextlib.contextmanager
    def edit(self, timeout: float = DEFAULT_EDIT_TIMEOUT) -> Iterator[Records]:
        """Locked read-modify-write of the records; saved when the block ends cleanly.

        The vault's lock is held for the whole block, so it may span slow work (an HTTP
        token refresh) without another process interleaving a write.
        """
        with self.vault.transaction(timeout) as payload:
            records = Records.from_payload(payload)
            yield records
            new_payload = records.to_payload()
            payload.clear()
            payload.update(new_payload)
        self._records = records

    def change_passphrase(self, new_passphrase: str) -> None:
        """Change the passphrase (a new data key; the payload is re-encrypted under it)."""
        if not new_passphrase:
            raise ValidationError("the new passphrase is empty")
        allow = os.environ.get(COSTLY_KDF_ENV, "") == "1"
        self.vault.change_passphrase(new_passphrase, allow_costly_kdf=allow)
