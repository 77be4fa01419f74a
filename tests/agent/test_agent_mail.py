"""Mail commands through a running agent: ``mail list|show|folders|send`` with the vault
closed (no passphrase anywhere in the command's environment), against the real Dovecot and
the test IdP, giving exactly what the same command gives when it opens the vault itself."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fixtures_mail import OAUTH_USER, PASSWORD
from tests.support.fixtures_vault import PASSPHRASE, REPO, cli_env, run_cli
from tui.core.agent import client
from tui.core.agent.mail_access import AgentRefusal, access_from_agent


class Agent:
    """An agent started on ``vault`` in a private runtime directory, and two environments to
    run commands in: ``env`` (no passphrase: only the agent can help) and ``direct``."""

    def __init__(self, vault: Path) -> None:
        # A short path: AF_UNIX socket paths are limited to 107 bytes.
        self.runtime = Path(tempfile.mkdtemp(prefix="tdx"))
        self.env = cli_env(vault, None, XDG_RUNTIME_DIR=str(self.runtime))
        self.direct = cli_env(vault, PASSPHRASE, TOKENDESK_NO_AGENT="1")
        started = run_cli("agent", "start", env={**self.env, "TOKENDESK_PASSPHRASE": PASSPHRASE})
        assert started.returncode == 0, started.stderr

    def cli(self, *args: str, direct: bool = False):
        return run_cli(*args, env=self.direct if direct else self.env)

    def stop(self) -> None:
        run_cli("agent", "stop", env=self.env)
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture
def agent(pop_vault) -> Iterator[Agent]:
    running = Agent(pop_vault.path)
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("name", ["imaps-x", "password", "pop3s-x", "pop3-pw"])
def test_mail_list_through_the_agent_matches_opening_the_vault(agent, name):
    via_agent = agent.cli("mail", "list", name, "--limit", "5", "--json")
    assert via_agent.returncode == 0, via_agent.stderr
    direct = agent.cli("mail", "list", name, "--limit", "5", "--json", direct=True)
    assert direct.returncode == 0, direct.stderr
    assert json.loads(via_agent.stdout) == json.loads(direct.stdout)
    assert len(json.loads(via_agent.stdout)) == 5
    assert via_agent.stderr == direct.stderr == ""


def test_show_and_folders_through_the_agent(agent):
    listed = json.loads(agent.cli("mail", "list", "imaps-x", "--limit", "1", "--json").stdout)
    uid = str(listed[0]["uid"])
    for args in (("mail", "show", "imaps-x", uid), ("mail", "folders", "imaps-x")):
        via_agent, direct = agent.cli(*args), agent.cli(*args, direct=True)
        assert via_agent.returncode == direct.returncode == 0, via_agent.stderr
        assert via_agent.stdout == direct.stdout


def test_without_an_agent_the_command_needs_the_passphrase(agent):
    run_cli("agent", "stop", env=agent.env)
    done = agent.cli("mail", "list", "password", "--limit", "1")
    assert done.returncode != 0
    assert "passphrase" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_locked_agent_leaves_the_command_to_the_vault(agent):
    assert run_cli("agent", "lock", env=agent.env).returncode == 0
    withpass = {**agent.env, "TOKENDESK_PASSPHRASE": PASSPHRASE}
    done = run_cli("mail", "list", "password", "--limit", "2", "--json", env=withpass)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 2


def test_send_through_the_agent(agent, smtp_sink):
    before = len(smtp_sink.received)
    done = agent.cli("mail", "send", "smtps-x", "--to", OAUTH_USER, "--subject", "via agent")
    assert done.returncode == 0, done.stderr
    assert b"Subject: via agent" in smtp_sink.wait_for(before + 1)[-1].content


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("mail", "list", "nope"), 2),  # no such component
        (("mail", "list", "smtps-x"), 2),  # an outbound one cannot be read
        (("mail", "send", "imaps-x", "--to", OAUTH_USER, "--subject", "x"), 2),
        (("mail", "list", "password", "--env", "Nowhere"), 2),
    ],
)
def test_errors_through_the_agent_match_opening_the_vault(agent, args, code):
    via_agent, direct = agent.cli(*args), agent.cli(*args, direct=True)
    assert via_agent.returncode == direct.returncode == code
    assert via_agent.stderr == direct.stderr
    assert "Traceback" not in via_agent.stderr


def test_revoked_grant_needs_sign_in_with_the_same_words(agent, pop_vault):
    pop_vault.idp.revoke(pop_vault.token.refresh_token)  # access and refresh tokens die
    via_agent = agent.cli("mail", "list", "imaps-x")
    direct = agent.cli("mail", "list", "imaps-x", direct=True)
    assert via_agent.returncode == direct.returncode == 3
    assert via_agent.stderr == direct.stderr
    assert "re-authorization needed for @TestToken" in via_agent.stderr


def test_a_rejected_token_is_refreshed_once_by_the_agent(agent, pop_vault):
    idp = pop_vault.idp
    idp.expire(pop_vault.token.access_token)  # the agent thinks it is fresh; Dovecot says no
    refreshes = idp.stats["refresh"]
    done = agent.cli("mail", "list", "imaps-x", "--limit", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert idp.stats["refresh"] == refreshes + 1
    # The agent kept the new token: the next command uses it without refreshing again.
    assert agent.cli("mail", "list", "imaps-x", "--limit", "1").returncode == 0
    assert idp.stats["refresh"] == refreshes + 1


def test_the_reply_carries_only_what_the_login_needs(agent, pop_vault, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(agent.runtime))
    reply = client.request(
        {"op": "mail", "name": "imaps-x", "env": None, "vault": str(pop_vault.path)}
    )
    assert reply is not None and reply["ok"], reply
    text = json.dumps(reply)
    assert pop_vault.token.refresh_token not in text
    assert "client_secret" not in text and "refresh_token" not in text
    assert reply["access_token"] == pop_vault.token.access_token
    assert reply["username"] == OAUTH_USER and reply["environment"] == "Test"
    password = access_from_agent("password", None, str(pop_vault.path))
    assert password is not None and password.credential.secret(False) == PASSWORD
    assert PASSWORD not in repr(password)  # the component and credential hide it
    with pytest.raises(AgentRefusal) as err:
        access_from_agent("nope", None, str(pop_vault.path))
    assert err.value.exit_code == 2 and "no component named 'nope'" in err.value.message
    # Another vault: the agent declines, and the command opens that vault itself.
    assert access_from_agent("password", None, str(pop_vault.path) + ".other") is None


@pytest.mark.parametrize(
    "request_",
    [
        {"op": "mail", "name": ""},
        {"op": "mail", "name": 7},
        {"op": "mail", "name": "x" * 300},
        {"op": "mail", "name": "imaps-x", "outbound": "yes"},
        {"op": "mail", "name": "imaps-x", "force": 1},
        {"op": "mail", "name": "imaps-x", "env": ["Test"]},
    ],
)
def test_malformed_mail_requests_are_refused(agent, request_):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(agent.runtime / "tokendesk" / "agent.sock"))
        sock.sendall(json.dumps(request_).encode() + b"\n")
        reply = client.read_message(sock)
    assert reply is not None and reply["ok"] is False
    assert reply["error"]["exit"] == 2 and "malformed" in reply["error"]["message"]


def test_mail_list_through_the_agent_loads_no_vault_code(agent):
    code = (
        "import sys\n"
        "from tui.main import main\n"
        "status = main(['mail', 'list', 'password', '--limit', '1'])\n"
        "heavy = ('cryptography', 'httpx', 'authlib', 'vault.store', 'vault.format', "
        "'textual', 'tui.core.oauth', 'tui.core.session', 'tui.core.records')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(status, ','.join(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=agent.env, cwd=REPO, capture_output=True, text=True
    )
    assert done.stderr.strip() == "0", done.stderr
    assert "-- 1 message of" in done.stdout


def test_an_agent_on_the_default_vault_serves_only_that_default(pop_vault, tmp_path):
    """No --vault and no TOKENDESK_VAULT: the agent answers a command whose default vault is
    its own, and not one whose HOME (so whose default vault) is another."""
    from tui.core.session import VAULT_FILENAME

    home = tmp_path / "home"
    default = home / ".local" / "share" / "tokendesk" / VAULT_FILENAME
    default.parent.mkdir(parents=True)
    shutil.copy(pop_vault.path, default)
    runtime = Path(tempfile.mkdtemp(prefix="tdx"))
    env = cli_env(None, None, XDG_RUNTIME_DIR=str(runtime), HOME=str(home))
    env.pop("XDG_DATA_HOME", None)
    started = run_cli("agent", "start", env={**env, "TOKENDESK_PASSPHRASE": PASSPHRASE})
    assert started.returncode == 0, started.stderr
    try:
        done = run_cli("mail", "list", "password", "--limit", "1", "--json", env=env)
        assert done.returncode == 0, done.stderr
        other = run_cli("mail", "list", "password", env={**env, "HOME": str(tmp_path)})
        assert other.returncode == 1 and "no vault at" in other.stderr, other.stderr
    finally:
        run_cli("agent", "stop", env=env)
        shutil.rmtree(runtime, ignore_errors=True)
