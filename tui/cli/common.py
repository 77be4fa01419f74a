"""What every CLI verb shares: the context object, output helpers, and error reporting."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.core.errors import OperationFailed, UsageError
from tui.core.text import sanitize

if TYPE_CHECKING:  # the session brings cryptography: loaded when a command opens the vault
    from tui.core.mail.service import Access
    from tui.core.session import Session


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors, exit status 2, and no abbreviated options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # `--fo` silently meaning `--force-refresh` is a trap in scripts.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


class OutputClosed(Exception):
    """The reader of standard output went away (a closed pipe, as with ``| head``)."""


class GuardedOutput:
    """Standard output whose failures become clean errors instead of tracebacks."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def _fail(self, exc: OSError) -> OperationFailed:
        return OperationFailed(f"cannot write to standard output: {exc.strerror or exc}")

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OperationFailed("cannot write to standard output: it is closed")
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise OutputClosed from None
        except OSError as exc:
            raise self._fail(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise OutputClosed from None
        except OSError as exc:
            raise self._fail(exc) from None

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@dataclass
class Context:
    """Handed to every command handler: lazy vault access and the output streams."""

    vault_arg: str | None = None
    out: Any = field(default_factory=lambda: GuardedOutput(sys.stdout))
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _session: Session | None = None

    @property
    def vault_path(self) -> Path:
        """The vault file chosen by --vault, TOKENDESK_VAULT, or the default."""
        from tui.core.session import resolve_vault_path

        return resolve_vault_path(self.vault_arg)

    def session(self) -> Session:
        """Open (once) and return the vault session, reading the passphrase as needed."""
        if self._session is None:
            from tui.core.session import Session, read_passphrase

            path = self.vault_path
            if not path.exists():
                # Say so before asking for a passphrase that cannot help.
                from vault import VaultNotFound

                # With --vault the command must name it, or init creates the default vault.
                where = f" --vault {shlex.quote(str(path))}" if self.vault_arg else ""
                raise VaultNotFound(
                    f"no vault at {path}", hint=f"create one; run: tokendesk init{where}"
                )
            self._session = Session.open(path, read_passphrase())
        return self._session

    def env(self, args: argparse.Namespace) -> str:
        """The environment named by ``--env``, else the vault's current one (validated)."""
        records = self.session().records
        name = getattr(args, "env", None) or records.current_environment
        return records.require_environment(name)

    def mail_access(self, name: str, env: str | None, *, outbound: bool = False) -> Access:
        """How to log in with mail component ``name``: from a running agent that holds this
        vault unlocked (no passphrase, no key derivation), else from the vault itself."""
        if self._session is None:
            from tui.core.agent import client

            vault = client.vault_argument(self.vault_arg)
            if client.enabled() and vault is not False:
                from tui.core.agent.mail_access import access_from_agent

                access = access_from_agent(
                    name, env, vault if isinstance(vault, str) else None, outbound=outbound
                )
                if access is not None:
                    return access
        from tui.core.mail.service import access_for

        return access_for(self.session(), name, env, outbound=outbound)

    def print(self, *parts: Any) -> None:
        """Write a line to stdout and flush at once (output may be a pipe)."""
        print(*parts, file=self.out, flush=True)

    def print_json(self, value: Any) -> None:
        """Write ``value`` as indented JSON on stdout."""
        json.dump(value, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")
        self.out.flush()

    def warn(self, message: str) -> None:
        """A one-line notice on stderr (sanitized: a backstop for untrusted text)."""
        print(f"tokendesk: {sanitize(message)}", file=self.err, flush=True)


def add_env_option(parser: argparse.ArgumentParser) -> None:
    """The ``--env E`` option shared by verbs that act on one environment."""
    parser.add_argument(
        "--env", metavar="E", help="environment to use (default: the vault's current one)"
    )


def parse_int(value: str, what: str, *, low: int | None = None, high: int | None = None) -> int:
    """Parse a whole number for ``what`` or raise a UsageError naming it."""
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{what} must be a whole number, got {value!r}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{what} must be {bounds}, got {number}")
    return number


def read_secret(option: str, what: str, prompt: str) -> str:
    """A secret given with ``option``: asked without echo when stdin is a terminal, else
    the first line of stdin (one trailing newline removed, nothing else).

    Used by ``oauth add|edit --client-secret-stdin`` and ``mail add|edit --password-stdin``.
    """
    stream = sys.stdin
    if stream is None or stream.closed:
        raise UsageError(f"{option}: there is no standard input to read the {what} from")
    if stream.isatty():
        from tui.core.prompt import prompt_secret  # works in raw-mode terminals too

        try:
            value = prompt_secret(prompt)
        except EOFError:
            value = ""
        except OSError:
            raise UsageError(f"{option}: the terminal cannot be opened to ask") from None
    else:
        value = stream.readline()
        value = value[:-1] if value.endswith("\n") else value
        value = value[:-1] if value.endswith("\r") else value
    if not value:
        raise UsageError(f"{option}: no {what} on standard input ({option} reads one line)")
    return value


def mail_verbs(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The sub-verbs of ``mail`` (created by the first module that registers one)."""
    mail = sub.choices.get("mail")
    if mail is None:
        mail = sub.add_parser("mail", help="email components: add, test, list, read, save, send")
        verbs = mail.add_subparsers(dest="mail_command", metavar="VERB", parser_class=type(mail))
        verbs.required = True
        return verbs
    for action in mail._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the mail verb has no sub-verbs")  # cannot happen: created above
