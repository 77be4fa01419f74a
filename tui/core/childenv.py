"""The environment every child process gets: this one without the vault's secrets.

``TOKENDESK_PASSPHRASE`` and ``TOKENDESK_NEW_PASSPHRASE`` unlock the vault; a ``$BROWSER``, a
passphrase command, a notify hook or a browser that Python's ``webbrowser`` starts has no use
for them, and a child may log or leak its environment. ``child_environment()`` is the copy
to pass as ``env=``; ``scrub_process_environment_variable(name)`` removes one from this
process's own environment once read, for children of libraries that pass no ``env``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping


def is_secret_variable(name: str) -> bool:
    """A variable that may carry a vault passphrase (any ``*PASSPHRASE*`` name)."""
    return "PASSPHRASE" in name.upper()


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without passphrase variables."""
    env = os.environ if base is None else base
    return {k: v for k, v in env.items() if not is_secret_variable(k)}


def scrub_process_environment_variable(
    name: str, environ: MutableMapping[str, str] | None = None
) -> None:
    """Remove the passphrase variable ``name`` from this process's environment once it was
    read (children of libraries that pass no ``env``, such as ``webbrowser``, inherit it)."""
    env = os.environ if environ is None else environ
    env.pop(name, None)
