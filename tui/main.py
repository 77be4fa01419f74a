"""The ``tokendesk`` console script: chooses a face.

With a verb it runs the command line (``tui.cli``); without one it starts the Textual app
(``tui.app``). The two faces never import each other: this module is the only place that
knows both.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def start_app(vault_path: Path) -> int:
    """Start the terminal UI on ``vault_path``; return its exit status."""
    from tui.app.app import run

    return run(vault_path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run tokendesk with ``argv`` (default: the process arguments); return the exit status."""
    from tui.cli import main as cli_main

    return cli_main(argv, start_ui=start_app)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
