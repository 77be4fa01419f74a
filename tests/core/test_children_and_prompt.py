"""Child processes never get the vault's passphrase; the passphrase prompt works in a
raw-mode terminal (mutt/neomutt: Enter sends CR), drawn on the terminal itself."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
import tty

import pytest

from tests.support.fixtures_oauth import oauth_component
from tests.support.fixtures_vault import PASSPHRASE, REPO, cli_env, run_cli
from tui.core.childenv import child_environment
from tui.core.records import Records
from tui.core.session import read_passphrase

SECRETS = ("TOKENDESK_PASSPHRASE", "TOKENDESK_NEW_PASSPHRASE")


def _dumper(tmp_path):
    dump = tmp_path / "env.txt"
    script = tmp_path / "dump-env"
    script.write_text(f"#!/bin/sh\nenv > {dump}\nexit 0\n")
    script.chmod(0o755)
    return script, dump


def test_the_browser_child_gets_no_passphrase(make_vault, idp, tmp_path):
    records = Records()
    records.add(oauth_component(idp))
    path = make_vault(records)
    script, dump = _dumper(tmp_path)
    env = cli_env(path, BROWSER=str(script), TOKENDESK_NEW_PASSPHRASE="new secret value")
    res = run_cli("authorize", "Mail", "--timeout", "2", env=env)
    assert res.returncode == 1  # nobody signed in; the browser did start
    seen = dump.read_text()
    assert "PATH=" in seen
    for name in SECRETS:
        assert f"{name}=" not in seen
    assert PASSPHRASE not in seen and "new secret value" not in seen


def test_the_passphrase_command_gets_no_passphrase(make_vault, tmp_path):
    path = make_vault()
    script, dump = _dumper(tmp_path)
    cmd = tmp_path / "pass-cmd"
    cmd.write_text(f"#!/bin/sh\n{script}\necho '{PASSPHRASE}'\n")
    cmd.chmod(0o755)
    env = cli_env(path, passphrase=None, TOKENDESK_PASSPHRASE_COMMAND=str(cmd),
                  TOKENDESK_NEW_PASSPHRASE="new secret value")  # fmt: skip
    res = run_cli("status", env=env)
    assert res.returncode == 0, res.stderr
    assert "new secret value" not in dump.read_text()
    assert "TOKENDESK_NEW_PASSPHRASE" not in dump.read_text()


def test_a_read_passphrase_leaves_the_process_environment(monkeypatch):
    monkeypatch.setenv("TOKENDESK_PASSPHRASE", "pw-from-env")
    assert read_passphrase() == "pw-from-env"
    assert "TOKENDESK_PASSPHRASE" not in os.environ
    assert "TOKENDESK_PASSPHRASE" not in child_environment({"TOKENDESK_PASSPHRASE": "x"})


def _run_in_raw_pty(args, env, typed: bytes, timeout=60.0):
    """Run the CLI on a pty put in raw mode first (as mutt leaves it); type ``typed`` after
    the prompt. Returns the exit status and what the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            tty.setraw(0)  # no canonical mode, no CR->NL, no echo changes: curses' raw mode
            os.chdir(REPO)
            os.execve(sys.executable, [sys.executable, "-m", "tui", *args], env)
        finally:
            os._exit(127)
    shown, sent = b"", False
    deadline = time.monotonic() + timeout
    status = None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
            if not sent and b"passphrase: " in shown:
                os.write(fd, typed)  # at once, as a fast typist or a script would
                sent = True
        else:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


@pytest.mark.parametrize("enter", [b"\r", b"\n"], ids=["CR", "LF"])
def test_passphrase_prompt_in_a_raw_mode_terminal(make_vault, enter):
    path = make_vault()
    env = cli_env(path, passphrase=None)
    # A typo corrected with backspace, then Enter as mutt sends it.
    typed = (PASSPHRASE[:-1] + "x\x7f" + PASSPHRASE[-1]).encode() + enter
    status, shown = _run_in_raw_pty(["status"], env, typed, timeout=30)
    assert status == 0, shown
    assert "Vault passphrase: " in shown
    assert PASSPHRASE not in shown  # not echoed


def test_ctrl_c_at_the_prompt_ends_cleanly(make_vault):
    status, shown = _run_in_raw_pty(["status"], cli_env(make_vault(), passphrase=None), b"\x03")
    assert status == 130 and "Traceback" not in shown
