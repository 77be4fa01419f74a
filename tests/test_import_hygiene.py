"""The core never imports Textual: the vault and every service module load without it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UI_MODULES = ("tui.app.",)  # the whole Textual face, whatever modules it grows


def service_modules() -> list[str]:
    import tui
    import vault

    names = ["vault", "tui"]
    for package in (vault, tui):
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            skip = info.name.startswith(UI_MODULES) or info.name in ("tui.__main__", "tui.main")
            if not skip:
                names.append(info.name)
    return names


def test_services_do_not_import_textual():
    modules = service_modules()
    assert {"vault.store", "tui.core.session", "tui.cli"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "", f"textual imported by a service: {result.stdout}"
