"""The CLI builds only the parsers a command needs (`tui.cli.VERB_HOMES`), and the result is
the same parser as the full one for those verbs."""

from __future__ import annotations

import argparse

import pytest

from tui.cli import VERB_HOMES, _verbs, build_parser


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
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


@pytest.mark.parametrize("words", sorted(VERB_HOMES))
def test_a_verb_home_holds_the_whole_verb(words):
    full, partial = build_parser(), build_parser([*words, "x"])
    for word in words:  # down to the (sub-)verb
        full, partial = _choices(full)[word], _choices(partial)[word]
    assert _shape(partial) == _shape(full)


def test_every_mail_sub_verb_has_its_own_home():
    mail = _choices(_choices(build_parser())["mail"])
    assert {w[1] for w in VERB_HOMES if len(w) == 2} == set(mail)


def test_a_sub_verb_builds_only_its_own_module():
    mail = _choices(_choices(build_parser(["mail", "list", "X"]))["mail"])
    assert set(mail) == {"folders", "list", "show", "save"}
    assert set(_choices(_choices(build_parser(["mail", "lst"]))["mail"])) >= {"add", "send"}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["mail", "list", "X"], ("mail", "list")),
        (["--vault", "v", "mail", "list"], ("mail", "list")),
        (["mail", "--vault", "v", "list", "--limit", "5"], ("mail", "list")),
        (["--vault=v", "mail"], ("mail",)),
        (["mail", "--help", "list"], ("mail",)),
        (["--help"], ()),
        (["--vault"], ()),
        ([], ()),
    ],
)
def test_verb_detection(argv, words):
    assert _verbs(argv) == words


def test_other_verbs_get_the_full_parser():
    assert set(_choices(build_parser(["status"]))) == set(_choices(build_parser()))
