"""Sending over Dovecot's submission service (relaying to the SMTP sink) with a token and
with a password; the message read back is the MIME we built."""

from __future__ import annotations

import email
import uuid
from email.policy import default

import pytest

from tests.support.fixtures_mail import OAUTH_USER, PASSWORD_USER


def _received(sink, subject: str):
    for got in sink.wait_for(1):
        msg = email.message_from_bytes(got.content, policy=default)
        if msg["Subject"] == subject:
            return got, msg
    return None, None


def _wait_for_subject(sink, subject: str):
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        got, msg = _received(sink, subject)
        if got:
            return got, msg
        time.sleep(0.05)
    raise AssertionError(f"no message with subject {subject!r} reached the sink")


@pytest.mark.parametrize(
    ("name", "user"),
    [("smtps-x", OAUTH_USER), ("smtp-b", OAUTH_USER), ("smtp-pw", PASSWORD_USER)],
)
def test_send_with_attachment_round_trip(cli, pop_vault, smtp_sink, tmp_path, name, user):
    subject = f"Report ü {uuid.uuid4().hex[:8]}"
    body = tmp_path / "body.txt"
    body.write_text("Hello from tokendesk.\nZweite Zeile: grüße.\n", encoding="utf-8")
    blob = bytes(range(256)) * 300
    attachment = tmp_path / "data.bin"
    attachment.write_bytes(blob)
    result = cli(
        "mail", "send", name, "--to", "rcpt@example.test", "--subject", subject,
        "--body-file", str(body), "--attach", str(attachment),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    got, msg = _wait_for_subject(smtp_sink, subject)
    assert got.mail_from == user and got.rcpt_tos == ("rcpt@example.test",)
    assert msg["From"] == user and msg["To"] == "rcpt@example.test"
    text, *files = list(msg.iter_parts())
    assert (
        text.get_content().replace("\r\n", "\n") == "Hello from tokendesk.\nZweite Zeile: grüße.\n"
    )
    assert files[0].get_filename() == "data.bin"
    assert files[0].get_content() == blob
    assert msg["Message-ID"] and msg["Date"]
    for secret in (pop_vault.token.access_token, "pässword"):
        assert secret not in result.stdout + result.stderr


def test_body_from_stdin(cli, pop_vault, smtp_sink):
    subject = f"stdin {uuid.uuid4().hex[:8]}"
    result = cli(
        "mail", "send", "smtps-x", "--to", "a@example.test", "--subject", subject,
        "--body-file", "-", input="piped body\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _, msg = _wait_for_subject(smtp_sink, subject)
    assert msg.get_content().replace("\r\n", "\n") == "piped body\n"


def test_expired_token_is_refreshed_before_sending(cli, pop_vault, smtp_sink):
    pop_vault.idp.expire(pop_vault.token.access_token)
    subject = f"after refresh {uuid.uuid4().hex[:8]}"
    result = cli("mail", "send", "smtps-x", "--to", "a@example.test", "--subject", subject)
    assert result.returncode == 0, result.stderr
    _wait_for_subject(smtp_sink, subject)


def test_missing_starttls_is_refused_before_credentials(cli, pop_vault, dovecot):
    result = cli("mail", "send", "smtp-refused", "--to", "a@example.test", "--subject", "x")
    assert result.returncode == 1
    assert "does not offer STARTTLS" in result.stderr and "Traceback" not in result.stderr
    assert "tokendesk mail edit smtp-refused --protocol smtps" in result.stderr
    log = (dovecot.root / "log" / "plain.log").read_text(errors="replace")
    last = [line for line in log.splitlines() if "submission-login" in line][-1]
    assert "no auth attempts" in last


def test_mail_test_on_outbound_checks_login_only(cli, pop_vault, smtp_sink):
    before = len(smtp_sink.received)
    result = cli("mail", "test", "smtp-b")
    assert result.returncode == 0, result.stderr
    assert "STARTTLS" in result.stdout and f"Logged in:    {OAUTH_USER}" in result.stdout
    assert len(smtp_sink.received) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "not-an-address"], "is not an email address"),
        (["--to", "a@example.test", "--subject", "two\nlines"], "one line"),
        (["--to", "a@example.test", "--attach", "/nonexistent/file"], "no such file"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(cli, pop_vault, args, message):
    if "--subject" not in args:
        args = [*args, "--subject", "s"]
    result = cli("mail", "send", "smtps-x", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def test_send_refuses_an_inbound_component(cli, pop_vault):
    result = cli("mail", "send", "imaps-x", "--to", "a@example.test", "--subject", "s")
    assert result.returncode == 2
    assert "is not an outbound email component" in result.stderr
