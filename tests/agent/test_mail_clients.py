"""Debian's own mail clients with ``tokendesk token`` as their command, against a real
Dovecot that checks every token at the test IdP: curl (``--oauth2-bearer``), mbsync
(``PassCmd``, XOAUTH2 through ``libsasl2-modules-kdexoauth2``) and msmtp (``passwordeval``,
through Dovecot's submission service), with and without an agent, across an access token's
expiry."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.conftest import PASSPHRASE, wait_for
from tests.support import mailgen
from tests.support.dovecot import Dovecot
from tests.support.fixtures_mail import IMAP_SCOPE, OAUTH_USER
from tests.support.fixtures_oauth import oauth_component, token_record
from tests.support.fixtures_vault import CHEAP_KDF, REPO, cli_env
from tests.support.idp import TestIdP
from tests.support.smtpsink import SmtpSink
from tui.core.records import Records
from tui.core.session import Session
from vault import Vault

LIFETIME = 8
"""Seconds an access token lives: long enough for one client run, short enough to outlive."""
TOKEN_COMMAND = f"{sys.executable} -m tui token @Mail"


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture(scope="module")
def server(sink: SmtpSink) -> Iterator[tuple[TestIdP, Dovecot]]:
    idp = TestIdP(user=OAUTH_USER).start()
    root = Path(tempfile.mkdtemp(prefix="tokendesk-agent-dovecot-"))
    dovecot = Dovecot(
        root, introspection_url=idp.introspection_url_with_credentials, relay_port=sink.port
    )
    dovecot.start()
    try:
        mailgen.seed(dovecot, OAUTH_USER, bulk=0)
        yield idp, dovecot
    finally:
        dovecot.stop()
        idp.stop()
        shutil.rmtree(root, ignore_errors=True)
    assert idp.violations == []


@pytest.fixture
def mail_setup(server, tmp_path):
    idp, dovecot = server
    idp.access_token_lifetime = LIFETIME
    runtime = Path(tempfile.mkdtemp(prefix="tdm"))
    records = Records()
    comp = oauth_component(idp, scope=IMAP_SCOPE, refresh_delay=2)
    records.add(comp)
    issued = idp.issue_token(OAUTH_USER, scope=IMAP_SCOPE, client_id=comp.client_id)
    records.set_token("Test", "Mail", token_record(issued))
    vault = runtime / "vault.tokendesk"
    Vault.create(vault, PASSPHRASE, records.to_payload(), kdf=CHEAP_KDF)
    env = cli_env(vault, XDG_RUNTIME_DIR=str(runtime), PYTHONPATH=str(REPO))
    yield idp, dovecot, vault, env
    subprocess.run(
        [sys.executable, "-m", "tui", "agent", "stop"], env=env, cwd=REPO, capture_output=True
    )
    shutil.rmtree(runtime, ignore_errors=True)


def _curl(dovecot: Dovecot, env: dict) -> subprocess.CompletedProcess[str]:
    # As a user's script does it: the token comes from the command each time curl runs.
    script = (
        f'curl -sS --oauth2-bearer "$({TOKEN_COMMAND})" --cacert {dovecot.ca_file} '
        f"'imaps://localhost:{dovecot.imaps_port}/INBOX' --login-options AUTH=XOAUTH2 "
        f"-u {OAUTH_USER}: -X 'STATUS INBOX (MESSAGES)'"
    )
    return subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)


def _mbsync(dovecot: Dovecot, env: dict, workdir: Path) -> subprocess.CompletedProcess[str]:
    local = workdir / "mail"
    local.mkdir(exist_ok=True)
    conf = workdir / "mbsyncrc"
    conf.write_text(
        "IMAPAccount test\n"
        "Host localhost\n"  # isync 1.4 checks the name; the IP address SAN does not satisfy it
        f"Port {dovecot.imaps_port}\n"
        f"User {OAUTH_USER}\n"
        f'PassCmd "{TOKEN_COMMAND}"\n'
        "AuthMechs XOAUTH2\n"
        "SSLType IMAPS\n"  # isync 1.4 does not know TLSType
        f"CertificateFile {dovecot.ca_file}\n\n"
        "IMAPStore remote\nAccount test\n\n"
        f"MaildirStore local\nPath {local}/\nInbox {local}/INBOX\n\n"
        "Channel inbox\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\n"
        "Sync Pull\nSyncState *\n"
    )
    return subprocess.run(
        ["mbsync", "-c", str(conf), "inbox"], env=env, capture_output=True, text=True, timeout=60
    )


def _stored(vault: Path):
    """The stored token, read under the vault's lock (never in the middle of a refresh)."""
    with Session.open(vault, PASSPHRASE).edit() as records:
        return records.token("Test", "Mail")


