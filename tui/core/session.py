"""An unlocked vault seen as typed records, plus where the vault and its passphrase come from.

``Session`` is what every service works with: ``session.records`` to read, and
``with session.edit() as records:`` for a locked read-modify-write that saves on success.
``resolve_vault_path`` and ``read_passphrase`` implement the CLI's and the TUI's shared
rules for ``--vault`` / ``TOKENDESK_VAULT`` and the passphrase sources.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.core.childenv import child_environment, scrub_process_environment_variable
from tui.core.errors import OperationFailed, TokendeskError, UsageError, ValidationError
from tui.core.models.oauth import TokenRecord
from tui.core.prompt import prompt_secret
from tui.core.records import Records
from vault import Journal, KdfParams, UnsafeParameters, Vault, VaultError

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
        where = "given" if cli_value is not None else f"in {VAULT_ENV}"
        raise UsageError(f"the vault path {where} is empty")
    path = Path(value).expanduser()
    if path.is_dir():
        raise UsageError(f"the vault path {path} is a directory; give a file path")
    return path


def _from_command(command: str) -> str:
    # Imported here: most commands never run a passphrase command, and these two are a
    # measurable part of a short command's start-up (bench/imap_bench.py).
    import shlex
    import subprocess

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"{PASSPHRASE_COMMAND_ENV} cannot be parsed: {exc}") from None
    if not argv:
        raise UsageError(f"{PASSPHRASE_COMMAND_ENV} is empty")
    try:
        done = subprocess.run(
            argv,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=child_environment(),
            check=False,
        )
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
    variable = NEW_PASSPHRASE_ENV if new else PASSPHRASE_ENV
    value = os.environ.get(variable)
    # Read once, then gone from this process's environment: no child inherits it.
    scrub_process_environment_variable(variable)
    if new:
        label = "New vault passphrase"
    else:
        if value is None and os.environ.get(PASSPHRASE_COMMAND_ENV):
            value = _from_command(os.environ[PASSPHRASE_COMMAND_ENV])
        label = "Vault passphrase"
    if value is None:
        if not sys.stdin.isatty():
            sources = NEW_PASSPHRASE_ENV if new else f"{PASSPHRASE_ENV} or {PASSPHRASE_COMMAND_ENV}"
            raise UsageError(f"no passphrase: set {sources}, or run in a terminal to be asked")
        try:
            value = prompt_secret(f"{label}: ")
            if confirm and prompt_secret(f"{label} (again): ") != value:
                raise UsageError("the two passphrases differ")
        except EOFError:
            raise UsageError("no passphrase entered") from None
        except OSError:
            raise UsageError("no passphrase: the terminal cannot be opened to ask") from None
    if not value:
        raise UsageError("the passphrase is empty")
    return value


class Session:
    """An unlocked vault and its records."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._local = threading.local()
        self._records = Records.from_payload(vault.payload)
        if Journal(vault).exists():
            self._replay_journal()

    def _replay_journal(self) -> None:
        """Save what an earlier process committed to the journal but could not save."""
        try:
            with self.edit():
                pass  # edit() applies the journal, saves, and clears it
        except (VaultError, TokendeskError):
            # Still cannot save (disk full, read-only, busy): use the journal's tokens in
            # memory; the journal stays for the next open.
            records = Records.from_payload(self.vault.payload)
            _apply(records, Journal(self.vault).pending())
            self._records = records

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
        journal = Journal(self.vault)
        pending: list[Any] = []
        self._local.journal, self._local.pending = journal, pending
        try:
            with self.vault.transaction(timeout, after_save=journal.clear) as payload:
                records = Records.from_payload(payload)
                pending.extend(journal.pending())
                _apply(records, pending)
                yield records
                new_payload = records.to_payload()
                payload.clear()
                payload.update(new_payload)
        except VaultError as exc:
            if journal.committed:
                raise OperationFailed(
                    f"{exc.message}; the new tokens are kept in {journal.path} and will be "
                    "saved the next time the vault is opened",
                    advice=exc.hint or "free some space; the tokens stay valid meanwhile",
                ) from None
            raise
        finally:
            self._local.journal = None
            journal.discard()
        self._records = records

    def reserve_commit(self, unspent: str) -> None:
        """Inside ``edit``: make sure what a server commits to next can be kept.

        Call it before an irreversible request (spending a refresh token, redeeming an
        authorization or device code): it reserves the space to save the vault and to
        journal the reply, so a full disk fails here.

        Args:
            unspent: what the failure leaves unspent, for its message
                ("the refresh token was not spent").

        Raises:
            OperationFailed: no space or no write access beside the vault.
        """
        try:
            self._local.journal.reserve()
        except VaultError as exc:
            raise OperationFailed(
                f"{exc.message}; {unspent} and the tokens are unchanged",
                advice=exc.hint or "free some space beside the vault, then try again",
            ) from None

    def commit_token(self, env: str, name: str, token: TokenRecord) -> None:
        """Inside ``edit``, after ``reserve_commit``: journal tokens a server committed to.

        If the vault then cannot be saved, the next open saves them from the journal.
        """
        entry = {"token": [env, name, token.to_dict()]}
        self._local.journal.commit([*self._local.pending, entry])

    def change_passphrase(self, new_passphrase: str) -> None:
        """Change the passphrase (a new data key; the payload is re-encrypted under it)."""
        if not new_passphrase:
            raise ValidationError("the new passphrase is empty")
        allow = os.environ.get(COSTLY_KDF_ENV, "") == "1"
        if Journal(self.vault).exists():
            with self.edit():
                pass  # the journal is sealed with the old data key: save it first
        self.vault.change_passphrase(new_passphrase, allow_costly_kdf=allow)

    def forget(self) -> None:
        """Overwrite the vault's key in memory and drop the records (the agent's lock);
        the session cannot be used after this."""
        self.vault.forget_key()
        self._records = Records()


def _apply(records: Records, entries: list[Any]) -> None:
    """Apply journal entries (see ``Session.commit_token``) to ``records``."""
    for entry in entries:
        try:
            env, name, data = entry["token"]
            records.set_token(env, name, TokenRecord.from_dict(data))
        except (TokendeskError, KeyError, TypeError, ValueError):
            continue  # the component or environment is gone: nothing to keep
