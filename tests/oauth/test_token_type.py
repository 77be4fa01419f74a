"""token_type: a missing one is taken as Bearer; any present value other than Bearer is refused.

RFC 6749 section 5.1 makes token_type REQUIRED, but providers leave it out (oauthlib names
Facebook; requests-oauthlib patches Weibo's replies); see ``tokens.token_type_of`` for the
decision. The IdP's real replies (real, usable tokens) are changed for each grant: refresh,
code exchange and device grant.
"""

from __future__ import annotations

import pytest

from tests.support.idp_faults import OMIT, changed_token_replies
from tui.core.errors import TransientError
from tui.core.models.oauth import TokenRecord
from tui.core.oauth.device import DeviceFlow
from tui.core.oauth.flow import AuthorizationAttempt
from tui.core.oauth.tokens import fresh_token, token_type_of
from tui.core.session import Session

GRANTS = ["refresh", "code", "device"]


@pytest.fixture
def fast_idp(idp, browser_env):
    idp.device_interval = 0.05
    idp.device_pending_polls = 0
    return idp


def _obtain(grant: str, session: Session) -> TokenRecord | None:
    """One token request of ``grant`` (its tokens saved in Test)."""
    comp = session.records.get_oauth("Mail")
    if grant == "refresh":
        return fresh_token(session, "Mail", "Test", force=True)
    if grant == "code":
        attempt = AuthorizationAttempt(comp, session=session, env="Test")
        attempt.open_browser()
        return attempt.wait(timeout=20)
    return DeviceFlow(comp, session=session, env="Test").poll()


@pytest.mark.parametrize("grant", GRANTS)
def test_a_reply_without_token_type_is_taken_as_bearer(oauth_session, fast_idp, grant):
    session, _ = oauth_session(tokens=grant == "refresh", expires_in=0)
    with changed_token_replies(fast_idp, token_type=OMIT):
        tok = _obtain(grant, session)
    assert tok is not None and tok.token_type == "Bearer"
    assert session.reload().token("Test", "Mail") == tok
    assert fast_idp.token_state(tok.access_token) == "active"


@pytest.mark.parametrize("grant", GRANTS)
@pytest.mark.parametrize("value", ["mac", "DPoP", "N_A", "", None, 1, ["Bearer"], "Bearer x"])
def test_a_token_type_other_than_bearer_is_refused(oauth_session, fast_idp, grant, value):
    session, records = oauth_session(tokens=grant == "refresh", expires_in=0)
    before = records.token("Test", "Mail")
    with changed_token_replies(fast_idp, token_type=value), pytest.raises(TransientError) as err:
        _obtain(grant, session)
    assert "token_type" in err.value.message and "not Bearer" in err.value.message
    after = session.reload().token("Test", "Mail")
    if before is None:
        assert after is None  # nothing saved
    else:
        assert (after.access_token, after.refresh_token) == (
            before.access_token,
            before.refresh_token,
        )


@pytest.mark.parametrize("value", ["Bearer", "bearer", "BEARER"])
def test_bearer_in_any_case_is_bearer(oauth_session, fast_idp, value):
    """Section 5.1: the value is case insensitive."""
    session, _ = oauth_session(tokens=False)
    with changed_token_replies(fast_idp, token_type=value):
        assert _obtain("device", session).token_type == "Bearer"


def test_token_type_of():
    assert token_type_of({"access_token": "x"}) == "Bearer"
    assert token_type_of({"token_type": "bEaReR"}) == "Bearer"
    for value in (None, "", "mac", "DPoP", 0, {"type": "Bearer"}):
        assert token_type_of({"token_type": value}) is None