def _stored_access_token(vault: Path) -> str:
    return _stored(vault).access_token


def _outlive(idp: TestIdP, access_token: str) -> None:
    wait_for(
        lambda: idp.token_state(access_token) == "expired",
        timeout=LIFETIME + 10,
        what="the access token to expire at the IdP",
    )


def _start_agent(env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tui", "agent", "start"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    # The clients get no passphrase: only the agent can give them tokens.
    return {k: v for k, v in env.items() if k != "TOKENDESK_PASSPHRASE"}


@pytest.mark.parametrize("with_agent", [False, True], ids=["no-agent", "agent"])
def test_curl_across_an_expiry(mail_setup, with_agent):
    idp, dovecot, vault, env = mail_setup
    if with_agent:
        env = _start_agent(env)
    first = _curl(dovecot, env)
    assert first.returncode == 0, first.stderr
    assert "STATUS INBOX (MESSAGES" in first.stdout
    _outlive(idp, _stored_access_token(vault))
    second = _curl(dovecot, env)
    assert second.returncode == 0, second.stderr
    assert "STATUS INBOX (MESSAGES" in second.stdout


@pytest.mark.parametrize("with_agent", [False, True], ids=["no-agent", "agent"])
def test_mbsync_across_an_expiry(mail_setup, with_agent, tmp_path):
    idp, dovecot, vault, env = mail_setup
    if with_agent:
        env = _start_agent(env)
    first = _mbsync(dovecot, env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    fetched = list((tmp_path / "mail" / "INBOX" / "new").iterdir()) + list(
        (tmp_path / "mail" / "INBOX" / "cur").iterdir()
    )
    assert len(fetched) == len(mailgen.corpus())
    _outlive(idp, _stored_access_token(vault))
    started = time.time()
    second = _mbsync(dovecot, env, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    tok = _stored(vault)
    assert tok.obtained_at is not None and tok.obtained_at > started - LIFETIME


def _msmtp(dovecot: Dovecot, env: dict, workdir: Path, subject: str):
    conf = workdir / "msmtprc"
    conf.write_text(
        "account test\n"
        "host localhost\n"
        f"port {dovecot.submissions_port}\n"
        "tls on\n"
        "tls_starttls off\n"
        f"tls_trust_file {dovecot.ca_file}\n"
        "auth xoauth2\n"
        f"user {OAUTH_USER}\n"
        f'passwordeval "{TOKEN_COMMAND}"\n'
        f"from {OAUTH_USER}\n"
    )
    conf.chmod(0o600)  # msmtp refuses a configuration others can read
    message = f"From: {OAUTH_USER}\nTo: bob@example.test\nSubject: {subject}\n\nhello\n"
    return subprocess.run(
        ["msmtp", "-C", str(conf), "-a", "test", "bob@example.test"],
        env=env,
        input=message,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("with_agent", [False, True], ids=["no-agent", "agent"])
def test_msmtp_across_an_expiry(mail_setup, sink, with_agent, tmp_path):
    idp, dovecot, vault, env = mail_setup
    if with_agent:
        env = _start_agent(env)
    subject = f"agent-test-{with_agent}-{time.time()}"
    first = _msmtp(dovecot, env, tmp_path, subject + "-1")
    assert first.returncode == 0, first.stderr
    _outlive(idp, _stored_access_token(vault))
    second = _msmtp(dovecot, env, tmp_path, subject + "-2")
    assert second.returncode == 0, second.stderr
    wait_for(
        lambda: sum(subject.encode() in m.content for m in sink.received) == 2,
        what="both messages at the relay",
    )
