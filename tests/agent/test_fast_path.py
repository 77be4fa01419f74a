"""The token fast path's own option reading: exactly what ``token`` accepts, else None (the
full command line then answers, with its own messages)."""

from __future__ import annotations

import pytest

from tui.main import parse_token_args


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["token", "Mail"], {"name": "Mail"}),
        (["token", "@Var", "--json"], {"name": "@Var", "json": True}),
        (["--vault", "/v", "token", "Mail"], {"name": "Mail", "vault": "/v"}),
        (["--vault=/v", "token", "Mail", "--env=Prod"], {"vault": "/v", "env": "Prod"}),
        (["token", "--force-refresh", "Mail", "--env", "Prod"], {"force": True, "env": "Prod"}),
        (
            ["token", "Mail", "--sasl", "oauthbearer", "--user", "a@b"],
            {"sasl": "oauthbearer", "user": "a@b"},
        ),
        (["token", "Mail", "--vault", "/a", "--vault", "/b"], {"vault": "/b"}),  # the last wins
    ],
)
def test_accepted(argv, expected):
    opts = parse_token_args(argv)
    assert opts is not None
    for key, value in expected.items():
        assert opts[key] == value, key


@pytest.mark.parametrize(
    "argv",
    [
        ["token"],  # no name
        ["token", "-h"],
        ["token", "--help"],
        ["token", "Mail", "Other"],
        ["token", "Mail", "--env"],  # no value
        ["token", "Mail", "--env", "--json"],  # argparse reads that as an option
        ["token", "Mail", "--sasl", "plain", "--user", "a@b"],
        ["token", "Mail", "--user", "a@b"],  # --user without --sasl
        ["token", "Mail", "--sasl", "xoauth2", "--json"],
        ["token", "Mail", "--fo"],  # no abbreviations
        ["token", "--", "Mail"],
        ["--version", "token", "Mail"],
        ["status", "token"],
        ["mail", "list", "token"],
    ],
)
def test_left_to_the_full_command_line(argv):
    assert parse_token_args(argv) is None
