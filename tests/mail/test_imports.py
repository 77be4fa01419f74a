"""Import hygiene: the mail services never pull in Textual, and imapclient only on connect."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.fixtures_vault import REPO


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    return set(json.loads(out))


def test_mail_services_do_not_import_textual_or_imapclient():
    loaded = _modules_after(
        "import tui.core.mail, tui.core.mail.client, tui.core.mail.service\n"
        "import tui.core.mail.decode, tui.core.mail.errors\n"
        "import tui.cli.mail_cmds\n"
        "from tui.cli import build_parser; build_parser()"
    )
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}
    assert "imapclient" not in loaded  # loaded by MailClient.connect only
    assert "inscriptis" not in loaded  # loaded for HTML bodies only


def test_pop3_smtp_and_attachments_stay_textual_free():
    loaded = _modules_after(
        "import tui.core.mail.pop3, tui.core.mail.smtp, tui.core.mail.attachments\n"
        "import tui.core.mail.compose, tui.cli.mail_read_cmds, tui.cli.mail_send_cmds"
    )
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich", "imapclient")}


def test_the_listing_path_loads_only_what_listing_needs():
    """What `mail list` imports before it connects (bench/imap_bench.py: start-up cost)."""
    loaded = _modules_after(
        "from tui.cli import build_parser\n"
        "build_parser(['mail', 'list', 'X'])\n"
        "import tui.core.mail.service"
    )
    # Only the mail verbs' parsers are built, and nothing for reading or saving messages,
    # sending, running commands or the agent is imported.
    assert not {m for m in loaded if m.startswith(("tui.cli.oauth", "tui.cli.agent"))}
    unwanted = {"email.message", "email.policy", "email.parser", "smtplib", "subprocess",
                "tui.core.mail.attachments", "tui.core.mail.pop3", "tui.core.oauth"}  # fmt: skip
    assert not unwanted & loaded
