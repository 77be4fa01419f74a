"""The authorization code flow (RFC 6749) with PKCE S256 (RFC 7636), state, and the RFC 9207
``iss`` check, answered either by the loopback callback or by a pasted redirect URL.

``AuthorizationAttempt`` is built for both faces: the CLI and the TUI create one, show
``attempt.url`` (and ``attempt.redirect_uri``), optionally ``open_browser(on_result)`` (which
reports promptly whether a browser could be started; if not, show the URL and offer the
paste), then call the blocking ``wait(timeout)`` from a worker thread; ``cancel()`` (any
thread) ends it and frees the port; ``submit_pasted_url(url)`` (any thread) feeds the final
redirect URL a user copied from a browser that could not reach us. The first authorization
response carrying the attempt's ``state`` (from either side) decides the attempt; one with
another state gets an error page (a UsageError when pasted) and the attempt keeps waiting,
so a stray or hostile request cannot end it; later ones are ignored. The
code is exchanged and the tokens are saved (with a session) before the browser is told
"OAuth2 token received with success!". A failed attempt never touches existing tokens.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tui.core.errors import Action, AuthorizationFailed, NextStep, TokendeskError, UsageError
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.callback import SUCCESS_TEXT, CallbackServer, page, redirect_uri_for
from tui.core.oauth.classify import classify_oauth_error
from tui.core.text import one_line

if TYPE_CHECKING:
    from tui.core.oauth.browser import BrowserLaunch, BrowserResult
    from tui.core.session import Session

DEFAULT_TIMEOUT = 300.0
PAGE_WAIT = 60.0
"""How long the browser's request waits for the code exchange before a neutral page."""
OAUTH_RESPONSE_KEYS = frozenset({"code", "error", "state"})


class AuthorizationTimeout(AuthorizationFailed):
    """No authorization response arrived in time (a face may give its own hint)."""


