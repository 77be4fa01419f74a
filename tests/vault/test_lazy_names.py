"""The vault package loads ``Vault``, ``KdfParams``, ``Journal`` and ``journal_path_for`` on
first use (``vault/__init__.py``): the names still behave as plain imports, for Python and for
the type checker, and a misspelt name is still an error for both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    return done.stdout.strip()


def test_catching_vault_errors_loads_no_cryptography():
    code = "import sys, vault\nfrom vault import VaultError\nprint('cryptography' in sys.modules)"
    assert _python(code) == "False"


def test_star_import_gives_every_public_name():
    code = (
        "import vault\nfrom vault import *\n"
        "print(all(globals()[n] is getattr(vault, n) for n in vault.__all__))"
    )
    assert _python(code) == "True"


def test_an_unknown_name_is_an_import_error():
    import vault

    with pytest.raises(AttributeError):
        vault.Vualt  # noqa: B018 - the attribute access is the test
    with pytest.raises(ImportError):
        from vault import Vualt  # noqa: F401


def test_the_type_checker_still_sees_misspelt_names(tmp_path):
    """A module-level ``__getattr__`` seen by mypy would make every ``vault.X`` an ``Any``."""
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nignore_missing_imports = True\n")
    probe = "import vault\nfrom vault import Vault, Vualt\nvault.Nope\nx: int = Vault\n"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "cache"),
            "-c",
            probe,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    out = done.stdout
    assert 'Module "vault" has no attribute "Vualt"' in out, out
    assert 'Module has no attribute "Nope"' in out, out
    assert 'type "type[Vault]"' in out, out  # the lazy name keeps its real type
