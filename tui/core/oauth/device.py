"""The device authorization grant (RFC 8628): sign in on another device with a short code.

``DeviceFlow(component, session=..., env=...)`` asks the device endpoint for a code at
construction; show ``verification_uri`` and ``user_code`` (and ``qr_text()`` on a terminal),
then call the blocking ``wait(timeout)`` from a worker thread. It polls at the server's
interval, adds 5 seconds on ``slow_down`` (or takes the interval the reply carries), keeps
polling on ``authorization_pending``, and ends on ``access_denied`` or ``expired_token``.
``cancel()`` from any thread stops it. authlib's client has no device grant, hence this module.
With a session, each poll is one bounded request under the vault lock with space reserved,
and its tokens are journaled before the save (``tokens.redeem_grant``): the lock is free
between polls, and a full disk fails before the device code is redeemed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.core.errors import (
    Action,
    AuthorizationFailed,
    ConfigurationError,
    NextStep,
    TransientError,
    UsageError,
)
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.classify import classify_oauth_error
from tui.core.text import is_safe, one_line

if TYPE_CHECKING:
    from tui.core.session import Session

DEFAULT_INTERVAL = 5.0
SLOW_DOWN_STEP = 5.0
MAX_TRANSIENT_FAILURES = 3


class DeviceFlow:
    """One device authorization; thread-safe ``cancel``; ``wait`` (or ``poll``) from one thread."""

    def __init__(
        self,
        component: OAuthComponent,
        *,
        session: Session | None = None,
        env: str | None = None,
        http_timeout: float | None = None,
    ) -> None:
        from tui.core.oauth import protocol

        self.component = component
        self.session = session
        self.env = env or (session.records.current_environment if session else None)
        if session is not None and self.env is not None:
            session.records.require_environment(self.env)
        if component.type == "google":
            # Google's device flow is for "TV and limited input" clients and refuses the
            # Gmail scope (https://mail.google.com/).
            raise UsageError(
                f"{component.name!r} is a Google component, and Google does not allow the "
                "Gmail scope with the device sign-in",
                advice="sign in with a browser and paste the redirect URL instead",
                next_step=NextStep(Action.AUTHORIZE_WITHOUT_BROWSER, component.name, self.env),
            )
        if not component.device_authorization_url:
            raise ConfigurationError(
                f"{component.name!r} has no device authorization URL",
                advice="set the component's device authorization URL",
                next_step=NextStep(
                    Action.EDIT_COMPONENT, component.name, field="device_authorization_url"
                ),
            )
        self._http_timeout = http_timeout
        self._cancel = threading.Event()
        self.slow_down_step = SLOW_DOWN_STEP
        started = time.time()
        reply = protocol.device_authorization(component, env=self.env, timeout=http_timeout)
        try:
            self._device_code = str(reply["device_code"])
            # Shown to the user: the server's text, made safe (and short) where it enters.
            self.user_code = one_line(str(reply["user_code"]), 64)
            # Google says verification_url (an older draft's name).
            uri = str(reply.get("verification_uri") or reply["verification_url"])
        except KeyError as exc:
            raise TransientError(
                f"the device endpoint's answer lacks {exc.args[0]!r}",
                advice="check the device authorization URL",
            ) from None
        if not self.user_code or not _usable_url(uri):
            raise TransientError(
                "the device endpoint's answer has no usable user_code or verification_uri "
                f"({one_line(uri, 80)!r})",
                advice="check the device authorization URL",
            )
        self.verification_uri = uri
        complete = reply.get("verification_uri_complete")
        self.verification_uri_complete: str | None = (
            str(complete) if complete and _usable_url(str(complete)) else None
        )
        self.message = one_line(str(reply.get("message") or ""), 400)
        self.interval = _number(reply.get("interval"), DEFAULT_INTERVAL)
        self.expires_at = started + _number(reply.get("expires_in"), 900.0)
        self.polls = 0

    def __repr__(self) -> str:
        return f"DeviceFlow({self.component.name!r}, user_code={self.user_code!r})"

    def qr_text(self) -> str:
        """A QR code of the complete verification URI (or the plain one) for a terminal."""
        import io

        import segno

        buf = io.StringIO()
        segno.make(self.verification_uri_complete or self.verification_uri).terminal(
            out=buf, compact=True, border=2
        )
        return buf.getvalue()

    def cancel(self) -> None:
        """Stop waiting (``wait`` raises AuthorizationFailed)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def poll(self) -> TokenRecord | None:
        """One token request: the tokens, or None while the user has not finished.

        Raises:
            AuthorizationFailed: denied, expired, or another final error.
        """
        from tui.core.oauth import protocol

        if time.time() >= self.expires_at:
            raise AuthorizationFailed(
                "the device code expired before the sign-in was completed",
                advice="start again",
                next_step=self._again(),
            )
        self.polls += 1

        def request() -> dict[str, Any]:
            return protocol.poll_device(
                self.component, self._device_code, timeout=self._http_timeout
            )

        try:
            return self._redeem(request)
        except protocol.OAuthErrorReply as err:
            if err.error == "authorization_pending":
                return None
            if err.error == "slow_down":
                given = _number(err.body.get("interval"), 0.0)
                self.interval = (
                    given if given > self.interval else self.interval + (self.slow_down_step)
                )
                return None
            if err.error == "access_denied":
                raise AuthorizationFailed(
                    "the sign-in was declined on the other device (access_denied)",
                    advice="start again and approve the request",
                ) from None
            if err.error == "expired_token":
                raise AuthorizationFailed(
                    "the device code expired before the sign-in was completed",
                    advice="start again",
                    next_step=self._again(),
                ) from None
            raise classify_oauth_error(
                err.error,
                err.description,
                component=self.component,
                env=self.env,
                during="device",
                status=err.status,
            ) from None

    def wait(self, timeout: float | None = None) -> TokenRecord:
        """Poll until the user finishes on the other device; save and return the tokens."""
        deadline = (
            self.expires_at if timeout is None else min(self.expires_at, time.time() + timeout)
        )
        failures = 0
        while True:
            pause = min(self.interval, max(0.0, deadline - time.time()))
            if self._cancel.wait(pause):
                raise AuthorizationFailed("the device authorization was cancelled")
            if time.time() >= deadline and deadline < self.expires_at:
                raise AuthorizationFailed(
                    f"the sign-in was not completed within {timeout:g} s",
                    advice="start again",
                    next_step=self._again(),
                )
            try:
                tok = self.poll()
            except TransientError:
                failures += 1
                if failures >= MAX_TRANSIENT_FAILURES:
                    raise
                continue
            failures = 0
            if tok is not None:
                return tok

    def _again(self) -> NextStep:
        return NextStep(Action.AUTHORIZE_DEVICE, self.component.name, self.env)

    def _redeem(self, request: Callable[[], dict[str, Any]]) -> TokenRecord:
        """Send one poll; on success save the tokens (journaled: see ``redeem_grant``)."""
        from tui.core.oauth.tokens import redeem_grant

        if self._cancel.is_set():
            raise AuthorizationFailed("the device authorization was cancelled")
        return redeem_grant(
            self.session,
            self.component,
            self.env,
            request,
            grant="the device code",
            cancelled=self._cancel.is_set,
        )


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number >= 0 else default


def _usable_url(url: str) -> bool:
    """An http(s) URL of at most 2,000 characters with nothing a terminal would act on."""
    from urllib.parse import urlsplit

    if len(url) > 2000 or not is_safe(url) or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)
