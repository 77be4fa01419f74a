"""Fresh access tokens: the locked, rotation-safe refresh, and storing new grants.

``fresh_token(session, name_or_var, env)`` is what ``tokendesk token``, the TUI and the
IMAP code call. A token is fresh while ``now < expires_at - refresh_delay``; a fresh token
is returned from the session's records without a lock or any network. Otherwise the vault
lock is held across read -> HTTP refresh -> save (``session.edit()``), so two processes
never spend the same refresh token: the records are re-read under the lock (another process
may have refreshed meanwhile), a rotated refresh token is saved before the new access token
is returned, and when the server returns no refresh token the old one is kept.

A failed refresh records ``last_error``, its advice and the action of its next step on the
token (and ``needs_reauthorization`` when the grant is gone) and raises:
``ReauthorizationNeeded`` (exit 3), ``ConfigurationError``, ``TransientError`` (old tokens kept).

``redeem_grant`` does the same for the first tokens of a sign-in (the code exchange, the
device poll): lock, reserve space, request, journal, save.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.core.errors import (
    AuthorizationFailed,
    ReauthorizationNeeded,
    TokendeskError,
    TransientError,
    UsageError,
)
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.classify import reauthorize

if TYPE_CHECKING:
    from tui.core.records import Records
    from tui.core.session import Session

LOCK_TIMEOUT = 90.0
"""Seconds to wait for the vault lock (another process may be refreshing over the network)."""
STILL_VALID_MARGIN = 5.0
"""After a transient refresh failure a token valid this much longer is still handed out."""


class NotAuthorizedYet(ReauthorizationNeeded):
    """The component has no tokens in the environment: it was never authorized there."""


def resolve(records: Records, name_or_var: str) -> OAuthComponent:
    """The OAuth2 component named ``name_or_var``, or whose variable is ``@Var``/``@{Var}``."""
    return records.get_oauth(name_or_var.strip())


def fresh_token(
    session: Session,
    name_or_var: str,
    env: str | None = None,
    force: bool = False,
    *,
    timeout: float | None = None,
) -> TokenRecord:
    """Return a fresh ``TokenRecord`` for a component, refreshing it when needed.

    Args:
        session: the open vault session.
        name_or_var: component name, ``@Var`` or ``@{Var}``.
        env: environment; None means the vault's current environment.
        force: refresh even when the token is fresh.
        timeout: network timeout in seconds (default ``TOKENDESK_HTTP_TIMEOUT`` or 30).

    Raises:
        NotFoundError: no such component or environment.
        NotAuthorizedYet: no token yet in ``env`` (a ReauthorizationNeeded, exit 3).
        ReauthorizationNeeded: the provider rejected the refresh token.
        ConfigurationError: the provider rejected the client configuration.
        TransientError: network error, timeout, 5xx or a malformed answer (tokens kept).
        UsageError: ``TOKENDESK_HTTP_TIMEOUT`` is not a valid number of seconds.
    """
    records = session.records
    comp = resolve(records, name_or_var)
    env = records.require_environment(env or records.current_environment)
    tok = records.token(env, comp.name)
    if not force and tok is not None and tok.is_fresh(comp.refresh_delay):
        return tok
    return _refresh_locked(session, name_or_var, env, force=force, timeout=timeout)


def _refresh_locked(
    session: Session, name_or_var: str, env: str, *, force: bool, timeout: float | None
) -> TokenRecord:
    from tui.core.oauth import protocol  # heavy (httpx, authlib): only when a refresh is due

    if timeout is None:
        timeout = protocol.http_timeout()  # a bad setting fails here, not as a token error
    error: TokendeskError | None = None
    with session.edit(timeout=LOCK_TIMEOUT) as records:
        comp = resolve(records, name_or_var)
        tok = records.token(env, comp.name)
        if tok is None or not (tok.access_token or tok.refresh_token):
            raise NotAuthorizedYet(
                f"{comp.name!r} is not authorized yet in environment {env!r}",
                next_step=reauthorize(comp, env),
            )
        if not force and tok.is_fresh(comp.refresh_delay):
            return tok  # another process refreshed while we waited for the lock
        if tok.needs_reauthorization and not force:
            # The provider already rejected this refresh token: do not ask it again.
            raise ReauthorizationNeeded(
                tok.last_error or f"the token of {comp.name!r} in {env!r} needs authorization",
                advice=tok.last_error_advice or None,
                next_step=tok.next_step(comp.name, env) or reauthorize(comp, env),
            )
        if not tok.refresh_token:
            if not force and _valid_for(tok) > STILL_VALID_MARGIN:
                return tok
            raise ReauthorizationNeeded(
                f"the token of {comp.name!r} in {env!r} expired and there is no refresh token",
                next_step=reauthorize(comp, env),
            )
        session.reserve_commit("the refresh token was not spent")  # before spending it
        started = time.time()
        try:
            reply = protocol.refresh(comp, tok.refresh_token, env=env, timeout=timeout)
        except TokendeskError as exc:
            error = exc
            failed = dataclasses.replace(
                tok,
                last_error=exc.message,
                last_error_advice=exc.advice or "",
                last_next_action=exc.next_step.action if exc.next_step else "",
                needs_reauthorization=isinstance(exc, ReauthorizationNeeded),
            )
            records.set_token(env, comp.name, failed)
        else:
            new = record_from_reply(reply, component=comp, previous=tok, now=started)
            records.set_token(env, comp.name, new)
            session.commit_token(env, comp.name, new)  # kept even if the save fails
    # Only here, after the save, is the new access token handed out.
    if error is None:
        return new
    if isinstance(error, TransientError) and not force and _valid_for(failed) > STILL_VALID_MARGIN:
        return failed  # still valid for a while; last_error tells the caller what happened
    raise error


def _valid_for(tok: TokenRecord) -> float:
    remaining = tok.expires_in()
    if not tok.access_token:
        return 0.0
    return float("inf") if remaining is None else remaining


MAX_JWT_LENGTH = 16384
"""Longer "JWTs" are not decoded (a peer's text is bounded before it is parsed)."""


def unverified_jwt_claims(token: str | None) -> dict[str, Any] | None:
    """The payload of a JWT-shaped token without checking its signature, or None.

    Only for display: nothing read here may be trusted for a decision.
    """
    if not token or len(token) > MAX_JWT_LENGTH or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def decode_id_token(id_token: str | None) -> dict[str, Any]:
    """The claims of an id_token, unverified (used only to show the account name)."""
    claims = unverified_jwt_claims(id_token)
    if claims is None:
        return {}
    keep = ("iss", "sub", "aud", "email", "preferred_username", "upn", "name", "tid", "oid")
    return {k: claims[k] for k in keep if k in claims}


def record_from_reply(
    reply: dict[str, Any],
    *,
    component: OAuthComponent,
    previous: TokenRecord | None,
    now: float,
    new_grant: bool = False,
) -> TokenRecord:
    """Build the TokenRecord for a successful token reply received after ``now``.

    ``now`` is when the request started, so the expiry is never later than the server's.
    """
    expires_at: float | None = None
    try:
        if reply.get("expires_in") is not None:
            expires_at = now + float(reply["expires_in"])
    except (TypeError, ValueError):
        expires_at = None
    rotated = bool(reply.get("refresh_token"))
    prev = previous or TokenRecord()
    refresh_token = str(reply["refresh_token"]) if rotated else prev.refresh_token
    claims = decode_id_token(reply.get("id_token")) or prev.id_claims
    if new_grant:
        issued_at = now if rotated else prev.refresh_token_issued_at
        rotated_at = None
        rotations = 0 if rotated else prev.refresh_token_rotations
    else:
        issued_at = prev.refresh_token_issued_at
        replaced = rotated and refresh_token != prev.refresh_token
        rotated_at = now if replaced else prev.refresh_token_rotated_at
        rotations = prev.refresh_token_rotations + 1 if replaced else prev.refresh_token_rotations
    rt_expires_at = _refresh_token_expiry(reply, now, prev if not rotated else None)
    return TokenRecord(
        access_token=str(reply["access_token"]),
        refresh_token=refresh_token,
        token_type="Bearer",  # the only type reply_problem lets through (see token_type_of)
        expires_at=expires_at,
        scope=" ".join(str(reply.get("scope") or prev.scope or component.scope).split()),
        id_claims=claims,
        obtained_at=now,
        refresh_token_issued_at=issued_at,
        refresh_token_rotated_at=rotated_at,
        last_refresh=prev.last_refresh if new_grant else now,
        refresh_token_rotations=rotations,
        refresh_token_expires_at=rt_expires_at,
        last_error="",
        last_error_advice="",
        last_next_action="",
        needs_reauthorization=False,
    )


def _refresh_token_expiry(
    reply: dict[str, Any], now: float, kept: TokenRecord | None
) -> float | None:
    """When the refresh token ends: the reply's ``refresh_token_expires_in``, else the kept
    token's known end (``kept`` is the previous record when the refresh token did not change).
    """
    try:
        seconds = float(reply["refresh_token_expires_in"])
    except (KeyError, TypeError, ValueError):
        return kept.refresh_token_expires_at if kept is not None else None
    return now + seconds if seconds > 0 and seconds < 10 * 365 * 86400 else None


def token_type_of(reply: dict[str, Any]) -> str | None:
    """The token type of a token reply: ``"Bearer"``, or None when it is not a bearer token.

    RFC 6749 section 5.1 makes ``token_type`` REQUIRED, yet some providers leave it out
    (Facebook's is the case oauthlib names; requests-oauthlib ships a compliance fix adding
    it for Weibo). oauthlib takes a missing type as Bearer by the robustness principle, and
    so do we: such a token can only be meant as a bearer token, and XOAUTH2/OAUTHBEARER send
    it as one. Refusing it would lock those users out for no safety gain. Only an *absent*
    key is taken as Bearer: a type that is present must be ``Bearer`` in any case (section
    5.1 says the value is case insensitive). ``null``, ``""``, ``mac``, ``DPoP`` (a
    sender-constrained token that is useless without the key proof we do not make) and
    anything else are refused.
    """
    if "token_type" not in reply:
        return "Bearer"
    value = reply["token_type"]
    return "Bearer" if isinstance(value, str) and value.lower() == "bearer" else None


def redeem_grant(
    session: Session | None,
    component: OAuthComponent,
    env: str | None,
    request: Callable[[], dict[str, Any]],
    *,
    grant: str,
    cancelled: Callable[[], bool],
) -> TokenRecord:
    """Redeem a new grant with ``request`` (a code exchange or a device poll) and save it.

    A redeemed authorization code or device code cannot be redeemed again, so the first
    tokens get the refresh token's care: under the vault lock (held only for this one
    bounded request), space is reserved first, so a full disk fails before anything is
    redeemed, and the reply is journaled before the save, so a failed save keeps the tokens
    for the next open instead of costing a new sign-in. A reply without a refresh token
    (Google on a repeated consent) keeps the old one.

    Args:
        session: the open vault session; None (or no ``env``) only returns the tokens.
        component: the component (re-read from the vault under the lock).
        env: the environment the tokens are for (only that one changes).
        request: sends the token request and returns the reply (may raise, e.g. "pending":
            then nothing is saved).
        grant: what ``request`` redeems, for the message when nothing could be reserved
            ("the authorization code").
        cancelled: True when the user gave up meanwhile: the tokens are then not kept.

    Raises:
        OperationFailed: no space beside the vault (nothing redeemed), or the save failed
            (the tokens are in the journal and saved on the next open).
        AuthorizationFailed: cancelled.
    """
    if cancelled():
        raise AuthorizationFailed("the authorization was cancelled")
    if session is None or env is None:
        started = time.time()
        reply = request()
        if cancelled():
            raise AuthorizationFailed("the authorization was cancelled")
        return record_from_reply(
            reply, component=component, previous=None, now=started, new_grant=True
        )
    with session.edit(timeout=LOCK_TIMEOUT) as records:
        comp = records.get_oauth(component.name)
        session.reserve_commit(f"{grant} was not redeemed")
        started = time.time()
        reply = request()
        if cancelled():
            raise AuthorizationFailed("the authorization was cancelled")
        previous = records.token(env, comp.name)
        tok = record_from_reply(
            reply, component=comp, previous=previous, now=started, new_grant=True
        )
        records.set_token(env, comp.name, tok)
        session.commit_token(env, comp.name, tok)  # kept even if the save fails
    return tok


def sasl_string(mechanism: str, user: str, access_token: str) -> str:
    """The base64 SASL initial response for ``xoauth2`` or ``oauthbearer`` (RFC 7628)."""
    mech = mechanism.lower()
    if not user:
        raise UsageError("a SASL string needs the user address")
    if mech == "xoauth2":
        raw = f"user={user}\x01auth=Bearer {access_token}\x01\x01"
    elif mech == "oauthbearer":
        gs2_user = user.replace("=", "=3D").replace(",", "=2C")
        raw = f"n,a={gs2_user},\x01auth=Bearer {access_token}\x01\x01"
    else:
        raise UsageError(f"unknown SASL mechanism {mechanism!r} (xoauth2 or oauthbearer)")
    return base64.b64encode(raw.encode()).decode()
