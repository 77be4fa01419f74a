"""Revocation (RFC 7009) at the test IdP, then forgetting locally whatever the provider said."""

from __future__ import annotations

import pytest

from tests.support.idp import PUBLIC_CLIENT
from tui.core.errors import ValidationError
from tui.core.models.mail import MailComponent
from tui.core.oauth.revocation import forget_tokens, remove_component, revoke_tokens


def test_forget_revokes_refresh_then_access_token_and_drops_them(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    tok = records.token("Test", "Mail")
    assert idp.introspect(tok.access_token)["active"] is True
    result = forget_tokens(session, "Mail", "Test")
    assert result.dropped and result.revocation is not None and result.revocation.ok
    assert result.revocation.revoked == ("refresh token", "access token")
    assert result.revocation.summary("Mail") == (
        "revoked the refresh token and access token at the provider"
    )
    assert idp.introspect(tok.access_token) == {"active": False}
    assert idp.token_state(tok.refresh_token) == "revoked"
    assert idp.stats["revoke"] == 2
    assert session.reload().token("Test", "Mail") is None


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_client_authentication_is_the_components_method(oauth_session, idp, method):
    session, records = oauth_session(revocation_url=idp.revoke_url, auth_method=method)
    tok = records.token("Test", "Mail")
    comp = records.get_oauth("Mail")
    assert revoke_tokens(comp, tok, "Test").ok
    assert idp.token_state(tok.access_token) == "revoked"


def test_public_client_revokes_with_its_client_id(oauth_session, idp):
    session, records = oauth_session(
        revocation_url=idp.revoke_url, client_id=PUBLIC_CLIENT, client_secret=""
    )
    tok = records.token("Test", "Mail")
    assert revoke_tokens(records.get_oauth("Mail"), tok, "Test").ok
    assert idp.token_state(tok.refresh_token) == "revoked"


def test_server_error_still_forgets_locally_and_says_so(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    tok = records.token("Test", "Mail")
    idp.revocation_fault = "500"
    result = forget_tokens(session, "Mail", "Test")
    assert result.dropped
    assert not result.revocation.ok
    assert result.revocation.summary("Mail").startswith("revoking at the provider failed:")
    assert "HTTP 500 (server_error)" in result.revocation.summary("Mail")
    assert idp.token_state(tok.access_token) == "active"  # the provider never revoked it
    assert session.reload().token("Test", "Mail") is None


def test_server_down_still_forgets_locally(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    idp.stop()
    result = forget_tokens(session, "Mail", "Test", timeout=5)
    assert result.dropped and not result.revocation.ok
    assert "connection refused" in result.revocation.failures[0]
    assert session.reload().token("Test", "Mail") is None


def test_no_revocation_endpoint_says_the_tokens_stay_valid(oauth_session, idp):
    session, _ = oauth_session()
    result = forget_tokens(session, "Mail", "Test")
    assert result.dropped and not result.revocation.endpoint
    assert "has no revocation endpoint" in result.revocation.summary("Mail")
    assert idp.stats["revoke"] == 0


def test_without_revoke_nothing_is_sent(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    tok = records.token("Test", "Mail")
    result = forget_tokens(session, "Mail", "Test", revoke=False)
    assert result.dropped and result.revocation is None
    assert idp.token_state(tok.access_token) == "active" and idp.stats["revoke"] == 0


def test_unsupported_token_type_is_not_a_failure(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    idp.revoke_unsupported = ("access_token",)
    outcome = revoke_tokens(records.get_oauth("Mail"), records.token("Test", "Mail"), "Test")
    assert outcome.ok and outcome.revoked == ("refresh token",)


def test_remove_component_revokes_every_environment(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    issued = idp.issue_token()
    with session.edit() as r:
        from tests.support.fixtures_oauth import token_record

        r.set_token("Production", "Mail", token_record(issued))
    test_tok = records.token("Test", "Mail")
    comp, outcomes = remove_component(session, "Mail")
    assert comp.name == "Mail"
    assert sorted(o.environment for o in outcomes) == ["Production", "Test"]
    assert all(o.ok for o in outcomes)
    assert idp.token_state(issued.access_token) == "revoked"
    assert idp.token_state(test_tok.access_token) == "revoked"
    assert "Mail" not in session.reload().components


def test_remove_a_referenced_component_revokes_nothing(oauth_session, idp):
    session, records = oauth_session(revocation_url=idp.revoke_url)
    with session.edit() as r:
        r.add(MailComponent(name="Inbox", host="127.0.0.1", username="a", token_ref="@Mail"))
    with pytest.raises(ValidationError, match="is used by 'Inbox'"):
        remove_component(session, "Mail")
    assert idp.stats["revoke"] == 0
    assert idp.token_state(records.token("Test", "Mail").access_token) == "active"


def test_vaults_written_before_these_fields_still_load():
    from tui.core.models.oauth import OAuthComponent, TokenRecord

    old = {"name": "G", "type": "google", "client_id": "c", "token_url": "https://t.example"}
    google = OAuthComponent.from_vault(old)
    assert google.revocation_url == "https://oauth2.googleapis.com/revoke"
    custom = OAuthComponent.from_vault(dict(old, type="custom"))
    assert (custom.issuer, custom.revocation_url, custom.introspection_url) == ("", "", "")
    tok = TokenRecord.from_vault({"access_token": "a", "refresh_token": "r"})
    assert tok.refresh_token_rotations == 0 and tok.refresh_token_expires_at is None
