"""The agent's core in-process: keep-alive, request validation, locking wipes the key, the
socket's size bound."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import tempfile
import threading
import time

import pytest

from tui.core.agent.client import MAX_LINE
from tui.core.agent.daemon import Agent
from tui.core.agent.server import AgentServer


@pytest.fixture
def agent(oauth_session):
    session, records = oauth_session()
    tok = records.token("Test", "Mail")
    old = dataclasses.replace(tok, last_refresh=time.time() - 1000, refresh_token_issued_at=None)
    with session.edit() as rec:
        rec.set_token("Test", "Mail", old)
    return Agent(session, keep_alive=500)


def test_keep_alive_refreshes_an_unused_fresh_token_once(agent, idp):
    before = agent.session.records.token("Test", "Mail")
    assert before.is_fresh(25)
    agent.tick()
    assert idp.stats["refresh"] == 1
    after = agent.session.records.token("Test", "Mail")
    assert after.refresh_token != before.refresh_token
    agent.tick()
    assert idp.stats["refresh"] == 1  # just used: not due again for keep_alive seconds
    assert agent.status()["tokens"][0]["next_refresh"] > time.time() + 400


def test_malformed_requests_are_refused(agent):
    for request in (
        {"op": "token", "name": 5},
        {"op": "token", "name": "x" * 1000},
        {"op": "token", "name": "Mail", "sasl": "plain"},
        {"op": "token", "name": "Mail", "force": "yes"},
    ):
        reply = agent.handle(request)
        assert reply["ok"] is False and reply["error"]["exit"] == 2, request
    assert agent.handle({"op": "secrets"})["error"]["exit"] == 2


def test_token_replies_carry_no_refresh_token_or_secret(agent):
    reply = agent.handle({"op": "token", "name": "Mail", "vault": str(agent.vault_path)})
    text = json.dumps(reply)
    tok = agent.session.records.token("Test", "Mail")
    assert reply["ok"] and tok.access_token in text
    assert tok.refresh_token not in text and "client_secret" not in text
    assert "test-client-secret" not in text


def test_sasl_without_any_user_falls_back_to_the_cli(agent):
    reply = agent.handle(
        {"op": "token", "name": "Mail", "sasl": "xoauth2", "vault": str(agent.vault_path)}
    )
    assert reply == {"ok": False, "fallback": "no user"}


def test_other_vault_falls_back(agent, tmp_path):
    reply = agent.handle({"op": "token", "name": "Mail", "vault": str(tmp_path / "x")})
    assert reply == {"ok": False, "fallback": "another vault"}


def test_lock_overwrites_the_key(agent):
    vault = agent.session.vault
    key = vault._key
    assert any(key)
    agent.lock()
    assert agent.session is None and not any(key) and len(vault._key) == 0
    assert agent.handle({"op": "token", "name": "Mail"}) == {"ok": False, "fallback": "locked"}
    assert agent.status()["locked"] is True and agent.status()["tokens"] == []


def test_requests_are_size_bounded(agent):
    path = os.path.join(tempfile.mkdtemp(prefix="tds"), "a.sock")
    server = AgentServer(agent.handle, path=path)
    server.bind()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(path)
        try:
            sock.sendall(b"x" * (MAX_LINE + 10000))
            reply = sock.recv(65536)
        except (BrokenPipeError, ConnectionResetError):
            reply = b""
        sock.close()
        assert reply == b"" or json.loads(reply)["error"]["exit"] == 2
        # A normal request still works afterwards.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        sock.sendall(b'{"op":"ping"}\n')
        assert json.loads(sock.recv(65536))["ok"] is True
        sock.close()
    finally:
        server.shutdown()
        thread.join(5)
        server.close()
    assert not os.path.exists(path)


def test_a_clock_jump_ends_the_backoff_at_once(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    agent = Agent(session)
    idp.token_fault = "500"
    agent.tick()
    state = agent.schedule.state("Test", "Mail")
    assert state.failures == 1 and state.retry_at is not None
    idp.token_fault = None
    state.retry_at = time.time() + 3600  # a long back-off, as after many failures
    agent.tick()
    assert agent.schedule.state("Test", "Mail").failures == 1  # still waiting it out
    # Wake as after a suspend: the wall clock moved on an hour, the monotonic one did not.
    wall, mono = agent._clocks
    agent._clocks = (wall - 3600, mono)
    agent.tick()
    assert agent.schedule.state("Test", "Mail").failures == 0
    assert agent.session.records.token("Test", "Mail").is_fresh(25)
    assert [e["event"] for e in agent.events] == ["refresh_failed", "recovered"]


def test_drain_waits_for_the_replies_being_sent():
    # The reply to "stop" is answered while the agent shuts down: drain() lets it go out
    # before the process ends (a lost reply made `agent stop` say no agent ran).
    entered, answered = threading.Event(), threading.Event()

    def slow(request):
        entered.set()
        time.sleep(0.3)  # a reply thread that the scheduler runs late
        answered.set()
        return {"ok": True}

    path = os.path.join(tempfile.mkdtemp(prefix="tds"), "a.sock")
    server = AgentServer(slow, path=path)
    server.bind()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(path)
    sock.sendall(b'{"op":"stop"}\n')
    assert entered.wait(10)
    server.shutdown()
    thread.join(5)
    server.drain()
    assert answered.is_set()
    server.close()
    assert json.loads(sock.recv(65536)) == {"ok": True}
    sock.close()


@pytest.mark.parametrize("op", ["token", "mail"])
def test_the_default_vault_is_served_only_to_a_client_with_the_same_default(agent, op, tmp_path):
    """The same user with another HOME or XDG_DATA_HOME means another default vault: such a
    client opens its own vault rather than getting this one's credentials."""
    from tui.core.agent import wire
    from tui.core.agent.client import default_inputs

    agent.is_default_vault = True  # as if the agent held the default vault
    base = {"op": op, "name": "Mail", "vault": None}

    def ask(request: dict) -> dict:
        return agent.handle(wire.loads(wire.dumps(request)))  # as it crosses the socket

    assert ask({**base, **default_inputs()}).get("fallback") is None  # the op's own answer
    elsewhere = {"default_home": str(tmp_path), "default_xdg_data_home": None}
    for other in (elsewhere, {"default_xdg_data_home": str(tmp_path)}, {}):
        assert ask({**base, **other}) == {"ok": False, "fallback": "another vault"}, other