def expected_issuer_origin(component: OAuthComponent) -> str:
    """The origin an ``iss`` must have: the authorization endpoint's.

    Without discovery metadata the exact issuer is unknown, but a mix-up attack needs an
    issuer of another server, hence another origin (scheme, host, port).
    """
    return _origin(component.authorization_url)


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class AuthorizationAttempt:
    """One authorization; see the module docstring. Thread-safe; ``wait`` once."""

    def __init__(
        self,
        component: OAuthComponent,
        *,
        session: Session | None = None,
        env: str | None = None,
        port: int | None = None,
        http_timeout: float | None = None,
    ) -> None:
        """Bind the callback port and build the authorization URL.

        Args:
            component: the OAuth2 component to authorize.
            session: where to save the tokens (in ``env`` only); None: just return them.
            env: environment the tokens are for (default: the session's current one).
            port: override the component's redirect port (0 = any free port).
            http_timeout: timeout of the code exchange request.
        """
        from tui.core.oauth import protocol

        if not component.authorization_url:
            if component.device_authorization_url:
                raise AuthorizationFailed(
                    f"{component.name!r} has no authorization URL",
                    advice="sign in with a device code instead",
                    next_step=NextStep(Action.AUTHORIZE_DEVICE, component.name, env),
                )
            raise AuthorizationFailed(
                f"{component.name!r} has no authorization URL",
                advice="set the component's authorization URL",
                next_step=NextStep(
                    Action.EDIT_COMPONENT, component.name, field="authorization_url"
                ),
            )
        self.component = component
        self.session = session
        self.env = env or (session.records.current_environment if session else None)
        if session is not None and self.env is not None:
            session.records.require_environment(self.env)
        self._http_timeout = http_timeout
        self.state = secrets.token_urlsafe(32)
        self._verifier = secrets.token_urlsafe(64)
        self._lock = threading.Lock()
        self._response = threading.Event()
        self._page_ready = threading.Event()
        self._params: dict[str, str] | None = None
        self._source = ""
        self._page = (200, "")
        self._cancelled = False
        self._waited = False
        self._server = CallbackServer(
            self._on_callback, port=component.redirect_port if port is None else port
        )
        self.port = self._server.port
        self.redirect_uri = redirect_uri_for(component, self.port)
        try:
            self.url = protocol.authorization_url(
                component,
                redirect_uri=self.redirect_uri,
                state=self.state,
                code_verifier=self._verifier,
            )
        except Exception:
            self._server.close()
            raise

    def __repr__(self) -> str:
        return f"AuthorizationAttempt({self.component.name!r}, port={self.port})"

    # ------------------------------------------------------------ inputs
    def open_browser(
        self,
        on_result: Callable[[BrowserResult], None] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> BrowserLaunch:
        """Open ``url`` in the browser without blocking (honours $BROWSER).

        ``on_result`` gets a ``BrowserResult`` within a few seconds (from another thread);
        the returned ``BrowserLaunch`` has it too (``wait()``). When ``ok`` is False no
        browser shows the page: show ``url`` and accept a pasted redirect URL instead. The
        callback keeps listening either way.
        """
        from tui.core.oauth.browser import open_browser

        return open_browser(self.url, on_result, environ=environ)

    def submit_pasted_url(self, text: str) -> bool:
        """Feed the final redirect URL (or its query) that the user pasted.

        Returns True if it decided the attempt, False if the attempt was already decided.

        Raises:
            UsageError: the text is not an authorization response (no code, error or
                state): the attempt goes on, so the user can paste again.
        """
        params = parse_response(text)
        if not OAUTH_RESPONSE_KEYS & params.keys():
            raise UsageError(
                "that is not the redirect URL: it has no code, error or state parameter",
                advice=f"copy the whole address of the page that failed to load "
                f"(it starts with {self.redirect_uri})",
            )
        if not self._state_matches(params):
            raise UsageError(
                "that redirect URL belongs to another sign-in attempt (its state differs); "
                "this one is still waiting",
                advice="paste the address from the browser window opened for this attempt",
            )
        return self._submit(params, "paste")

    def _state_matches(self, params: dict[str, str]) -> bool:
        # Anything local can reach the callback port, and a web page can guess a fixed
        # one: only a response carrying this attempt's state may decide it.
        state = params.get("state")
        return state is not None and secrets.compare_digest(state, self.state)

    def _on_callback(self, params: dict[str, str]) -> tuple[int, str]:
        if not OAUTH_RESPONSE_KEYS & params.keys():
            return 400, page("Waiting", "This is not an authorization response.", ok=False)
        if not self._state_matches(params):
            return 400, page(
                "Not this sign-in",
                "This response does not belong to the sign-in in progress; tokendesk is "
                "still waiting for it. Use the newest sign-in window.",
                ok=False,
            )
        if not self._submit(params, "browser"):
            return 409, page(
                "Already done", "This authorization attempt is already complete.", ok=False
            )
        if not self._page_ready.wait(PAGE_WAIT):
            return 202, page(
                "Received", "tokendesk received the response; see the terminal.", ok=True
            )
        return self._page

    def _submit(self, params: dict[str, str], source: str) -> bool:
        with self._lock:
            if self._response.is_set():
                return False
            self._params, self._source = params, source
            self._response.set()
            return True

    # ------------------------------------------------------------ control
    def cancel(self) -> None:
        """End the attempt (a pending ``wait`` raises AuthorizationFailed); frees the port."""
        with self._lock:
            self._cancelled = True
            self._response.set()
        self._finish(False, "The authorization was cancelled in tokendesk.")
        self._server.close()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def close(self) -> None:
        """Free the port (``wait`` does it too)."""
        self._finish(False, "The authorization attempt ended.")
        self._server.close()

    def _finish(self, ok: bool, text: str) -> None:
        if self._page_ready.is_set():
            return
        title = "Success" if ok else "Authorization failed"
        self._page = (200 if ok else 400, page(title, text, ok=ok))
        self._page_ready.set()

    # ------------------------------------------------------------ outcome
    def wait(self, timeout: float | None = DEFAULT_TIMEOUT) -> TokenRecord:
        """Block until the response arrives, exchange the code and save the tokens.

        Returns:
            The new TokenRecord (saved in ``env`` when the attempt has a session).

        Raises:
            AuthorizationFailed: timeout, cancel, denied, state/iss mismatch, missing code.
            ConfigurationError, TransientError: the code exchange failed.
        """
        if self._waited:
            raise UsageError("wait() was already called for this attempt")
        self._waited = True
        try:
            if not self._response.wait(timeout):
                raise AuthorizationTimeout(
                    f"no authorization response within {timeout:g} s",
                    advice="start again; if the browser cannot reach this machine, paste the "
                    "address of the page that failed to load, or sign in with a device code",
                )
            if self._cancelled:
                raise AuthorizationFailed("the authorization was cancelled")
            code = self._check(self._params or {})
            tok = self._exchange(code)
        except TokendeskError as exc:
            self._finish(False, exc.message)
            raise
        except BaseException:
            self._finish(False, "tokendesk stopped.")
            raise
        finally:
            if not self._page_ready.is_set():
                self._finish(False, "The authorization attempt ended.")
            self._server.close()  # after the browser's request has sent its page
        return tok

    def _check(self, params: dict[str, str]) -> str:
        comp = self.component
        state = params.get("state")
        if state is None or not secrets.compare_digest(state, self.state):
            raise AuthorizationFailed(
                "the authorization response does not belong to this attempt (state mismatch); "
                "nothing was changed",
                advice="start the authorization again, and open only the newest URL",
            )
        iss = params.get("iss")
        if iss is not None and _origin(iss) != expected_issuer_origin(comp):
            raise AuthorizationFailed(
                f"the authorization response comes from another issuer ({one_line(iss, 80)}); "
                "nothing was changed",
                advice="check the authorization URL of the component (RFC 9207 mix-up check)",
            )
        if "error" in params:
            error, desc = params["error"], params.get("error_description", "")
            if error == "access_denied":
                detail = f": {one_line(desc)}" if desc else ""
                raise AuthorizationFailed(
                    f"the authorization was denied (access_denied){detail}",
                    advice="sign in again and accept the requested permissions",
                )
            raise classify_oauth_error(
                error, desc, component=comp, env=self.env, during="authorization"
            )
        code = params.get("code")
        if not code:
            raise AuthorizationFailed(
                "the authorization response has no code; nothing was changed",
                advice="start the authorization again",
            )
        return code

    def _exchange(self, code: str) -> TokenRecord:
        from tui.core.oauth import protocol
        from tui.core.oauth.tokens import redeem_grant

        def request() -> dict[str, Any]:
            return protocol.exchange_code(
                self.component,
                code=code,
                code_verifier=self._verifier,
                redirect_uri=self.redirect_uri,
                env=self.env,
                timeout=self._http_timeout,
            )

        tok = redeem_grant(
            self.session,
            self.component,
            self.env,
            request,
            grant="the authorization code",
            cancelled=lambda: self._cancelled,
        )
        self._finish(True, SUCCESS_TEXT)
        return tok

    @property
    def decided(self) -> bool:
        """True once a response (or a cancel) ended the waiting."""
        return self._response.is_set()

    @property
    def source(self) -> str:
        """Where the response came from: ``browser``, ``paste`` or "" (none yet)."""
        return self._source


def parse_response(text: str) -> dict[str, str]:
    """Query parameters of a pasted redirect URL (or of a bare ``?query``/``query``)."""
    text = text.strip().strip("'\"<>")
    if "://" in text:
        query = urlsplit(text).query
    else:
        query = text.split("?", 1)[-1]
    return dict(parse_qsl(query, keep_blank_values=True))
