"""The ``tokendesk`` command line: a thin face over the same services the TUI uses.

``main()`` builds the parser from the verb modules (each has ``register(subparsers)``),
runs the chosen handler, and turns every known failure into a one-line message on stderr
with exit status 1 (operation failed), 2 (usage or validation) or 3 (re-authorization
needed). Without a verb it calls ``start_ui`` (the entry point in ``tui.main`` passes the TUI).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tui import __version__
from tui.cli.common import ArgumentParser, Context, OutputClosed
from tui.cli.next_step import failure_lines
from tui.core.errors import Failure, TokendeskError, describe
from tui.core.text import sanitize

VERB_MODULES = (
    "vault_cmds",
    "oauth_cmds",
    "grant_cmds",
    "lifecycle_cmds",
    "mail_cmds",
    "mail_read_cmds",
    "mail_send_cmds",
    "agent_cmds",
)
_MAIL_READ = ("mail_read_cmds",)
_MAIL_EDIT = ("mail_cmds",)
VERB_HOMES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("mail",): ("mail_cmds", "mail_read_cmds", "mail_send_cmds"),
    **{("mail", verb): _MAIL_READ for verb in ("folders", "list", "show", "save")},
    **{("mail", verb): _MAIL_EDIT for verb in ("add", "edit", "rm", "test")},
    ("mail", "send"): ("mail_send_cmds",),
}
"""Verbs (and sub-verbs) whose parsers live in only these modules: a command line with one of
them builds just those parsers (``mail list`` is run by scripts and timed in
bench/imap_bench.py: importing and building all ~40 parsers, or every ``mail`` parser with
the many options of ``mail add``, is a tenth of its start-up). Anything else, and top-level
help, build everything. tests/test_cli_parser.py checks the table."""


def build_parser(argv: Sequence[str] | None = None) -> ArgumentParser:
    """The argument parser: complete, or (for a verb in `VERB_HOMES` found in ``argv``)
    with only that verb's parsers."""
    parser = ArgumentParser(
        prog="tokendesk",
        description="OAuth2 credentials in an encrypted vault, fresh tokens, and IMAP mail. "
        "Run without a command to start the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"tokendesk {__version__}")
    parser.add_argument(
        "--vault",
        metavar="PATH",
        help="vault file (default: $TOKENDESK_VAULT, else the user data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    words = _verbs(argv)
    homes = VERB_HOMES.get(words) or VERB_HOMES.get(words[:1]) or VERB_MODULES
    for name in homes:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    for verb in _subparsers(parser):
        # `--vault` is accepted after the verb too (`tokendesk token X --vault V`), and each
        # parser remembers itself so that errors point at the right help.
        verb.add_argument("--vault", metavar="PATH", default=argparse.SUPPRESS, help="vault file")
        verb.set_defaults(_parser=verb)
    return parser


def _verbs(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The verb and sub-verb of a command line (fewer when unclear: an option other than
    ``--vault`` ends the search, and then more parsers are built)."""
    args, found = list(argv or ()), list[str]()
    while args and len(found) < 2:
        arg = args.pop(0)
        if arg == "--vault" and args:
            args.pop(0)
        elif not arg.startswith("-"):
            found.append(arg)
        elif not arg.startswith("--vault="):
            break  # --help, --version, a typo: the fuller parser answers
    return tuple(found)


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield child
                yield from _subparsers(child)


def _report(ctx: Context, failure: Failure) -> None:
    # The core sanitizes untrusted text where it enters; this is the backstop, so no
    # error can put an escape sequence, a C1 or bidi control or a line break on stderr.
    for line in failure_lines(failure):
        print(f"tokendesk: {sanitize(line)}", file=ctx.err, flush=True)


def main(
    argv: Sequence[str] | None = None, *, start_ui: Callable[[Path], int] | None = None
) -> int:
    """Run the CLI; return the exit status.

    Args:
        argv: the arguments after the program name (default: the process's).
        start_ui: what runs when no verb is given (the entry point passes the Textual app);
            without it the usage is printed.
    """
    from vault import VaultError

    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra:
        getattr(args, "_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    ctx = Context(vault_arg=args.vault)
    try:
        if args.command is None:
            if start_ui is None:
                parser.print_usage(ctx.err)
                return 2
            return start_ui(ctx.vault_path)
        return int(args.handler(args, ctx))
    except (TokendeskError, VaultError) as exc:
        failure = describe(exc)
        _report(ctx, failure)
        return failure.exit_code
    except KeyboardInterrupt:
        print("tokendesk: interrupted", file=ctx.err, flush=True)
        return 130
    except OutputClosed:
        # The reader went away (`tokendesk mail list X | head`): end quietly with the status
        # of a process killed by SIGPIPE, as other Unix tools do; point Python's own final
        # flush at /dev/null so it does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback, no secret
        if os.environ.get("TOKENDESK_DEBUG"):
            raise
        advice = "run again with TOKENDESK_DEBUG=1 to see the traceback"
        _report(ctx, Failure(f"unexpected internal error ({type(exc).__name__})", advice))
        return 1
