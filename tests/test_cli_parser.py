"""The CLI builds only the parsers a command needs (`tui.cli.VERB_HOMES`), and the result is
the same parser as the full one for those verbs."""

from __future__ import annotations

import argparse

import pytest

from tui.cli import VERB_HOMES, _verb, build_parser


def _verbs(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _shape(parser: argparse.ArgumentParser) -> list:
    """Options, positionals and sub-verbs of a parser, recursively."""
    out = []
    for action in parser._actions:
        out.append((tuple(action.option_strings), action.dest, action.help))
        if isinstance(action, argparse._SubParsersAction):
            out += [(name, _shape(sub)) for name, sub in sorted(action.choices.items())]
    return out


@pytest.mark.parametrize("verb", sorted(VERB_HOMES))
def test_a_verb_home_holds_the_whole_verb(verb):
    full = _verbs(build_parser())
    partial = _verbs(build_parser([verb, "x"]))
    assert set(partial) == {verb}
    assert _shape(partial[verb]) == _shape(full[verb])


@pytest.mark.parametrize(
    ("argv", "verb"),
    [
        (["mail", "list", "X"], "mail"),
        (["--vault", "v", "mail", "list"], "mail"),
        (["--vault=v", "mail"], "mail"),
        (["--help"], ""),
        (["--vault"], ""),
        ([], ""),
    ],
)
def test_verb_detection(argv, verb):
    assert _verb(argv) == verb


def test_other_verbs_get_the_full_parser():
    assert set(_verbs(build_parser(["status"]))) == set(_verbs(build_parser()))
