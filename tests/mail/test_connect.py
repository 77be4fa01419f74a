"""Connection failures each get their own message: TLS (CA, name, expiry), STARTTLS, network.

Dovecot serves the good certificate; the bad certificates (wrong name, expired) are served
by a real TLS listener on loopback, since one Dovecot cannot present them on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import threading
from pathlib import Path

import pytest

from tests.support.fixtures_mail import PASSWORD, PASSWORD_USER
from tests.support.loopback import free_port, make_ca, make_server_cert
from tests.support.tls import tls_listener
from tui.core.errors import Action, NextStep
from tui.core.mail.client import Credential, MailClient
from tui.core.mail.errors import (
    MailCancelled,
    MailConnectionRefused,
    MailDNSError,
    MailError,
    MailPlaintextRefused,
    MailTimeout,
    MailTLSError,
)
from tui.core.mail.service import open_client
from tui.core.mail.settings import ConnectionSettings


def imap_tls_listener(cert: Path, key: Path):
    """A loopback TLS server presenting ``cert``; it greets like IMAP after a handshake."""
    return tls_listener(
        cert, key, lambda tls: tls.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n")
    )


def expired_cert(directory: Path, ca_cert: Path, ca_key: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by the test CA that expired yesterday."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    signer = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(now - datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(signer, hashes.SHA256())
    )
    cert_path, key_path = directory / "expired.crt", directory / "expired.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _client(port: int, protocol: str = "imaps", **kw) -> MailClient:
    kw.setdefault("username", PASSWORD_USER)
    return MailClient(ConnectionSettings("127.0.0.1", port, protocol, **kw))


@pytest.mark.parametrize("starttls", [False, True])
def test_unknown_ca_is_a_tls_error(dovecot, tmp_path, starttls):
    other_ca, _ = make_ca(tmp_path / "other", "some other CA")
    port = dovecot.imap_port if starttls else dovecot.imaps_port
    client = _client(port, protocol="imap" if starttls else "imaps", ca_file=str(other_ca))
    with client, pytest.raises(MailTLSError) as err:
        client.connect()
    assert err.value.reason == "untrusted"
    assert f"TLS certificate of 127.0.0.1:{port} is not signed by a trusted CA" in err.value.message
    assert str(other_ca) in err.value.message
    assert "CA file" in (err.value.advice or "")
    assert err.value.next_step == NextStep(Action.EDIT_COMPONENT, field="ca_file")


def test_system_cas_do_not_trust_the_private_ca(dovecot):
    client = _client(dovecot.imaps_port)
    with client, pytest.raises(MailTLSError, match="the system's trusted CAs"):
        client.connect()


def test_name_mismatch_is_a_tls_error(dovecot, tmp_path):
    ca = (dovecot.root / "tls" / "ca.crt", dovecot.root / "tls" / "ca.key")
    cert, key = make_server_cert(tmp_path, ca, names=("mail.example.invalid",), stem="wrong")
    with imap_tls_listener(cert, key) as port:
        client = _client(port, ca_file=str(dovecot.ca_file))
        with client, pytest.raises(MailTLSError) as err:
            client.connect()
    assert err.value.reason == "hostname"
    assert "is not valid for the name '127.0.0.1'" in err.value.message


def test_expired_certificate_is_a_tls_error(dovecot, tmp_path):
    cert, key = expired_cert(tmp_path, dovecot.ca_file, dovecot.root / "tls" / "ca.key")
    with imap_tls_listener(cert, key) as port:
        client = _client(port, ca_file=str(dovecot.ca_file))
        with client, pytest.raises(MailTLSError) as err:
            client.connect()
    assert err.value.reason == "expired"
    assert err.value.message == f"TLS certificate of 127.0.0.1:{port} has expired"


def test_missing_starttls_is_refused(mail_vault):
    with pytest.raises(MailPlaintextRefused) as err:
        open_client(mail_vault.session(), "plain-refused")
    assert "does not offer STARTTLS; refusing to log in without encryption" in err.value.message


def test_missing_starttls_is_refused_before_sending_credentials(dovecot):
    client = _client(dovecot.plain_port, protocol="imap", ca_file=str(dovecot.ca_file))
    with client, pytest.raises(MailPlaintextRefused):
        client.connect()
    # The refusal dropped the connection: no login can be attempted on it.
    with pytest.raises(MailError, match="not connected"):
        client.login(Credential.password(PASSWORD))


def test_plaintext_allowed_on_loopback(mail_vault, corpus):
    with open_client(mail_vault.session(), "plain-allowed") as client:
        assert client.info.tls == "none (plaintext)" and client.info.tls_version is None
        assert client.page("INBOX").total == len(corpus)


def test_connection_refused():
    port = free_port()
    client = _client(port, timeout=5)
    with (
        client,
        pytest.raises(MailConnectionRefused, match=f"connection to 127.0.0.1:{port} refused"),
    ):
        client.connect()


def test_dns_failure():
    settings = ConnectionSettings("no-such-host.invalid", 993, "imaps", username="u", timeout=5)
    client = MailClient(settings)
    with (
        client,
        pytest.raises(MailDNSError, match="cannot resolve the host name 'no-such-host.invalid'"),
    ):
        client.connect()


def test_timeout_when_the_server_never_greets():
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never says a word
    try:
        port = silent.getsockname()[1]
        client = _client(port, timeout=0.5)
        with (
            client,
            pytest.raises(MailTimeout, match=f"no answer from 127.0.0.1:{port} within 0.5 s"),
        ):
            client.connect()
    finally:
        silent.close()


def test_abort_during_connect_cancels_it():
    """abort() during connect: the connect ends as cancelled (at the latest at its timeout)."""
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        client = _client(silent.getsockname()[1], timeout=1.0)
        timer = threading.Timer(0.2, client.abort)
        timer.start()
        with pytest.raises(MailCancelled):
            client.connect()
        timer.join()
    finally:
        silent.close()
