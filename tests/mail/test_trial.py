"""What a new user's trial of the mail verbs found: stray library output and mangled
non-ASCII server texts, Dovecot's timing in messages, wording, passwords typed on a
terminal, and implicit TLS against a plain port. Real Dovecot, real processes."""

from __future__ import annotations

import pytest

from tests.support.fixtures_mail import PASSWORD, PASSWORD_USER, imaps_settings
from tests.support.fixtures_oauth import run_cli_in_pty
from tests.support.fixtures_vault import PASSPHRASE, cli_env
from tui.core.errors import Action, NextStep
from tui.core.mail.client import Credential, MailClient
from tui.core.mail.errors import MailNotFound, MailTLSError, server_text, strip_timing
from tui.core.mail.settings import ConnectionSettings
from tui.core.session import Session


def test_missing_non_ascii_folder_is_one_clean_line(cli, mail_vault):
    res = cli("mail", "list", "imaps-x", "--folder", "Ärger")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.splitlines() == [  # nothing from imapclient's logger, no timing
        "tokendesk: no folder named 'Ärger' on 127.0.0.1 (server: Mailbox doesn't exist: Ärger)",
        "tokendesk: hint: list the folders to see their exact names; "
        "run: tokendesk mail folders imaps-x --env Test",
    ]


def test_select_reads_the_server_text_as_utf8(dovecot):
    client = MailClient(imaps_settings(dovecot, PASSWORD_USER))
    with client:
        client.connect()
        client.login(Credential.password(PASSWORD))
        with pytest.raises(MailNotFound) as err:
            client.set_seen(1, "Entwürfe/Ärger")  # the read-write SELECT path too
    assert err.value.message.endswith("(server: Mailbox doesn't exist: Entwürfe/Ärger)")
    assert err.value.advice == "list the folders to see their exact names"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            b"Mailbox doesn't exist: \xc3\x84rger (0.001 + 0.000 secs).",
            "Mailbox doesn't exist: Ärger",
        ),
        (b"Done (0.001 + 0.000 + 0.002 secs).", "Done"),
        (b"Bad \xff byte  and\r\n spaces", "Bad \ufffd byte and spaces"),
        ("no timing (here) secs.", "no timing (here) secs."),
    ],
)
def test_server_text(raw, shown):
    assert server_text(raw) == shown


def test_strip_timing_only_strips_the_end():
    assert strip_timing("a (1 + 2 secs) b (0.1 + 0.0 secs).") == "a (1 + 2 secs) b"


def test_mail_test_wording_for_plaintext(cli, mail_vault):
    res = cli("mail", "test", "plain-allowed")
    assert res.returncode == 0, res.stderr
    port = mail_vault.dovecot.plain_port
    assert res.stdout.splitlines()[0] == f"Connected:    127.0.0.1:{port} (plaintext, no TLS)"


def test_never_authorized_environment_says_so(cli, mail_vault):
    res = cli("mail", "list", "imaps-x", "--env", "Production")
    assert res.returncode == 3
    assert res.stderr.splitlines() == [
        "tokendesk: 'TestIdP' is not authorized yet in environment 'Production' (mail component "
        "'imaps-x' logs in with @TestToken)",
        "tokendesk: hint: run: tokendesk authorize TestIdP --env Production",
    ]


def test_implicit_tls_against_a_plain_port_has_a_hint(dovecot):
    client = MailClient(ConnectionSettings(dovecot.host, dovecot.imap_port, "imaps", username="u"))
    with client, pytest.raises(MailTLSError) as err:
        client.connect()
    assert err.value.message == (
        f"TLS handshake with 127.0.0.1:{dovecot.imap_port} failed: the server does not speak "
        "TLS on this port"
    )
    assert err.value.advice == (
        "this looks like a plain IMAP port: use the imap protocol (STARTTLS) or port 993"
    )
    assert err.value.next_step == NextStep(Action.EDIT_COMPONENT, field="protocol", value="imap")


def test_password_typed_on_a_terminal_is_not_echoed(make_vault, vault_path):
    make_vault()
    password = "typed pässword 42"
    args = ["mail", "add", "P", "--host", "imap.example", "--username", "u@example",
            "--password-stdin"]  # fmt: skip
    status, shown = run_cli_in_pty(args, cli_env(vault_path), password)
    assert status == 0, shown
    assert "IMAP password:" in shown and password not in shown
    assert Session.open(vault_path, PASSPHRASE).records.get_mail("P").password == password


def test_password_from_a_pipe_loses_only_one_newline(make_vault, cli, vault_path):
    make_vault()
    res = cli("mail", "add", "P", "--host", "imap.example", "--username", "u@example",
              "--password-stdin", input="  two spaces  \n")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert Session.open(vault_path, PASSPHRASE).records.get_mail("P").password == "  two spaces  "
