"""A broken (or hostile) agent's answers to ``mail``: the command never trusts what it cannot
check. Anything that would not pass the model's own validation makes the command open the
vault itself; an error reply is bounded, one line, with an exit status from the contract.

The agent here is the real socket server (`tui.core.agent.server.AgentServer`) with a handler
that answers whatever a test sets: a wrong agent is a fault a real one cannot be made to show.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.cli import main
from tui.core.agent.client import MAX_LINE
from tui.core.agent.mail_access import AgentRefusal, access_from_agent
from tui.core.agent.server import AgentServer
from tui.core.errors import TokendeskError

INBOUND = {
    "kind": "mail",
    "name": "m",
    "host": "127.0.0.1",
    "protocol": "imaps",
    "port": 993,
    "username": "u",
    "auth": "password",
    "token_ref": "",
    "password": "pw",
    "sasl": "xoauth2",
    "ca_file": "",
    "timeout": 30.0,
    "allow_plaintext": False,
    "folder": "INBOX",
    "content": "both",
}


class FakeAgent:
    """The agent's socket answering every request with ``reply``."""

    def __init__(self) -> None:
        self.reply: dict[str, Any] = {}
        self.requests: list[dict[str, Any]] = []
        self.server = AgentServer(self._answer)

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        return self.reply

    def answer(self, **fields: Any) -> None:
        """Reply ok with INBOUND changed by ``component`` fields, or with top-level keys."""
        comp = fields.pop("component", {})
        comp = {**INBOUND, **comp} if isinstance(comp, dict) else comp
        self.reply = {
            "ok": True,
            "component": comp,
            "username": "u",
            "environment": "Test",
            "access_token": None,
            **fields,
        }


