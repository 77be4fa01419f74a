"""A hostile token endpoint: trickled and huge answers, and replies that must be refused.

Each case keeps the old tokens, records a clear ``last_error``, and frees the vault lock
(the refresh holds it): a second process can take it right after.
"""

from __future__ import annotations

import json

import pytest

from tui.core.errors import TransientError
from tui.core.oauth.tokens import fresh_token


def _refresh_fails(session, idp, fault, timeout=2.0, **knobs):
    old = session.records.token("Test", "Mail")
    idp.configure(token_fault=fault, **knobs)
    with pytest.raises(TransientError) as err:
        fresh_token(session, "Mail", "Test", timeout=timeout)
    after = session.reload().token("Test", "Mail")
    assert (after.access_token, after.refresh_token) == (old.access_token, old.refresh_token)
    assert after.last_error == err.value.message and not after.needs_reauthorization
    idp.token_fault = None
    assert idp.token_state(old.refresh_token) == "active"  # the grant survived
    return err.value


def test_a_trickled_answer_ends_at_the_deadline_and_frees_the_lock(oauth_session, idp):
    """One byte every 0.3 s never trips a per-read timeout; the overall deadline does."""
    session, _ = oauth_session(expires_in=0)
    err = _refresh_fails(session, idp, "trickle", trickle_seconds=0.3, hang_seconds=30)
    assert "no complete answer from 127.0.0.1 within 2 s" in err.message
    with session.vault.transaction(timeout=0.5):  # the lock is free again
        pass


def test_a_huge_answer_is_not_read_whole(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    err = _refresh_fails(session, idp, "huge", timeout=30)
    assert "larger than 1024 KB" in err.message


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        ({"expires_in": 1e300}, "expires_in"),
        ({"expires_in": "Infinity"}, "expires_in"),
        ({"expires_in": -5}, "expires_in"),
        ({"expires_in": 0}, "expires_in"),
        ({"expires_in": True}, "expires_in"),
        ({"expires_in": 10 * 366 * 86400}, "expires_in"),
        ({"access_token": {"nested": "object"}}, "access_token"),
        ({"access_token": ["list"]}, "access_token"),
        ({"access_token": ""}, "access_token"),
        ({"access_token": "tok\x1b]52;c;aGk=\x07"}, "access_token"),
        ({"refresh_token": 42}, "refresh_token"),
        ({"token_type": "mac"}, "token_type"),
        ({"token_type": "DPoP"}, "token_type"),
        ({"token_type": None}, "token_type"),
        ({"scope": ["imap"]}, "scope"),
    ],
)
def test_unusable_replies_are_refused_keeping_the_old_tokens(oauth_session, idp, reply, words):
    session, _ = oauth_session(expires_in=0)
    body = {"access_token": "at_new", "token_type": "Bearer", "expires_in": 3600, **reply}
    err = _refresh_fails(session, idp, "reply", fault_body=json.dumps(body).encode())
    assert words in err.message and "\x1b" not in err.message
    assert "the old tokens were kept" in (err.advice or "")


def test_json_nested_without_end_is_refused(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    deep = b'{"access_token": "x", "a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    err = _refresh_fails(session, idp, "reply", fault_body=deep)
    assert "not a JSON object" in err.message


def test_a_bearer_reply_in_any_case_is_accepted(oauth_session, idp):
    session, _ = oauth_session(expires_in=0)
    body = {"access_token": "at_ok", "token_type": "bearer", "expires_in": "3599"}
    idp.configure(token_fault="reply", fault_body=json.dumps(body).encode())
    tok = fresh_token(session, "Mail", "Test")
    assert tok.access_token == "at_ok" and tok.token_type == "Bearer"
    assert 3500 < tok.expires_in() <= 3599


def test_the_deadline_covers_a_server_that_never_answers(oauth_session, idp):
    """A hang (no byte at all) ends too."""
    session, _ = oauth_session(expires_in=0)
    err = _refresh_fails(session, idp, "hang", timeout=1.0, hang_seconds=30)
    assert "within 1 s" in err.message
