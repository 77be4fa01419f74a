"""No string the core can show names a CLI command, a CLI flag or a key.

Every string constant of every ``tui.core`` module (f-string parts included) is scanned;
documentation (docstrings and other bare string statements) may talk about the CLI, so it
is left out. The faces render the core's ``NextStep`` instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tui.core
from tui.cli import build_parser

CORE = Path(tui.core.__file__).parent


def _verbs() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)  # type: ignore[arg-type]


PATTERNS = {
    "CLI command": re.compile(rf"\btokendesk\s+(?:{'|'.join(_verbs())})\b"),
    "CLI flag": re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*"),
    "key": re.compile(r"\bpress\s+\S|\b(?:ctrl|shift|alt)\+\w", re.IGNORECASE),
}


def shown_strings(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of the string constants in ``source`` that are not documentation."""
    tree = ast.parse(source)
    docs = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    )


def findings(source: str) -> list[str]:
    found = []
    for line, text in shown_strings(source):
        for what, pattern in PATTERNS.items():
            if pattern.search(text):
                found.append(f"{line}: {what}: {text!r}")
    return found


def test_the_scanner_finds_what_it_looks_for() -> None:
    planted = (
        '"""Docs may say tokendesk authorize NAME --env E."""\n'
        "A = 'run: tokendesk authorize X'\n"
        "B = f'set it with --device-url {A}'\n"
        "C = 'press a to authorize'\n"
        "D = 'ctrl+s saves'\n"
        "E = 'tokendesk received the response; check the scope'\n"
    )
    assert [f.split(":")[0:2] for f in findings(planted)] == [
        ["2", " CLI command"],
        ["3", " CLI flag"],
        ["4", " key"],
        ["5", " key"],
    ]


def test_no_core_string_names_a_command_flag_or_key() -> None:
    problems = []
    for path in sorted(CORE.rglob("*.py")):
        for finding in findings(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(CORE.parent.parent)}:{finding}")
    assert problems == []
