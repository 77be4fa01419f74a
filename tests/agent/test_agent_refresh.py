"""The agent keeps tokens fresh as a real process against the rotating test IdP: concurrent
clients, every environment, SIGKILL mid-refresh, SIGSTOP past expiry, the IdP down then up
with the notify hook, needs sign-in."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from tests.agent.conftest import PASSPHRASE, wait_for
from tests.support.fixtures_oauth import token_record
from tui.core.records import Records
from tui.core.session import Session
from vault import Vault


def _tokens(vault: Path) -> Records:
    """The records, read under the vault's lock: a refresh in progress holds it from the
    request to the save, so what we read is never a refresh token the IdP just rotated."""
    session = Session.open(vault, PASSPHRASE)
    with session.edit() as records:
        return records


def _expire_stored(setup, *, at: float) -> None:
    """Make every stored token expire at ``at`` (written under the vault's lock)."""
    import dataclasses

    vault = Vault.open(setup.vault, PASSPHRASE)
    with vault.transaction() as payload:
        records = Records.from_payload(payload)
        for env, per in records.tokens.items():
            for name, tok in per.items():
                records.tokens[env][name] = dataclasses.replace(tok, expires_at=at)
        payload.clear()
        payload.update(records.to_payload())


def _grants_alive(setup, records: Records) -> list[str]:
    return [
        setup.idp.token_state(tok.refresh_token)
        for per in records.tokens.values()
        for tok in per.values()
    ]


def test_concurrent_clients_and_cli_spend_each_refresh_token_once(agent_setup):
    names = ("A", "B", "C")
    setup = agent_setup(names=names, envs=("Test", "Production"), refresh_delay=5)
    _expire_stored(setup, at=time.time() - 1)  # all six are due the moment the agent starts
    setup.start()
    results: list = [None] * 21

    def client(i: int) -> None:
        name, env = names[i % 3], ("Test", "Production")[i % 2]
        results[i] = setup.cli("token", name, "--env", env)

    def cli_force() -> None:
        results[20] = setup.cli("token", "A", "--force-refresh", env=setup.no_agent_env())

    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    threads.append(threading.Thread(target=cli_force))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0] * 21, [r.stderr for r in results]
    assert all(r.stdout.startswith("at_") for r in results)
    assert all("refresh failed" not in r.stderr for r in results)
    wait_for(lambda: setup.idp.stats["refresh"] >= 7, what="six due refreshes and the forced one")
    # Exactly one refresh per due token plus the forced one; no replay, every grant alive.
    assert setup.idp.stats["refresh"] == 7
    records = _tokens(setup.vault)
    assert _grants_alive(setup, records) == ["active"] * 6
    for per in records.tokens.values():
        for tok in per.values():
            assert not tok.last_error and tok.expires_at > time.time()


def test_every_environment_kept_fresh_without_clients(agent_setup):
    setup = agent_setup(
        names=("A", "B"), envs=("Test", "Production", "Staging"), lifetime=9, refresh_delay=3
    )
    setup.start()
    # Each of the six tokens is due six seconds after it was issued; wait for two rounds.
    wait_for(lambda: setup.idp.stats["refresh"] >= 12, timeout=60, what="two refresh rounds")
    records = _tokens(setup.vault)
    assert _grants_alive(setup, records) == ["active"] * 6
    for env in ("Test", "Production", "Staging"):
        for name in ("A", "B"):
            tok = records.token(env, name)
            assert tok is not None and tok.last_refresh is not None and not tok.last_error
    status = setup.status()
    assert status["refreshes"] >= 12
    assert {t["state"] for t in status["tokens"]} == {"scheduled"}


def test_sigkill_in_the_middle_of_a_refresh_loses_nothing(agent_setup):
    setup = agent_setup(refresh_delay=5)
    before = _tokens(setup.vault).token("Test", "Mail")
    _expire_stored(setup, at=time.time() - 1)
    setup.idp.token_fault = "hang"  # the agent's refresh request never gets an answer
    pid = setup.start()
    wait_for(lambda: "POST /token" in setup.idp.request_log, what="the agent's refresh request")
    os.kill(pid, signal.SIGKILL)
    setup.idp.token_fault = None
    # The vault opens, the refresh token was never spent, and its lock was released.
    done = setup.cli("token", "Mail")
    assert done.returncode == 0, done.stderr
    after = _tokens(setup.vault).token("Test", "Mail")
    assert after.access_token == done.stdout.strip() != before.access_token
    assert setup.idp.token_state(after.refresh_token) == "active"
    assert setup.idp.token_state(before.refresh_token) == "rotated"


