"""Logging in to the real Dovecot: tokens from the real test IdP, passwords, refresh, revoke."""

from __future__ import annotations

import pytest

from tests.support.fixtures_mail import (
    OAUTH_NAME,
    OAUTH_USER,
    PASSWORD,
    PASSWORD_USER,
    imaps_settings,
)
from tui.core.errors import Action, NextStep, ReauthorizationNeeded
from tui.core.mail.client import Credential, MailClient
from tui.core.mail.errors import MailAuthenticationFailed
from tui.core.mail.service import client_for, open_client


def _current_access_token(session) -> str:
    session.reload()
    records = session.records
    return records.token(records.current_environment, OAUTH_NAME).access_token


@pytest.mark.parametrize(
    ("name", "mechanism", "tls"),
    [("imaps-x", "XOAUTH2", "implicit TLS"), ("starttls-b", "OAUTHBEARER", "STARTTLS")],
)
def test_oauth_login_with_a_token_from_the_idp(mail_vault, dovecot, corpus, name, mechanism, tls):
    session = mail_vault.session()
    introspections = mail_vault.idp.stats["introspect"]
    with open_client(session, name) as client:
        assert client.info.tls == tls and client.info.tls_version in ("TLSv1.3", "TLSv1.2")
        assert client.settings.username == OAUTH_USER  # imaps-x has none: taken from the id_token
        assert client.page("INBOX").total == len(corpus)
    assert mail_vault.idp.stats["introspect"] == introspections + 1  # Dovecot really asked
    assert f"method={mechanism}" in dovecot.log(200)


@pytest.mark.parametrize("name", ["imaps-x", "starttls-b"])
def test_expired_token_is_refreshed_once_and_login_retried(mail_vault, name):
    session = mail_vault.session()
    old = mail_vault.token.access_token
    mail_vault.idp.expire(old)  # the vault still thinks it is fresh; the server says no
    refreshes = mail_vault.idp.stats["refresh"]
    with open_client(session, name) as client:
        assert client.page("INBOX", limit=1).messages
    assert mail_vault.idp.stats["refresh"] == refreshes + 1
    new = _current_access_token(session)
    assert new != old and mail_vault.idp.token_state(new) == "active"


def test_revoked_grant_says_reauthorization_needed(mail_vault):
    session = mail_vault.session()
    mail_vault.idp.revoke(mail_vault.token.refresh_token)  # access and refresh tokens die
    with pytest.raises(ReauthorizationNeeded) as err:
        open_client(session, "imaps-x")
    assert err.value.exit_code == 3
    assert err.value.message.startswith("re-authorization needed for @TestToken")
    assert err.value.next_step == NextStep(Action.AUTHORIZE, "TestIdP", "Test")
    assert mail_vault.token.access_token not in err.value.message


def test_rejected_token_after_refresh_is_an_auth_failure(mail_vault):
    """A token for another account: the refresh cannot help, and the error says so."""
    session = mail_vault.session()
    client, credential = client_for(session, "imaps-x")
    client = MailClient(client.settings._replace(username="someone-else@example.test"))
    refreshes = mail_vault.idp.stats["refresh"]
    with client, pytest.raises(MailAuthenticationFailed, match="freshly refreshed") as err:
        client.connect()
        client.login(credential)
    assert mail_vault.idp.stats["refresh"] == refreshes + 1  # exactly one refresh, one retry
    assert "AUTHENTICATIONFAILED" in err.value.message
    assert mail_vault.token.access_token not in err.value.message


def test_password_user(mail_vault, corpus):
    with open_client(mail_vault.session(), "password") as client:  # host "localhost"
        assert client.settings.username == PASSWORD_USER
        page = client.page("INBOX")
        assert page.total == len(corpus)
        assert "Bulk" not in {f.name for f in client.folders()}


def test_wrong_password_shows_server_text_without_the_password(dovecot):
    secret = "wrong-password-9f8e7d"
    client = MailClient(imaps_settings(dovecot, PASSWORD_USER))
    with client, pytest.raises(MailAuthenticationFailed) as err:
        client.connect()
        client.login(Credential.password(secret))
    assert "rejected the password for pat@example.test" in err.value.message
    assert "[AUTHENTICATIONFAILED]" in err.value.message
    assert secret not in err.value.message and secret not in repr(err.value)


@pytest.mark.parametrize("sasl", ["xoauth2", "oauthbearer"])
def test_bad_token_fails_clearly_and_is_redacted(dovecot, sasl):
    token = "at_not-a-real-token-0123456789"
    client = MailClient(imaps_settings(dovecot, OAUTH_USER, sasl=sasl))
    with client, pytest.raises(MailAuthenticationFailed) as err:
        client.connect()
        client.login(Credential.token(token))
    message = err.value.message
    assert f"rejected the OAuth token for {OAUTH_USER} ({sasl.upper()})" in message
    assert ("status 401" if sasl == "xoauth2" else "status invalid_token") in message
    assert token not in message and "Credential(kind='oauth')" == repr(Credential.token(token))


def test_wrong_password_then_right_one_on_a_new_connection(dovecot):
    """No auth penalty delays the next login (the test server disables it)."""
    for secret, ok in (("nope", False), (PASSWORD, True)):
        client = MailClient(imaps_settings(dovecot, PASSWORD_USER))
        with client:
            client.connect()
            if ok:
                client.login(Credential.password(secret))
                assert client.select("INBOX") > 0
            else:
                with pytest.raises(MailAuthenticationFailed):
                    client.login(Credential.password(secret))
