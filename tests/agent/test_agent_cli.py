"""``tokendesk agent`` as real processes: start, status, token through the agent and without
it (same output and exit status), lock, stop, and the lean client path."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

from tests.agent.conftest import pid_alive, wait_for
from tests.support.fixtures_vault import REPO

TOKEN_FORMS = (
    ("token", "Mail"),
    ("token", "@Mail"),
    ("token", "Mail", "--json"),
    ("token", "Mail", "--sasl", "xoauth2", "--user", "alice@example.test"),
    ("token", "--sasl=oauthbearer", "Mail", "--user=alice@example.test"),
    ("token", "Mail", "--env", "Production"),
)


def test_start_status_token_lock_stop(agent_setup):
    setup = agent_setup(envs=("Test", "Production"))
    pid = setup.start()
    assert setup.socket.exists()
    assert oct(setup.socket.stat().st_mode & 0o777) == "0o600"
    assert oct(setup.socket.parent.stat().st_mode & 0o777) == "0o700"
    status = setup.status()
    assert status["running"] and not status["locked"] and status["pid"] == pid
    assert {(t["environment"], t["component"]) for t in status["tokens"]} == {
        ("Test", "Mail"),
        ("Production", "Mail"),
    }
    text = setup.cli("agent", "status")
    assert text.returncode == 0 and "Agent: running" in text.stdout and "Mail" in text.stdout

    # Without any passphrase source, only the agent can answer.
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    for form in TOKEN_FORMS:
        via_agent = setup.cli(*form, env=bare)
        direct = setup.cli(*form, env=setup.no_agent_env())
        assert via_agent.returncode == direct.returncode == 0, (form, via_agent.stderr)
        assert via_agent.stdout == direct.stdout, form
        assert via_agent.stderr == direct.stderr == "", form
    assert setup.idp.stats["refresh"] == 0

    locked = setup.cli("agent", "lock")
    assert locked.returncode == 0
    assert setup.status()["locked"] is True
    fallback = setup.cli("token", "Mail", env=bare)
    assert fallback.returncode == 2 and "no passphrase" in fallback.stderr
    assert setup.cli("token", "Mail").returncode == 0  # opens the vault itself

    stopped = setup.cli("agent", "stop")
    assert stopped.returncode == 0, stopped.stderr
    wait_for(lambda: not pid_alive(pid), what="the agent to exit")
    assert not setup.socket.exists() and not setup.pidfile.exists()
    gone = setup.cli("agent", "status")
    assert gone.returncode == 1 and "No agent is running" in gone.stdout


def test_errors_through_the_agent_match_the_cli(agent_setup):
    setup = agent_setup()
    setup.start()
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    for form in (("token", "Nope"), ("token", "Mail", "--env", "Nowhere")):
        via_agent = setup.cli(*form, env=bare)
        direct = setup.cli(*form, env=setup.no_agent_env())
        assert via_agent.returncode == direct.returncode == 2
        assert via_agent.stderr == direct.stderr
    # Usage errors are left to the full command line (it needs no vault for them).
    usage = setup.cli("token", "Mail", "--user", "x@y", env=bare)
    assert usage.returncode == 2 and "--user is only used with --sasl" in usage.stderr


def test_needs_sign_in_is_exit_3_through_the_agent(agent_setup):
    setup = agent_setup()
    setup.start()
    setup.idp.revoke_all()
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    via_agent = setup.cli("token", "Mail", "--force-refresh", env=bare)
    assert via_agent.returncode == 3, via_agent.stderr
    # The rejection is stored; the access token is still valid, so both paths hand it out
    # with the same warning, without asking the IdP again.
    refreshes = setup.idp.stats["refresh"]
    direct = setup.cli("token", "Mail", env=setup.no_agent_env())
    again = setup.cli("token", "Mail", env=bare)
    assert direct.returncode == again.returncode == 0
    left = re.compile(r"valid for (\d+h )?\d+m \d\ds: ")  # e.g. "59m 58s", not 3598 s
    assert direct.stdout == again.stdout
    assert left.search(direct.stderr) and left.search(again.stderr), again.stderr
    assert left.sub("", direct.stderr) == left.sub("", again.stderr)
    assert "refresh failed" in again.stderr and "revoked" in again.stderr
    assert "sign in again" in again.stderr  # the refresh token is gone, not just unreachable
    assert setup.idp.stats["refresh"] == refreshes
    status = setup.status()
    assert status["tokens"][0]["state"] == "needs sign-in"


def test_force_refresh_through_the_agent(agent_setup):
    setup = agent_setup()
    setup.start()
    first = setup.cli("token", "Mail").stdout
    forced = setup.cli("token", "Mail", "--force-refresh")
    assert forced.returncode == 0 and forced.stdout != first
    assert setup.idp.stats["refresh"] == 1
    assert setup.cli("token", "Mail", env=setup.no_agent_env()).stdout == forced.stdout


def test_vault_edits_by_the_cli_are_seen(agent_setup):
    setup = agent_setup(envs=("Test", "Production"))
    setup.start()
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    test_token = setup.cli("token", "Mail", env=bare).stdout
    assert setup.cli("env", "use", "Production").returncode == 0
    prod_token = setup.cli("token", "Mail", env=bare).stdout
    assert prod_token != test_token
    assert prod_token == setup.cli("token", "Mail", env=setup.no_agent_env()).stdout


def test_another_vault_falls_back(agent_setup, tmp_path):
    setup = agent_setup()
    setup.start()
    other = tmp_path / "other.tokendesk"
    done = setup.cli("token", "Mail", "--vault", str(other))
    assert done.returncode == 1 and "no vault at" in done.stderr


def test_second_agent_is_refused(agent_setup):
    setup = agent_setup()
    setup.start()
    again = setup.cli("agent", "start")
    assert again.returncode == 1 and "already running" in again.stderr


def test_wrong_passphrase_does_not_start(agent_setup):
    setup = agent_setup()
    done = setup.cli("agent", "start", env={**setup.env, "TOKENDESK_PASSPHRASE": "nope"})
    assert done.returncode == 1 and "wrong passphrase" in done.stderr
    assert not setup.socket.exists()


def test_bad_options(agent_setup):
    setup = agent_setup()
    for args in (
        ("--keep-alive", "soon"),
        ("--keep-alive", "5s"),
        ("--notify-command", ""),
        ("--notify-command", "/nonexistent/hook --flag"),
    ):
        done = setup.cli("agent", "start", *args)
        assert done.returncode == 2 and done.stderr.count("\n") <= 2, args
    assert not setup.socket.exists()


def test_run_in_the_foreground_stops_on_sigterm(agent_setup):
    setup = agent_setup()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "agent", "run"],
        env=setup.env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(setup.socket.exists, what="the socket")
        assert setup.cli("token", "Mail").returncode == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        log = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "listening on" in log and "the key is forgotten" in log
    assert not setup.socket.exists()


def test_agent_path_imports_nothing_heavy(agent_setup):
    setup = agent_setup()
    setup.start()
    code = (
        "import sys\n"
        "from tui.main import main\n"
        "status = main(['token', 'Mail'])\n"
        "heavy = ('cryptography', 'httpx', 'authlib', 'argparse', 'tui.cli', 'vault', "
        "'textual', 'platformdirs', 'tui.core.oauth', 'tui.core.session')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(status, ','.join(loaded), file=sys.stderr)\n"
    )
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=bare, cwd=REPO, capture_output=True, text=True
    )
    assert done.stdout.startswith("at_")
    assert done.stderr.strip() == "0", done.stderr


def test_status_json_has_no_secrets(agent_setup):
    setup = agent_setup()
    setup.start()
    token = setup.cli("token", "Mail").stdout.strip()
    raw = setup.cli("agent", "status", "--json").stdout
    assert token not in raw and "rt_" not in raw and "secret" not in raw
    assert json.loads(raw)["tokens"][0]["component"] == "Mail"


def test_relative_vault_path_still_works_after_detaching(agent_setup):
    setup = agent_setup()
    env = {**setup.env, "TOKENDESK_VAULT": setup.vault.name}
    started = subprocess.run(
        [sys.executable, "-m", "tui", "agent", "start"],
        env=env,
        cwd=setup.vault.parent,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert started.returncode == 0, started.stderr
    setup.started.append(int(setup.pidfile.read_text()))
    assert setup.status()["vault"] == str(setup.vault)
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    forced = setup.cli("token", "Mail", "--force-refresh", env=bare)
    assert forced.returncode == 0, forced.stderr
    assert setup.cli("token", "Mail", env=setup.no_agent_env()).stdout == forced.stdout


def test_vault_option_naming_the_agents_vault_is_served(agent_setup):
    setup = agent_setup()
    setup.start()
    bare = {
        k: v for k, v in setup.env.items() if k not in ("TOKENDESK_PASSPHRASE", "TOKENDESK_VAULT")
    }
    for args in (
        ("--vault", str(setup.vault), "token", "Mail"),
        ("token", "Mail", f"--vault={setup.vault}"),
    ):
        done = setup.cli(*args, env=bare)
        assert done.returncode == 0 and done.stdout.startswith("at_"), done.stderr


def test_default_vault_is_served_without_naming_it(agent_setup):
    setup = agent_setup()
    data_home = setup.runtime / "data"
    (data_home / "tokendesk").mkdir(parents=True)
    setup.vault.rename(data_home / "tokendesk" / "vault.tokendesk")
    env = {k: v for k, v in setup.env.items() if k != "TOKENDESK_VAULT"}
    env["XDG_DATA_HOME"] = str(data_home)
    assert setup.cli("agent", "start", env=env).returncode == 0
    setup.started.append(int(setup.pidfile.read_text()))
    bare = {k: v for k, v in env.items() if k != "TOKENDESK_PASSPHRASE"}
    done = setup.cli("token", "Mail", env=bare)
    assert done.returncode == 0 and done.stdout.startswith("at_"), done.stderr
    # Naming another vault (here: the old place, now empty) is not served by this agent.
    other = setup.cli("token", "Mail", env={**bare, "TOKENDESK_VAULT": str(setup.vault)})
    assert other.returncode == 1 and "no vault at" in other.stderr


def test_a_passphrase_change_locks_the_agent(agent_setup):
    setup = agent_setup()
    setup.start()
    changed = setup.cli("passwd", env={**setup.env, "TOKENDESK_NEW_PASSPHRASE": "a new one"})
    assert changed.returncode == 0, changed.stderr
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    fallback = setup.cli("token", "Mail", env=bare)
    assert fallback.returncode == 2 and "no passphrase" in fallback.stderr
    status = setup.status()
    assert status["locked"] and "passphrase was changed" in status["locked_reason"]
    with_new = setup.cli("token", "Mail", env={**bare, "TOKENDESK_PASSPHRASE": "a new one"})
    assert with_new.returncode == 0


def test_started_agent_holds_no_passphrase_in_its_environment_or_arguments(agent_setup):
    from tests.agent.test_launch import secrets_in_proc

    setup = agent_setup()
    assert setup.env["TOKENDESK_PASSPHRASE"]  # `agent start` read it from there
    pid = setup.start()
    assert secrets_in_proc(pid, [setup.env["TOKENDESK_PASSPHRASE"].encode()]) == []
