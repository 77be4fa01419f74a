"""The ``tokendesk`` console script: chooses a face.

With a verb it runs the command line (``tui.cli``); without one it starts the Textual app
(``tui.app``). The two faces never import each other: this module is the only place that
knows both.

``tokendesk token`` is what mail clients run on every connection, so it first asks a
running agent (``tui.core.agent.client``, standard library only) before any argparse tree,
cryptography or httpx is imported. Its options are read here with a small parser that
accepts only what ``token`` accepts; anything unusual (help, a malformed option, a usage
error) and any case the agent cannot answer (none running, locked, another vault) fall
through to the full command line, which prints exactly the same output, error or hint.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and pathlib cost milliseconds the token fast path cannot spare
    from collections.abc import Sequence
    from pathlib import Path

_VALUED = ("--env", "--vault", "--sasl", "--user")
_FLAGS = ("--json", "--force-refresh")
_SASL = ("xoauth2", "oauthbearer")


def start_app(vault_path: Path) -> int:
    """Start the terminal UI on ``vault_path``; return its exit status."""
    from tui.app.app import run

    return run(vault_path)


def parse_token_args(argv: Sequence[str]) -> dict[str, object] | None:
    """The options of ``[--vault V] token NAME [options]``, or None unless it is exactly that.

    None also for everything argparse would reject or treat specially, so that the full
    command line handles it with its own messages.
    """
    args = list(argv)
    opts: dict[str, object] = {"env": None, "vault": None, "sasl": None, "user": None}
    flags = dict.fromkeys(_FLAGS, False)
    verb_seen, name = False, None
    while args:
        arg = args.pop(0)
        if not verb_seen:
            if arg == "token":
                verb_seen = True
                continue
            key, eq, value = arg.partition("=")
            if key != "--vault":
                return None
        elif arg in _FLAGS:
            flags[arg] = True
            continue
        else:
            key, eq, value = arg.partition("=")
            if key not in _VALUED:
                if arg.startswith("-") or name is not None:
                    return None
                name = arg
                continue
        if not eq:
            if not args:
                return None
            value = args.pop(0)
        if value.startswith("-"):
            return None  # argparse reads that as an option: let it say so
        opts[key[2:]] = value
    sasl, user = opts["sasl"], opts["user"]
    if not name or (sasl is not None and sasl not in _SASL):
        return None
    if (user is not None and sasl is None) or (sasl is not None and flags["--json"]):
        return None
    opts.update(name=name, json=flags["--json"], force=flags["--force-refresh"])
    return opts


def token_via_agent(argv: Sequence[str]) -> int | None:
    """Run ``token`` through a running agent; None when the full command line must do it."""
    from tui.core.agent import client

    if not client.enabled():
        return None
    opts = parse_token_args(argv)
    if opts is None:
        return None
    given = opts["vault"]
    vault = client.vault_argument(given if isinstance(given, str) else None)
    if vault is False:
        return None
    reply = client.request(
        {
            "op": "token",
            "name": opts["name"],
            "env": opts["env"],
            "force": opts["force"],
            "sasl": opts["sasl"],
            "user": opts["user"],
            "vault": vault,
            **client.default_inputs(),
        },
        timeout=client.TOKEN_TIMEOUT,
    )
    if reply is None or reply.get("fallback"):
        return None
    try:
        if reply.get("ok") and isinstance(reply.get("view"), dict):
            out, warning = client.token_text(
                reply["view"], sasl=opts["sasl"] is not None, as_json=bool(opts["json"])
            )
            if warning:
                sys.stderr.write(f"tokendesk: {warning}\n")
                sys.stderr.flush()
            sys.stdout.write(out)
            sys.stdout.flush()
            return 0
        error = reply.get("error")
        if not isinstance(error, dict):
            return None
        from tui.cli.next_step import failure_lines
        from tui.core.errors import Failure, NextStep
        from tui.core.text import sanitize  # a reply is a peer's text: as the CLI's backstop

        failure = Failure(
            str(error.get("message")),
            str(error.get("advice") or "") or None,
            NextStep.from_dict(error.get("next_step")),
        )
        for line in failure_lines(failure):
            sys.stderr.write(f"tokendesk: {sanitize(line)}\n")
        sys.stderr.flush()
        code = error.get("exit")
        return code if isinstance(code, int) and code in (1, 2, 3) else 1
    except BrokenPipeError:
        # As the full command line does: the reader went away; quiet, SIGPIPE's status.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (KeyError, TypeError, ValueError):
        return None  # a reply this version does not understand: open the vault instead


def main(argv: Sequence[str] | None = None) -> int:
    """Run tokendesk with ``argv`` (default: the process arguments); return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    if "token" in args:
        status = token_via_agent(args)
        if status is not None:
            return status
    from tui.cli import main as cli_main

    return cli_main(args, start_ui=start_app)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
