"""`mail add|edit|components` with POP3 and outbound (SMTP) components."""

from __future__ import annotations

import json


def test_add_pop3_and_smtp_components(cli, mail_vault):
    d = mail_vault.dovecot
    pop = cli("mail", "add", "P", "--protocol", "pop3s", "--host", d.host, "--port",
              str(d.pop3s_port), "--token", "@TestToken", "--ca-file", str(d.ca_file),
              "--content", "body")  # fmt: skip
    assert pop.returncode == 0, pop.stderr
    assert f"pop3s://{d.host}:{d.pop3s_port}" in pop.stdout and "content body" in pop.stdout
    assert cli("mail", "test", "P").returncode == 0
    out = cli("mail", "add", "S", "--protocol", "smtp", "--host", d.host, "--port",
              str(d.submission_port), "--token", "@TestToken", "--ca-file", str(d.ca_file),
              "--from", "olivia@example.test")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "from olivia@example.test" in out.stdout
    test = cli("mail", "test", "S")
    assert test.returncode == 0, test.stderr
    assert "STARTTLS" in test.stdout and "Sends from:   olivia@example.test" in test.stdout
    rows = {r["name"]: r["kind"] for r in json.loads(cli("components", "--json").stdout)}
    assert rows["P"] == "mail" and rows["S"] == "smtp"
    assert "Outbound email" in cli("components").stdout


def test_kind_mistakes_are_usage_errors(cli, mail_vault):
    cases = [
        (["add", "S", "--protocol", "smtps", "--host", "h", "--token", "@TestToken",
          "--folder", "Sent"], "--folder and --content are for inbound"),
        (["add", "I", "--host", "h", "--token", "@TestToken", "--from", "a@b.c"],
         "--from is for outbound"),
        (["edit", "imaps-x", "--protocol", "smtps"], "cannot become outbound"),
        (["list", "nope"], "no component named 'nope'"),
    ]  # fmt: skip
    for args, message in cases:
        result = cli("mail", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    bad_uidl = cli("mail", "add", "P", "--protocol", "pop3s", "--host", "h", "--token",
                   "@TestToken")  # fmt: skip
    assert bad_uidl.returncode == 0
    shown = cli("mail", "show", "P", "has space")
    assert shown.returncode == 2 and "POP3 UIDL" in shown.stderr


def test_pop3_refuses_another_folder_when_reading(cli, mail_vault, tmp_path):
    d = mail_vault.dovecot
    assert cli("mail", "add", "P", "--protocol", "pop3s", "--host", d.host, "--port",
               str(d.pop3s_port), "--token", "@TestToken",
               "--ca-file", str(d.ca_file)).returncode == 0  # fmt: skip
    # The inbox's messages titled "in Archive" would be a lie: refused before connecting.
    out = tmp_path / "out"
    for verb in (["list", "P"], ["show", "P", "abc"], ["save", "P", "abc", "--dir", str(out)]):
        result = cli("mail", *verb, "--folder", "Archive")
        assert result.returncode == 2, (verb, result.stdout, result.stderr)
        assert result.stderr == "tokendesk: --folder 'Archive': POP3 has one folder: INBOX\n"
    assert not out.exists()
    listed = cli("mail", "list", "P", "--folder", "inbox", "--limit", "1")
    assert listed.returncode == 0, listed.stderr