@pytest.fixture
def fake_agent(monkeypatch) -> Iterator[FakeAgent]:
    runtime = Path(tempfile.mkdtemp(prefix="tdr"))  # AF_UNIX paths are short
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("TOKENDESK_NO_AGENT", raising=False)
    agent = FakeAgent()
    agent.server.bind()
    thread = threading.Thread(target=agent.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield agent
    finally:
        agent.server.shutdown()
        thread.join(5)
        agent.server.close()
        shutil.rmtree(runtime, ignore_errors=True)


def test_a_well_formed_reply_is_used(fake_agent):
    fake_agent.answer()
    access = access_from_agent("m", None, None)
    assert access is not None
    assert access.component.host == "127.0.0.1" and access.username == "u"
    assert access.credential.secret(False) == "pw"


@pytest.mark.parametrize(
    "change",
    [
        # What the model refuses must not be used: a plaintext login to a remote host
        # would put the password on the wire in the clear.
        {"component": {"host": "mail.example.com", "protocol": "imap", "allow_plaintext": True}},
        {"component": {"timeout": "soon"}},
        {"component": {"timeout": 10**9}},
        {"component": {"port": "993"}},
        {"component": {"protocol": "gopher"}},
        {"component": {"content": "everything"}},
        {"component": {"host": 7}},
        {"component": {"password": 1234}},
        {"component": {"folder": None}},
        {"component": {"allow_plaintext": "no"}},
        {"component": {"name": ""}},
        {"component": {"auth": "oauth", "token_ref": "@T", "username": 5}, "access_token": "t"},
        {"username": None},
        {"username": ["u"]},
        {"environment": 3},
        {"component": {"auth": "oauth", "token_ref": "@T"}, "access_token": 5},
        {"component": ["not", "a", "dict"]},
    ],
)
def test_a_reply_the_model_would_refuse_opens_the_vault_instead(fake_agent, change):
    fake_agent.answer(**change)
    assert access_from_agent("m", None, None) is None


def test_an_outbound_reply_for_an_inbound_request_opens_the_vault(fake_agent):
    fake_agent.answer(component={"kind": "smtp", "protocol": "smtps", "port": 465})
    assert access_from_agent("m", None, None) is None


def test_an_error_reply_is_bounded_and_keeps_the_exit_contract(fake_agent):
    fake_agent.reply = {
        "ok": False,
        "error": {"message": "x" * 20_000, "advice": "y" * 20_000, "exit": True},
    }
    with pytest.raises(AgentRefusal) as err:
        access_from_agent("m", None, None)
    assert type(err.value.exit_code) is int and err.value.exit_code == 1
    assert len(err.value.message) <= 1000 and len(err.value.advice or "") <= 1000


def test_a_reply_too_large_for_the_wire_falls_back_to_the_vault(fake_agent):
    fake_agent.answer(component={"password": "p" * MAX_LINE})
    assert access_from_agent("m", None, None) is None


def test_the_command_falls_back_without_a_traceback(fake_agent, tmp_path, capsys):
    """A reply the command cannot use: it opens the vault (here: none there, so it says so)."""
    fake_agent.answer(component={"timeout": "soon"})
    missing = tmp_path / "none.vault"
    status = main(["--vault", str(missing), "mail", "list", "m"])
    err = capsys.readouterr().err
    assert fake_agent.requests, "the agent was not asked"
    assert status == 1, err  # as without an agent: no vault there
    assert "Traceback" not in err and "unexpected" not in err
    assert str(missing) in err and "init" in err


def test_a_hostile_error_message_reaches_the_terminal_as_one_clean_line(fake_agent, capsys):
    fake_agent.reply = {"ok": False, "error": {"message": "\x1b]52;c;aGk=\x07bad\nnext", "exit": 3}}
    assert main(["mail", "list", "m"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err


def test_the_token_fast_path_cleans_an_error_reply_too(fake_agent, capfd):
    fake_agent.reply = {
        "ok": False,
        "error": {"message": "\x1b]52;c;aGk=\x07bad\x9b2J", "advice": "a\x1b[2Jb", "exit": 3},
    }
    from tui.main import main as entry

    assert entry(["token", "X"]) == 3
    err = capfd.readouterr().err
    assert fake_agent.requests[-1]["op"] == "token"
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err
    assert err.startswith("tokendesk: ") and "bad" in err


def test_an_agent_that_drips_its_reply_is_given_up_on(monkeypatch):
    """The timeout bounds the whole reply, not each read: one byte a second would otherwise
    keep a command waiting for 64 KiB seconds."""
    runtime = Path(tempfile.mkdtemp(prefix="tdr"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    from tui.core.agent import client

    (runtime / "tokendesk").mkdir(mode=0o700)
    stop = threading.Event()
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(client.socket_path())
        listener.listen(1)

        def drip() -> None:
            conn, _ = listener.accept()
            with conn:
                while not stop.wait(0.3):
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        return

        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        try:
            assert client.request({"op": "ping"}, timeout=1.0) is None
        finally:
            stop.set()
            thread.join(5)
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.mark.parametrize(
    ("name", "env"),
    [("", None), ("x" * 300, None), ("m", "E" * 300)],
    ids=["empty", "long-name", "long-env"],
)
def test_a_request_the_agent_would_call_malformed_is_left_to_the_vault(fake_agent, name, env):
    """The vault says what is wrong with such a name ('no component named ...'), as without
    an agent; the agent would only say 'malformed mail request'."""
    fake_agent.answer()
    assert access_from_agent(name, env, None) is None
    assert fake_agent.requests == []


def test_the_content_setting_comes_through(fake_agent):
    fake_agent.answer(component={"content": "body"})
    access = access_from_agent("m", None, None)
    assert access is not None and access.component.content == "body"


def test_an_agent_gone_before_the_forced_refresh_says_to_run_again(fake_agent):
    oauth = {"auth": "oauth", "token_ref": "@Mail", "password": ""}
    fake_agent.answer(component=oauth, access_token="at-1")
    access = access_from_agent("m", None, None)
    assert access is not None and access.credential.secret(False) == "at-1"
    fake_agent.reply = {"ok": False, "fallback": "locked"}  # locked between the two asks
    with pytest.raises(TokendeskError) as err:
        access.credential.secret(True)  # the login was rejected: a forced refresh
    assert err.value.exit_code == 1 and "went away" in err.value.message
    assert err.value.advice and "run the command again" in err.value.advice
    assert fake_agent.requests[-1]["force"] is True
