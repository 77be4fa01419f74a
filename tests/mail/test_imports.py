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
