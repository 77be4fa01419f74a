"""The ``tokendesk mail`` verbs, run as real processes against Dovecot and the test IdP."""

from __future__ import annotations

import json
from datetime import datetime

from tests.support import mailgen
from tests.support.fixtures_mail import BULK_COUNT, OAUTH_USER, PASSWORD, PASSWORD_USER
from tui.core.models.oauth import OAuthComponent

LIST_KEYS = {"uid", "date", "from", "subject", "flags", "size"}


def _no_secrets(result, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr


def test_list_json_has_exactly_the_documented_keys(cli, mail_vault, corpus):
    result = cli("mail", "list", "imaps-x", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["uid"] for r in rows] == list(range(len(corpus), 0, -1))
    for row, item in zip(rows, reversed(corpus), strict=True):
        assert set(row) == LIST_KEYS
        assert isinstance(row["uid"], int) and isinstance(row["size"], int)
        assert isinstance(row["flags"], list) and all(isinstance(f, str) for f in row["flags"])
        assert datetime.fromisoformat(row["date"]).tzinfo is not None
        assert item.subject in row["subject"] and item.sender in row["from"]
    _no_secrets(result, mail_vault.token.access_token, mail_vault.token.refresh_token)


def test_list_pages_backwards_with_before_uid(cli, mail_vault):
    first = json.loads(cli("mail", "list", "imaps-x", "--folder", "Bulk", "--json").stdout)
    assert len(first) == 50 and first[0]["uid"] == BULK_COUNT
    last = first[-1]["uid"]
    result = cli(
        "mail", "list", "imaps-x", "--folder", "Bulk", "--limit", "30", "--before-uid", str(last),
        "--json",
    )  # fmt: skip
    second = json.loads(result.stdout)
    assert [r["uid"] for r in second] == list(range(last - 1, last - 31, -1))
    assert second[0]["subject"] == mailgen.bulk_subject(last - 1)


def test_list_human_output_is_literal_and_has_a_footer(cli, mail_vault, corpus):
    result = cli("mail", "list", "starttls-b", env={"COLUMNS": "160"})
    assert result.returncode == 0, result.stderr
    assert "[b]hi[/b] [@click=app.quit]x[/]" in result.stdout
    assert "Grüße aus Köln ☕" in result.stdout and "会議の案内" in result.stdout
    assert f"-- {len(corpus)} messages of {len(corpus)} in INBOX" in result.stdout
    bulk = cli("mail", "list", "starttls-b", "--folder", "Bulk", "--limit", "5")
    assert f"older: --before-uid {BULK_COUNT - 4}" in bulk.stdout


def test_show_json_and_text(cli, mail_vault, corpus):
    uid = next(i for i, s in enumerate(corpus, 1) if s.key == "big-attachment")
    shown = json.loads(cli("mail", "show", "imaps-x", str(uid), "--json").stdout)
    assert shown["uid"] == uid and shown["subject"] == "Scan attached"
    assert shown["body"].strip() == "See the attached scan."
    assert [(a["filename"], a["size"]) for a in shown["attachments"]] == list(
        corpus[uid - 1].attachments
    )
    uid = next(i for i, s in enumerate(corpus, 1) if s.key == "koi8-r")
    text = cli("mail", "show", "imaps-x", str(uid))
    assert text.returncode == 0, text.stderr
    assert "Subject: Привет, мир" in text.stdout
    assert "Съешь же ещё этих мягких французских булок." in text.stdout
    # Still unseen on the server: show never sets \Seen.
    row = json.loads(cli("mail", "list", "imaps-x", "--json").stdout)[len(corpus) - uid]
    assert row["uid"] == uid and "\\Seen" not in row["flags"]


def test_show_missing_uid_and_bad_arguments(cli, mail_vault):
    missing = cli("mail", "show", "imaps-x", "999999")
    assert missing.returncode == 2
    assert missing.stderr.startswith("tokendesk: no message with UID 999999 in 'INBOX'")
    assert cli("mail", "list", "imaps-x", "--limit", "0").returncode == 2
    assert cli("mail", "list", "nope").returncode == 2
    assert "Traceback" not in missing.stderr


def test_save_a_message_without_attachments_says_so(cli, mail_vault, tmp_path):
    out = tmp_path / "new" / "dir"
    result = cli("mail", "save", "imaps-x", "1", "--dir", str(out))  # "Plain hello"
    assert result.returncode == 0, result.stderr
    assert result.stdout == "-- message 1 has no attachments: nothing saved\n"
    assert not out.exists()  # not created for nothing
    kept = tmp_path / "kept"
    kept.mkdir()
    assert cli("mail", "save", "imaps-x", "1", "--dir", str(kept), "--json").stdout == "[]\n"
    assert kept.is_dir()  # the user's own directory stays


def test_folders(cli, mail_vault):
    plain = cli("mail", "folders", "imaps-x")
    assert plain.stdout.splitlines()[0] == "INBOX"
    assert "Archive (container)" in plain.stdout and "Archive/2024" in plain.stdout
    data = json.loads(cli("mail", "folders", "imaps-x", "--json").stdout)
    assert {"name": "Bulk", "delimiter": "/", "selectable": True}.items() <= next(
        f for f in data if f["name"] == "Bulk"
    ).items()


def test_mail_test_reports_each_step(cli, mail_vault, corpus):
    result = cli("mail", "test", "starttls-b")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Connected:    127.0.0.1:{mail_vault.dovecot.imap_port} (STARTTLS")
    assert lines[1] == "Greeting:     Dovecot (Debian) ready."
    assert lines[2] == f"Logged in:    {OAUTH_USER} (OAUTHBEARER)"
    assert lines[3].startswith("Capabilities: ") and "IDLE" in lines[3]
    assert lines[4] == f"Folder:       INBOX: {len(corpus)} messages"
    assert lines[-1] == "OK"
    password = cli("mail", "test", "password")
    assert f"Logged in:    {PASSWORD_USER} (password)" in password.stdout
    _no_secrets(password, PASSWORD)


def test_mail_test_fails_without_starttls(cli, mail_vault):
    result = cli("mail", "test", "plain-refused")
    assert result.returncode == 1
    assert "does not offer STARTTLS; refusing to log in without encryption" in result.stderr
    assert "Logged in" not in result.stdout and "OK" not in result.stdout.splitlines()


def test_expired_token_refreshes_and_lists(cli, mail_vault):
    mail_vault.idp.expire(mail_vault.token.access_token)
    refreshes = mail_vault.idp.stats["refresh"]
    result = cli("mail", "list", "imaps-x", "--limit", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert mail_vault.idp.stats["refresh"] == refreshes + 1
    _no_secrets(result, mail_vault.token.access_token, mail_vault.token.refresh_token)


def test_revoked_token_exits_3_with_reauthorization_needed(cli, mail_vault):
    mail_vault.idp.revoke(mail_vault.token.refresh_token)
    result = cli("mail", "list", "imaps-x")
    assert result.returncode == 3
    first = result.stderr.splitlines()[0]
    assert first.startswith("tokendesk: re-authorization needed for @TestToken")
    assert "tokendesk: hint: run: tokendesk authorize TestIdP" in result.stderr
    _no_secrets(result, mail_vault.token.access_token, mail_vault.token.refresh_token)


def test_add_edit_rm_with_a_password(cli, mail_vault, corpus, tmp_path):
    d = mail_vault.dovecot
    add = cli(
        "mail", "add", "pw2", "--host", "127.0.0.1", "--port", str(d.imaps_port),
        "--username", PASSWORD_USER, "--password-stdin", "--ca-file", str(d.ca_file),
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    assert add.stdout.startswith("Added mail component pw2: imaps://127.0.0.1:")
    components = cli("components").stdout
    assert "pw2" in components and PASSWORD not in components
    listed = cli("mail", "list", "pw2", "--json")
    assert len(json.loads(listed.stdout)) == len(corpus)
    # Edit: switch to STARTTLS on the STARTTLS port and the OAuth token, then back.
    edit = cli(
        "mail", "edit", "pw2", "--protocol", "imap", "--port", str(d.imap_port),
        "--username", OAUTH_USER, "--token", "@TestToken", "--sasl", "oauthbearer",
    )  # fmt: skip
    assert edit.returncode == 0, edit.stderr
    assert "OAuth @TestToken (oauthbearer)" in edit.stdout
    assert cli("mail", "test", "pw2").returncode == 0
    bad_ca = cli("mail", "edit", "pw2", "--ca-file", str(tmp_path / "missing.pem"))
    assert bad_ca.returncode == 2 and "does not exist" in bad_ca.stderr
    assert cli("mail", "edit", "pw2").returncode == 2  # nothing to change
    assert cli("mail", "rm", "pw2").returncode == 0
    assert cli("mail", "list", "pw2").returncode == 2
    _no_secrets(add, PASSWORD)


def test_add_validation_errors_exit_2(cli, mail_vault):
    cases = [
        (["--host", "", "--token", "@TestToken"], "Host is required"),
        (["--host", "h", "--port", "0", "--token", "@TestToken"], "--port must be from 1"),
        (["--host", "h", "--token", "@Nope"], "unknown variable @Nope"),
        (["--host", "h", "--token", "TestToken"], "not a variable reference"),
        (
            ["--host", "imap.example.test", "--protocol", "imap", "--token", "@TestToken",
             "--allow-plaintext"],
            "plaintext login is only allowed for protocol imap on a loopback host",
        ),
        (["--host", "h", "--token", "@TestToken", "--timeout", "x"], "--timeout must be"),
    ]  # fmt: skip
    for extra, message in cases:
        result = cli("mail", "add", "x", *extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert message in result.stderr, (extra, result.stderr)
    duplicate = cli("mail", "add", "imaps-x", "--host", "h", "--token", "@TestToken")
    assert duplicate.returncode == 2 and "exists already" in duplicate.stderr


def test_issuer_mismatch_warning(cli, mail_vault):
    with mail_vault.session().edit() as records:
        records.add(OAuthComponent(name="MS", type="microsoft", client_id="abc", variable="MS"))
    result = cli("mail", "add", "gm", "--host", "imap.gmail.com", "--token", "@MS")
    assert result.returncode == 0, result.stderr
    assert "warning: @MS holds a Microsoft token, but imap.gmail.com is a Google server" in (
        result.stderr
    )
    fine = cli("mail", "add", "ms", "--host", "outlook.office365.com", "--token", "@MS")
    assert fine.returncode == 0 and "warning" not in fine.stderr
