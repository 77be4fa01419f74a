"""fresh_token against the test IdP over real HTTP: fast path, refresh, rotation, faults."""

from __future__ import annotations

import time

import pytest

from tui.core.errors import (
    Action,
    ConfigurationError,
    NextStep,
    NotFoundError,
    ReauthorizationNeeded,
    TransientError,
)
from tui.core.oauth.tokens import fresh_token, record_from_reply, sasl_string


def stored(session, name="Mail", env="Test"):
    return session.reload().token(env, name)


def test_fresh_token_is_returned_without_network(oauth_session, idp):
    session, records = oauth_session()
    before = records.token("Test", "Mail")
    tok = fresh_token(session, "Mail", "Test")
    assert tok.access_token == before.access_token
    assert idp.stats["token"] == 0


@pytest.mark.parametrize("ref", ["Mail", "@Mail", "@{Mail}", " @Mail "])
def test_names_and_variable_references_resolve(oauth_session, ref):
    session, records = oauth_session()
    assert fresh_token(session, ref).access_token == records.token("Test", "Mail").access_token


def test_unknown_reference_and_environment(oauth_session):
    session, _ = oauth_session()
    with pytest.raises(NotFoundError):
        fresh_token(session, "@Nope")
    with pytest.raises(NotFoundError):
        fresh_token(session, "Mail", "Staging")


def test_no_token_needs_authorization(oauth_session):
    session, _ = oauth_session(tokens=False)
    with pytest.raises(ReauthorizationNeeded) as err:
        fresh_token(session, "Mail", "Test")
    assert err.value.next_step == NextStep(Action.AUTHORIZE, "Mail", "Test")


def test_token_in_another_environment_is_not_used(oauth_session):
    session, _ = oauth_session()
    with pytest.raises(ReauthorizationNeeded):
        fresh_token(session, "Mail", "Production")


def test_due_token_is_refreshed_and_rotated_token_saved_first(oauth_session, idp):
    session, records = oauth_session(expires_in=10)  # within the 25 s refresh delay
    old = records.token("Test", "Mail")
    tok = fresh_token(session, "Mail", "Test")
    assert idp.stats["refresh"] == 1
    assert tok.access_token != old.access_token
    assert idp.token_state(tok.access_token) == "active"
    on_disk = stored(session)
    assert on_disk.refresh_token == tok.refresh_token != old.refresh_token
    assert idp.token_state(old.refresh_token) == "rotated"
    assert idp.token_state(on_disk.refresh_token) == "active"
    assert on_disk.refresh_token_rotated_at is not None and on_disk.last_refresh is not None
    assert on_disk.expires_at == pytest.approx(time.time() + 3600, abs=30)
    assert on_disk.id_claims["email"] == "alice@example.test"
    # The next call is fresh again: no second refresh.
    assert fresh_token(session, "Mail", "Test").access_token == tok.access_token
    assert idp.stats["refresh"] == 1


def test_force_refresh_refreshes_a_fresh_token(oauth_session, idp):
    session, records = oauth_session()
    tok = fresh_token(session, "@Mail", force=True)
    assert idp.stats["refresh"] == 1
    assert tok.access_token != records.token("Test", "Mail").access_token


def test_refresh_without_new_refresh_token_keeps_the_old_one(oauth_session, idp):
    idp.return_refresh_token_on_refresh = False
    session, records = oauth_session(expires_in=0)
    old = records.token("Test", "Mail")
    tok = fresh_token(session, "Mail")
    assert tok.access_token != old.access_token
    assert stored(session).refresh_token == old.refresh_token
    assert idp.token_state(old.refresh_token) == "active"


def test_refresh_reads_the_token_another_process_saved(oauth_session, idp):
    """A session with stale records refreshes with the refresh token now in the vault."""
    session, _ = oauth_session(expires_in=0)
    from tui.core.session import Session

    other = Session.open(session.path, "correct horse battery staple")
    first = fresh_token(other, "Mail", force=True)  # rotates behind `session`'s back
    assert session.records.token("Test", "Mail").refresh_token != first.refresh_token
    tok = fresh_token(session, "Mail", force=True)
    assert idp.stats["refresh"] == 2
    assert idp.token_state(tok.refresh_token) == "active"  # no replay, grant alive


