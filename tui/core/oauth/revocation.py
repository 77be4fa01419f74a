"""Revoking tokens at the provider (RFC 7009), then forgetting them locally.

``forget_tokens(session, name, env, revoke=True)`` revokes the refresh token, then the
access token, at the component's revocation endpoint (client authentication as at the token
endpoint, with ``token_type_hint``), and then drops the local tokens whatever the provider
said: a user who asks to forget must not be left holding tokens because the provider was
down. The outcome says what happened at the provider so each face can tell the user.
``remove_component`` does the same for every environment before deleting the component.

The vault lock is never held across the network: the tokens are read, revoked without the
lock, then dropped under the lock (a refresh meanwhile rotates within the same grant, which
revoking the refresh token ends at the providers that rotate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.errors import TokendeskError
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.text import one_line

if TYPE_CHECKING:
    from tui.core.session import Session


@dataclass(frozen=True)
class Revocation:
    """What the provider said about revoking one environment's tokens."""

    environment: str
    """The environment whose tokens these were."""
    endpoint: bool
    """The component has a revocation endpoint."""
    revoked: tuple[str, ...] = ()
    """What the provider confirmed: ``refresh token``, ``access token``."""
    failures: tuple[str, ...] = ()
    """One sanitized line per failed revocation request."""
    hint: str = ""
    """The next step when something failed."""

    @property
    def ok(self) -> bool:
        """Every revocation asked for was confirmed (or there was nothing to revoke)."""
        return self.endpoint and not self.failures

    def summary(self, component: str) -> str:
        """One line for a user, e.g. ``revoked the refresh token and access token at ...``."""
        if not self.endpoint:
            return (
                f"{component} has no revocation endpoint: the tokens stay valid at the "
                "provider until they expire or access is removed in the account's settings"
            )
        if self.failures:
            return f"revoking at the provider failed: {'; '.join(self.failures)}"
        if not self.revoked:
            return "nothing to revoke at the provider"
        return f"revoked the {' and '.join(self.revoked)} at the provider"


@dataclass(frozen=True)
class ForgetResult:
    """The outcome of ``forget_tokens``."""

    dropped: bool
    """There were local tokens, and they are gone now."""
    revocation: Revocation | None
    """What the provider said, or None when revocation was not asked for (or no tokens)."""


def revoke_tokens(
    component: OAuthComponent, tok: TokenRecord, env: str, *, timeout: float | None = None
) -> Revocation:
    """Revoke ``tok``'s refresh token, then its access token (RFC 7009 section 2.1).

    Never raises for a provider or network failure: those are in ``failures``.

    Raises:
        UsageError: ``TOKENDESK_HTTP_TIMEOUT`` is not a valid number of seconds.
    """
    if not component.revocation_url:
        return Revocation(env, endpoint=False)
    from tui.core.oauth import protocol

    seconds = timeout or protocol.http_timeout()
    revoked: list[str] = []
    failures: list[str] = []
    hint = ""
    for token, kind, label in (
        (tok.refresh_token, "refresh_token", "refresh token"),
        (tok.access_token, "access_token", "access token"),
    ):
        if not token:
            continue
        try:
            if _revoke_one(component, token, kind, seconds):
                revoked.append(label)
        except TokendeskError as exc:
            failures.append(f"{label}: {exc.message}")
            hint = hint or exc.advice or ""
    return Revocation(env, True, tuple(revoked), tuple(failures), hint)


def _revoke_one(component: OAuthComponent, token: str, kind: str, seconds: float) -> bool:
    """One revocation request; True when revoked, False when the type is not revocable.

    Raises:
        TokendeskError: the request failed (message sanitized, no token in it).
    """
    import httpx

    from tui.core.oauth.network import network_failure
    from tui.core.oauth.protocol import make_client

    with make_client(component, timeout=seconds, with_scope=False) as client:
        try:
            # make_client's transport bounds the exchange (deadline and byte cap).
            resp = client.post(
                component.revocation_url,
                data={"token": token, "token_type_hint": kind},
                auth=client.client_auth(component.effective_auth_method),
                headers={"Accept": "application/json"},
            )
            status, body = resp.status_code, resp.content
        except httpx.HTTPError as exc:
            detail, hint = network_failure(exc, component.revocation_url, seconds)
            raise TokendeskError(detail, advice=hint) from None
    if status == 200:
        return True
    error = _error_code(body)
    if error == "unsupported_token_type":
        return False  # RFC 7009 2.2.1: the provider does not revoke this kind (e.g. JWTs)
    shown = f"HTTP {status}" + (f" ({one_line(error, 80)})" if error else "")
    hint = (
        "check the client id and secret"
        if status == 401 or error == "invalid_client"
        else "revoke the app's access in the account's security settings"
    )
    raise TokendeskError(f"the revocation endpoint answered {shown}", advice=hint)


def _error_code(body: bytes) -> str:
    import json

    try:
        doc = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return ""
    error = doc.get("error") if isinstance(doc, dict) else None
    return error if isinstance(error, str) else ""


def forget_tokens(
    session: Session, name: str, env: str, *, revoke: bool = True, timeout: float | None = None
) -> ForgetResult:
    """Revoke (optionally) and forget the tokens of component ``name`` in ``env``.

    The local tokens are dropped even when the revocation failed.

    Raises:
        NotFoundError: no such component or environment.
    """
    records = session.reload()
    comp = records.get_oauth(name)
    records.require_environment(env)
    tok = records.token(env, comp.name)
    revocation = None
    if revoke and tok is not None:
        revocation = revoke_tokens(comp, tok, env, timeout=timeout)
    with session.edit() as locked:
        dropped = locked.drop_token(env, locked.get_oauth(comp.name).name)
    return ForgetResult(dropped or tok is not None, revocation)


def remove_component(
    session: Session, name: str, *, revoke: bool = True, timeout: float | None = None
) -> tuple[OAuthComponent, list[Revocation]]:
    """Revoke (optionally) the tokens of every environment, then delete the component.

    Raises:
        NotFoundError: no such component.
        ValidationError: a mail component still uses the component's token (checked before
            anything is revoked).
    """
    records = session.reload()
    comp = records.get_oauth(name)
    records.check_removable(comp.name)
    outcomes: list[Revocation] = []
    if revoke:
        for env in records.environments:
            tok = records.token(env, comp.name)
            if tok is not None and (tok.access_token or tok.refresh_token):
                outcomes.append(revoke_tokens(comp, tok, env, timeout=timeout))
    with session.edit() as locked:
        locked.remove(comp.name)
    return comp, outcomes
