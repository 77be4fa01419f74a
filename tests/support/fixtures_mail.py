"""Pytest fixtures for the mail tests: one real Dovecot per test session, seeded once.

* ``mail_idp``: a `TestIdP` for the whole session; Dovecot introspects tokens against it.
* ``dovecot``: a running `tests.support.dovecot.Dovecot` (implicit TLS, STARTTLS, and a
  plain port without STARTTLS), with ``OAUTH_USER`` seeded by `mailgen.seed` (INBOX corpus,
  ``Bulk`` with ``BULK_COUNT`` messages, ``Archive/2024``) and ``PASSWORD_USER`` (INBOX
  corpus only). A missing ``dovecot`` binary FAILS the tests (it never skips them).
* ``corpus``: the seeded INBOX messages (`mailgen.Seeded`, UID i+1 is element i).
* ``smtp_sink``: the SMTP server Dovecot's submission service relays to (`SmtpSink`).
* ``mail_vault``: per test, a cheap-KDF vault holding an OAuth2 component for ``mail_idp``
  with a fresh token for ``OAUTH_USER`` and mail components for each way in (see
  `MailVault`); ``mail_vault.session()`` opens it in-process, the ``cli`` fixture runs the
  CLI against it.
* ``pop_vault``: ``mail_vault`` plus POP3 components (``pop3s-x`` XOAUTH2, ``pop3-b`` STLS
  + OAUTHBEARER, ``pop3-pw`` password, ``pop3-refused``/``pop3-allowed`` on the port
  without STLS) and outbound ones (``smtps-x`` XOAUTH2, ``smtp-b`` STARTTLS + OAUTHBEARER,
  ``smtp-pw`` password, ``smtp-refused`` on the port without STARTTLS).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import mailgen
from tests.support.dovecot import Dovecot
from tests.support.idp import CONFIDENTIAL_CLIENT, TestIdP
from tests.support.idp_tokens import IssuedToken
from tests.support.smtpsink import SmtpSink

if TYPE_CHECKING:
    from tui.core.mail.settings import ConnectionSettings

OAUTH_USER = "olivia@example.test"
PASSWORD_USER = "pat@example.test"
PASSWORD = "pässword with spaces & ünïcode"
SAVER_USER = "sam@example.test"
"""A password user whose INBOX the attachment tests fill (see tests/mail/test_attachments.py)."""
SAVER_PASSWORD = "sam's password"
BULK_COUNT = 10_000
OAUTH_NAME = "TestIdP"
OAUTH_VAR = "TestToken"
IMAP_SCOPE = "openid email offline_access imap"


@pytest.fixture(scope="session")
def mail_idp() -> Iterator[TestIdP]:
    with TestIdP(user=OAUTH_USER) as idp:
        yield idp
    # Dovecot's introspection and the client's requests follow the strict rules too.
    assert idp.violations == [], "a request broke the strict IdP's rules"


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def dovecot(mail_idp: TestIdP, smtp_sink: SmtpSink) -> Iterator[Dovecot]:
    # Not pytest's tmp_path: its base directory is mode 0700, and Dovecot's unprivileged
    # processes must be able to reach the server directory.
    root = Path(tempfile.mkdtemp(prefix="tokendesk-dovecot-"))
    server = Dovecot(
        root,
        introspection_url=mail_idp.introspection_url_with_credentials,
        passwords={PASSWORD_USER: PASSWORD, SAVER_USER: SAVER_PASSWORD},
        no_starttls=True,
        pop3=True,
        relay_port=smtp_sink.port,
    )
    server.start()
    try:
        mailgen.seed(server, OAUTH_USER, bulk=BULK_COUNT)
        mailgen.seed(server, PASSWORD_USER, bulk=0)
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def corpus(dovecot: Dovecot) -> tuple[mailgen.Seeded, ...]:
    return mailgen.corpus()


@dataclass
class MailVault:
    """A test vault wired to the session's Dovecot and IdP.

    Mail components: ``imaps-x`` (implicit TLS, XOAUTH2, username from the token),
    ``starttls-b`` (STARTTLS, OAUTHBEARER, explicit username), ``password`` (implicit TLS,
    password user), ``plain-refused`` (STARTTLS protocol on the port without STARTTLS),
    ``plain-allowed`` (the same with plaintext allowed: loopback only).
    """

    path: Path
    token: IssuedToken
    dovecot: Dovecot
    idp: TestIdP

    def session(self):
        from tests.support.fixtures_vault import PASSPHRASE
        from tui.core.session import Session

        return Session.open(self.path, PASSPHRASE)


def imaps_settings(d: Dovecot, username: str, **kw: Any) -> ConnectionSettings:
    """`ConnectionSettings` for ``d``'s implicit-TLS IMAP port, trusting its CA."""
    from tui.core.mail.settings import ConnectionSettings

    return ConnectionSettings(d.host, d.imaps_port, "imaps", username=username,
                              ca_file=str(d.ca_file), **kw)  # fmt: skip