def test_stale_session_sees_fresh_token_under_lock_without_refreshing(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    from tui.core.session import Session

    other = Session.open(session.path, "correct horse battery staple")
    fresh = fresh_token(other, "Mail")
    tok = fresh_token(session, "Mail")  # its records say "due"; the vault says "fresh"
    assert tok.access_token == fresh.access_token
    assert idp.stats["refresh"] == 1


def test_invalid_grant_needs_reauthorization_and_is_recorded(oauth_session, idp):
    session, records = oauth_session(expires_in=0)
    old = records.token("Test", "Mail")
    idp.revoke(old.refresh_token)
    with pytest.raises(ReauthorizationNeeded) as err:
        fresh_token(session, "Mail", "Test")
    assert err.value.exit_code == 3
    assert "invalid_grant" in err.value.message
    after = stored(session)
    assert after.needs_reauthorization
    assert "invalid_grant" in after.last_error
    assert after.refresh_token == old.refresh_token  # kept, untouched
    requests = idp.stats["token"]
    with pytest.raises(ReauthorizationNeeded, match="invalid_grant"):
        fresh_token(session, "Mail", "Test")  # known dead: the IdP is not asked again
    assert idp.stats["token"] == requests


@pytest.mark.parametrize("fault", ["500", "html", "invalid_json", "hang"])
def test_fault_modes_are_transient_and_keep_old_tokens(oauth_session, idp, fault):
    session, records = oauth_session(expires_in=0)
    old = records.token("Test", "Mail")
    idp.token_fault = fault
    with pytest.raises(TransientError) as err:
        fresh_token(session, "Mail", "Test", timeout=0.5)
    assert err.value.exit_code == 1
    assert old.refresh_token not in err.value.message
    after = stored(session)
    assert (after.access_token, after.refresh_token) == (old.access_token, old.refresh_token)
    assert after.last_error and not after.needs_reauthorization
    idp.token_fault = None
    # The grant survived: the next refresh works with the kept refresh token.
    assert idp.token_state(old.refresh_token) == "active"
    tok = fresh_token(session, "Mail", "Test")
    assert tok.last_error == "" and idp.token_state(tok.access_token) == "active"


def test_transient_failure_hands_out_a_still_valid_token(oauth_session, idp):
    session, records = oauth_session(expires_in=20)  # due (delay 25) but valid for 20 s
    idp.token_fault = "500"
    tok = fresh_token(session, "Mail")
    assert tok.access_token == records.token("Test", "Mail").access_token
    assert "HTTP 500" in tok.last_error


def test_connection_refused_is_transient(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    idp.stop()
    with pytest.raises(TransientError):
        fresh_token(session, "Mail", timeout=2)


def test_bad_client_secret_is_a_configuration_error(oauth_session):
    session, _ = oauth_session(expires_in=0, client_secret="wrong-secret-value")
    with pytest.raises(ConfigurationError) as err:
        fresh_token(session, "Mail")
    assert "invalid_client" in err.value.message
    assert "client secret" in err.value.advice
    assert "wrong-secret-value" not in err.value.message + err.value.advice


@pytest.mark.parametrize(
    ("method", "allowed"),
    [
        ("client_secret_basic", ("client_secret_basic",)),
        ("client_secret_post", ("client_secret_post",)),
    ],
)
def test_client_authentication_methods(oauth_session, idp, method, allowed):
    idp.add_client("strict", "strict-secret", auth_methods=allowed)
    session, _ = oauth_session(
        expires_in=0, client_id="strict", client_secret="strict-secret", auth_method=method
    )
    assert fresh_token(session, "Mail").access_token


def test_wrong_client_authentication_method_is_rejected(oauth_session, idp):
    idp.add_client("strict", "strict-secret", auth_methods=("client_secret_basic",))
    session, _ = oauth_session(
        expires_in=0,
        client_id="strict",
        client_secret="strict-secret",
        auth_method="client_secret_post",
    )
    with pytest.raises(ConfigurationError):
        fresh_token(session, "Mail")


def test_public_client_refresh(oauth_session, idp):
    from tests.support.idp import PUBLIC_CLIENT

    session, _ = oauth_session(expires_in=0, client_id=PUBLIC_CLIENT, client_secret="")
    assert fresh_token(session, "Mail").access_token


@pytest.mark.parametrize(
    ("description", "kind", "hint_part"),
    [
        ("AADSTS700082: The refresh token has expired due to inactivity.", "reauth", "90 days"),
        ("AADSTS50020: User account from identity provider does not exist", "config", "tenant"),
        ("AADSTS50011: The redirect URI does not match", "config", "redirect URI"),
    ],
)
def test_microsoft_error_codes_get_next_steps(oauth_session, idp, description, kind, hint_part):
    session, _ = oauth_session(expires_in=0)
    idp.fail_next_token("invalid_grant", description)
    expected = ReauthorizationNeeded if kind == "reauth" else ConfigurationError
    with pytest.raises(expected) as err:
        fresh_token(session, "Mail")
    assert description.split(":")[0] in err.value.message
    assert hint_part in err.value.advice


def test_google_invalid_grant_mentions_testing_apps(idp):
    from tests.support.fixtures_oauth import oauth_component
    from tui.core.oauth.classify import classify_oauth_error

    google = oauth_component(idp, type="google")
    err = classify_oauth_error(
        "invalid_grant", "Token has been expired or revoked.", component=google, env="Test"
    )
    assert isinstance(err, ReauthorizationNeeded)
    assert "7 days" in err.advice and "Testing" in err.advice


def test_refresh_needs_no_scope_parameter_for_google_like_providers():
    from tui.core.models.oauth import OAuthComponent

    comp = OAuthComponent(name="G", type="google", client_id="x")
    tok = record_from_reply(
        {"access_token": "a", "expires_in": 60}, component=comp, previous=None, now=1000.0
    )
    assert tok.expires_at == 1060.0 and tok.scope == "https://mail.google.com/"


def test_sasl_strings():
    import base64

    x = base64.b64decode(sasl_string("xoauth2", "a@b.c", "TOK")).decode()
    assert x == "user=a@b.c\x01auth=Bearer TOK\x01\x01"
    o = base64.b64decode(sasl_string("oauthbearer", "a,b=@c", "TOK")).decode()
    assert o == "n,a=a=2Cb=3D@c,\x01auth=Bearer TOK\x01\x01"