def test_sigstop_past_expiry_then_sigcont_refreshes_at_once(agent_setup):
    setup = agent_setup(lifetime=6, refresh_delay=2)
    pid = setup.start()
    os.kill(pid, signal.SIGSTOP)
    try:
        expires = _tokens(setup.vault).token("Test", "Mail").expires_at
        wait_for(lambda: time.time() > expires + 1, what="the token to expire")
        assert setup.idp.stats["refresh"] == 0
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(lambda: setup.idp.stats["refresh"] >= 1, timeout=15, what="a refresh after waking")
    tok = _tokens(setup.vault).token("Test", "Mail")
    assert tok.expires_at > time.time() and not tok.last_error


def _hook(tmp_path: Path) -> tuple[str, Path]:
    log = tmp_path / "events.jsonl"
    script = tmp_path / "hook.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os\n"
        "keys = sorted(k for k in os.environ if k.startswith('TOKENDESK_'))\n"
        "doc = {k: os.environ[k] for k in keys}\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps(doc) + '\\n')\n"
    )
    script.chmod(0o700)
    return f"{script} --from-agent", log


def _events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_idp_down_then_up_backs_off_recovers_and_notifies(agent_setup, tmp_path):
    command, log = _hook(tmp_path)
    setup = agent_setup(lifetime=20, refresh_delay=12)  # due after 8 s, valid 12 s more
    setup.idp.token_fault = "disconnect"
    setup.start("--notify-command", command)
    wait_for(
        lambda: setup.status()["tokens"][0]["failures"] >= 3, timeout=60, what="three failures"
    )
    status = setup.status()["tokens"][0]
    assert status["state"] == "retrying" and status["last_error"]
    assert setup.idp.stats["faults"] >= 3
    setup.idp.token_fault = None
    wait_for(lambda: len(_events(log)) >= 2, timeout=60, what="the recovery event")
    failed, recovered = _events(log)[:2]
    assert failed["TOKENDESK_EVENT"] == "refresh_failed"
    assert recovered["TOKENDESK_EVENT"] == "recovered"
    for event in (failed, recovered):
        assert event["TOKENDESK_COMPONENT"] == "Mail"
        assert event["TOKENDESK_ENVIRONMENT"] == "Test"
        assert event["TOKENDESK_MESSAGE"]
        assert not [k for k in event if "PASSPHRASE" in k]
    # One failure notice for the whole outage, not one per retry.
    assert len(_events(log)) == 2
    tok = _tokens(setup.vault).token("Test", "Mail")
    assert not tok.last_error and setup.idp.token_state(tok.refresh_token) == "active"
    assert setup.status()["tokens"][0]["failures"] == 0


def test_rejected_refresh_token_notifies_once_and_stops_asking(agent_setup, tmp_path):
    command, log = _hook(tmp_path)
    setup = agent_setup(lifetime=6, refresh_delay=3)
    setup.idp.revoke_all()
    setup.start("--notify-command", command)
    wait_for(lambda: _events(log), timeout=30, what="the needs_signin event")
    assert _events(log)[0]["TOKENDESK_EVENT"] == "needs_signin"
    tries = setup.idp.stats["refresh"]
    assert tries == 1
    assert setup.status()["tokens"][0]["state"] == "needs sign-in"
    expires = _tokens(setup.vault).token("Test", "Mail").expires_at
    wait_for(lambda: time.time() > expires + 1, what="the token to expire")
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    via_agent = setup.cli("token", "Mail", env=bare)
    direct = setup.cli("token", "Mail", env=setup.no_agent_env())
    assert via_agent.returncode == direct.returncode == 3
    assert via_agent.stderr == direct.stderr
    assert setup.idp.stats["refresh"] == tries  # nobody asked the IdP again
    assert len(_events(log)) == 1


def test_new_sign_in_written_by_the_cli_is_picked_up(agent_setup):
    setup = agent_setup(lifetime=3600, refresh_delay=5)
    setup.start()
    issued = setup.idp.issue_token()
    vault = Vault.open(setup.vault, PASSPHRASE)
    with vault.transaction() as payload:
        records = Records.from_payload(payload)
        records.set_token("Test", "Mail", token_record(issued))
        payload.clear()
        payload.update(records.to_payload())
    bare = {k: v for k, v in setup.env.items() if k != "TOKENDESK_PASSPHRASE"}
    assert setup.cli("token", "Mail", env=bare).stdout.strip() == issued.access_token


def test_lock_waits_for_a_refresh_in_progress(agent_setup):
    setup = agent_setup(refresh_delay=5)
    _expire_stored(setup, at=time.time() - 1)
    setup.idp.configure(token_fault="hang", hang_seconds=3)
    setup.start()
    wait_for(lambda: "POST /token" in setup.idp.request_log, what="the agent's refresh request")
    locked = setup.cli("agent", "lock")
    assert locked.returncode == 0, locked.stderr
    assert setup.status()["locked"] is True
    # The failed refresh kept the tokens: the CLI refreshes them itself.
    setup.idp.token_fault = None
    done = setup.cli("token", "Mail")
    assert done.returncode == 0, done.stderr
