"""POP3 and POP3S against the real Dovecot: list, open, refresh-once, no state change, TLS."""

from __future__ import annotations

import json

import pytest

from tests.support.fixtures_mail import OAUTH_USER, PASSWORD_USER
from tui.core.mail.errors import MailPlaintextRefused

LIST_KEYS = {"uid", "date", "from", "subject", "flags", "size"}


def _uidls(dovecot, user: str) -> list[str]:
    """Dovecot's own view of the POP3 UIDLs (%08Xu%08Xv) and the IMAP flags, via doveadm."""
    out = dovecot.doveadm("fetch", "-u", user, "uid pop3.uidl flags", "mailbox", "INBOX").stdout
    return out.split()


def _plain_log(dovecot) -> str:
    lines = (dovecot.root / "log" / "plain.log").read_text(errors="replace").splitlines()
    return "\n".join(line for line in lines if "pop3-login" in line)


@pytest.mark.parametrize("name", ["pop3s-x", "pop3-b", "pop3-pw"])
def test_list_and_open_over_pop3(cli, pop_vault, corpus, name):
    result = cli("mail", "list", name, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == len(corpus)
    assert all(set(r) == LIST_KEYS and isinstance(r["uid"], str) for r in rows)
    assert [r["subject"] for r in rows][0] == corpus[-1].subject  # newest first
    for row, item in zip(rows, reversed(corpus), strict=True):
        assert item.subject in row["subject"] and item.sender in row["from"]
    plain = next(r for r, s in zip(rows, reversed(corpus), strict=True) if s.key == "plain")
    shown = cli("mail", "show", name, plain["uid"], "--json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    item = next(s for s in corpus if s.key == "plain")
    assert item.body_snippet in view["body"] and view["uid"] == plain["uid"]
    for secret in (pop_vault.token.access_token, pop_vault.token.refresh_token, "pässword"):
        assert secret not in result.stdout + result.stderr + shown.stdout + shown.stderr


def test_pop3_pages_with_the_uidl_cursor(cli, pop_vault, corpus):
    first = cli("mail", "list", "pop3s-x", "--limit", "3")
    assert first.returncode == 0, first.stderr
    cursor = first.stdout.strip().splitlines()[-1].split("--before-uid ")[1]
    rows = json.loads(cli("mail", "list", "pop3s-x", "--json").stdout)
    older = json.loads(
        cli("mail", "list", "pop3s-x", "--before-uid", cursor, "--limit", "2", "--json").stdout
    )
    assert [r["uid"] for r in older] == [r["uid"] for r in rows[3:5]]


def test_big_message_opens_with_attachment_sizes(cli, pop_vault, corpus):
    rows = json.loads(cli("mail", "list", "pop3s-x", "--json").stdout)
    item = next(s for s in corpus if s.key == "big-attachment")
    row = next(r for r in rows if item.subject in r["subject"])
    view = json.loads(cli("mail", "show", "pop3s-x", row["uid"], "--json").stdout)
    got = [(a["filename"], a["size"]) for a in view["attachments"]]
    assert got == list(item.attachments)
    assert item.body_snippet in view["body"]


def test_listing_and_opening_change_nothing_on_the_server(cli, pop_vault, dovecot):
    before = _uidls(dovecot, OAUTH_USER)
    rows = json.loads(cli("mail", "list", "pop3s-x", "--json").stdout)
    for row in rows[:3]:
        assert cli("mail", "show", "pop3s-x", row["uid"]).returncode == 0
    assert cli("mail", "list", "pop3s-x", "--json").stdout == json.dumps(rows, indent=2,
        ensure_ascii=False) + "\n"  # fmt: skip
    assert _uidls(dovecot, OAUTH_USER) == before  # same messages, same flags (no \Seen)


def test_expired_token_is_refreshed_once_and_retried(cli, pop_vault):
    pop_vault.idp.expire(pop_vault.token.access_token)
    result = cli("mail", "list", "pop3s-x", "--limit", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 1


def test_revoked_grant_asks_for_sign_in(cli, pop_vault):
    pop_vault.idp.revoke(pop_vault.token.refresh_token)
    pop_vault.idp.expire(pop_vault.token.access_token)
    result = cli("mail", "list", "pop3-b")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr


def test_missing_stls_is_refused_before_credentials(cli, pop_vault, dovecot):
    result = cli("mail", "list", "pop3-refused")
    assert result.returncode == 1
    assert "does not offer STARTTLS" in result.stderr
    assert "tokendesk mail edit pop3-refused --protocol pop3s" in result.stderr
    # Dovecot logs the refused session as one without any authentication attempt.
    assert "no auth attempts" in _plain_log(dovecot).splitlines()[-1]
    allowed = cli("mail", "list", "pop3-allowed", "--json")
    assert allowed.returncode == 0, allowed.stderr


def test_plaintext_refusal_sends_no_credentials(pop_vault, dovecot):
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.settings import ConnectionSettings

    client = Pop3Client(ConnectionSettings(dovecot.host, dovecot.plain_pop3_port, "pop3",
                                           username=PASSWORD_USER,
                                           ca_file=str(dovecot.ca_file)))  # fmt: skip
    with pytest.raises(MailPlaintextRefused):
        client.connect()
    assert client._stream is None  # the connection was dropped before any login