def token_record(reply: IssuedToken, component, *, expires_in: float | None = None):
    """A `TokenRecord` as the OAuth service would store it for ``reply``."""
    from tui.core.oauth.tokens import record_from_reply

    body = {
        "access_token": reply.access_token,
        "refresh_token": reply.refresh_token,
        "expires_in": reply.expires_in if expires_in is None else expires_in,
        "scope": reply.scope,
        "token_type": reply.token_type,
        "id_token": reply.id_token,
    }
    return record_from_reply(
        body, component=component, previous=None, now=time.time(), new_grant=True
    )


def oauth_component(idp: TestIdP):
    from tui.core.models.oauth import OAuthComponent

    return OAuthComponent(
        name=OAUTH_NAME,
        authorization_url=idp.authorize_url,
        token_url=idp.token_url,
        client_id=CONFIDENTIAL_CLIENT[0],
        client_secret=CONFIDENTIAL_CLIENT[1],
        scope=IMAP_SCOPE,
        variable=OAUTH_VAR,
    )


def mail_components(d: Dovecot) -> list:
    from tui.core.models.mail import MailComponent

    ca = str(d.ca_file)
    ref = f"@{OAUTH_VAR}"
    pw = {"username": PASSWORD_USER, "auth": "password", "password": PASSWORD, "ca_file": ca}
    plain = {"host": d.host, "port": d.plain_port or 0, "protocol": "imap", **pw}
    return [
        MailComponent(name="imaps-x", host=d.host, port=d.imaps_port, token_ref=ref, ca_file=ca),
        MailComponent(
            name="starttls-b", host=d.host, port=d.imap_port, protocol="imap",
            username=OAUTH_USER, token_ref="@{" + OAUTH_VAR + "}", sasl="oauthbearer", ca_file=ca,
        ),
        MailComponent(name="password", host="localhost", port=d.imaps_port, **pw),
        MailComponent(name="plain-refused", **plain),
        MailComponent(name="plain-allowed", allow_plaintext=True, **plain),
    ]  # fmt: skip


@pytest.fixture
def mail_vault(make_vault: Callable[..., Path], dovecot: Dovecot, mail_idp: TestIdP) -> MailVault:
    from tui.core.records import Records

    records = Records()
    oauth = oauth_component(mail_idp)
    records.add(oauth)
    for comp in mail_components(dovecot):
        records.add(comp)
    issued = mail_idp.issue_token(OAUTH_USER, scope=IMAP_SCOPE)
    records.set_token(records.current_environment, OAUTH_NAME, token_record(issued, oauth))
    return MailVault(make_vault(records), issued, dovecot, mail_idp)


def more_mail_components(d: Dovecot) -> list:
    """POP3 and outbound components for ``pop_vault`` (see the module docstring)."""
    from tui.core.models.mail import MailComponent
    from tui.core.models.outbound import OutboundComponent

    ca = str(d.ca_file)
    ref = f"@{OAUTH_VAR}"
    pw = {"username": PASSWORD_USER, "auth": "password", "password": PASSWORD}
    return [
        MailComponent(
            name="pop3s-x", host=d.host, port=d.pop3s_port, protocol="pop3s", token_ref=ref,
            ca_file=ca,
        ),
        MailComponent(
            name="pop3-b", host=d.host, port=d.pop3_port, protocol="pop3", username=OAUTH_USER,
            token_ref=ref, sasl="oauthbearer", ca_file=ca,
        ),
        MailComponent(
            name="pop3-pw", host="localhost", port=d.pop3s_port, protocol="pop3s", ca_file=ca,
            **pw,
        ),
        MailComponent(
            name="pop3-refused", host=d.host, port=d.plain_pop3_port or 0, protocol="pop3",
            ca_file=ca, **pw,
        ),
        MailComponent(
            name="pop3-allowed", host=d.host, port=d.plain_pop3_port or 0, protocol="pop3",
            ca_file=ca, allow_plaintext=True, **pw,
        ),
        OutboundComponent(
            name="smtps-x", host=d.host, port=d.submissions_port, token_ref=ref, ca_file=ca
        ),
        OutboundComponent(
            name="smtp-b", host=d.host, port=d.submission_port, protocol="smtp",
            username=OAUTH_USER, token_ref=ref, sasl="oauthbearer", ca_file=ca,
        ),
        OutboundComponent(
            name="smtp-pw", host="localhost", port=d.submissions_port, ca_file=ca, **pw
        ),
        OutboundComponent(
            name="smtp-refused", host=d.host, port=d.plain_submission_port or 0,
            protocol="smtp", ca_file=ca, **pw,
        ),
    ]  # fmt: skip


@pytest.fixture
def pop_vault(make_vault: Callable[..., Path], dovecot: Dovecot, mail_idp: TestIdP) -> MailVault:
    from tui.core.records import Records

    records = Records()
    oauth = oauth_component(mail_idp)
    records.add(oauth)
    for comp in mail_components(dovecot) + more_mail_components(dovecot):
        records.add(comp)
    issued = mail_idp.issue_token(OAUTH_USER, scope=IMAP_SCOPE)
    records.set_token(records.current_environment, OAUTH_NAME, token_record(issued, oauth))
    return MailVault(make_vault(records), issued, dovecot, mail_idp)
