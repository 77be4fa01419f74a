"""tokendesk's error hierarchy for everything above the vault (OAuth, mail, models, CLI).

Each error carries a one-line ``message`` a user can read, the ``advice`` that goes with it
(plain words, often the provider's own: Google's 7-day expiry of testing apps, what an
AADSTS code means), an optional structured ``next_step`` (what to do, on which component and
environment), and the ``exit_code`` the CLI returns: 1 an operation failed, 2 usage or
validation, 3 re-authorization needed. Messages never contain secrets.

``NextStep`` and ``Failure`` are named tuples (immutable records that every command loads:
a named tuple costs a tenth of a frozen dataclass at start-up).

The core speaks no face's language: a ``NextStep`` names an action from a closed set, never
a command line or a key. Each face renders it its own way (the CLI as the command to run,
the Textual app as the key to press); ``describe`` is the one formatter both faces start from.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple


class Action(StrEnum):
    """What the user can do next; each face knows how to say it (a command, a key)."""

    AUTHORIZE = "authorize"
    """Authorize the component again in the environment (browser sign-in)."""
    AUTHORIZE_DEVICE = "authorize_device"
    """Authorize with the device grant (a code entered on another device)."""
    AUTHORIZE_WITHOUT_BROWSER = "authorize_without_browser"
    """Authorize without opening a browser here: show the URL, accept the pasted redirect."""
    EDIT_COMPONENT = "edit_component"
    """Change the component's ``field`` (to ``value`` when one is known)."""
    SHOW_REDIRECT_URI = "show_redirect_uri"
    """Show the redirect URI to register with the provider."""
    LIST_COMPONENTS = "list_components"
    """List the components and the variables they define."""
    LIST_FOLDERS = "list_folders"
    """List the mail component's folders."""
    SWITCH_ENVIRONMENT = "switch_environment"
    """Make another environment the current one."""
    REFRESH = "refresh"
    """Refresh the component's token now (a refresh restarts a provider's inactivity limit)."""


class NextStep(NamedTuple):
    """A face-neutral next step: an action and what it applies to."""

    action: Action
    """What to do."""
    component: str | None = None
    """The component's name; None when the raiser does not know it (a caller may fill it)."""
    environment: str | None = None
    """The environment, when the step is about one."""
    field: str | None = None
    """For ``EDIT_COMPONENT``: the model field to change (e.g. ``ca_file``)."""
    value: str | None = None
    """For ``EDIT_COMPONENT``: the value to set, when the core knows it."""

    def about(self, component: str | None, environment: str | None = None) -> NextStep:
        """This step with the component and environment filled in where still unknown."""
        return self._replace(
            component=self.component or component,
            environment=self.environment or environment,
        )

    def to_dict(self) -> dict[str, str]:
        """JSON form (``action`` plus the fields that are set)."""
        return {k: str(v) for k, v in self._asdict().items() if v is not None}

    @classmethod
    def from_dict(cls, d: Any) -> NextStep | None:
        """Read ``to_dict``'s form back; None for anything else (an unknown action too)."""
        if not isinstance(d, dict):
            return None
        try:
            action = Action(str(d.get("action")))
        except ValueError:
            return None
        texts = {
            k: v
            for k in ("component", "environment", "field", "value")
            if isinstance(v := d.get(k), str)
        }
        return cls(action, **texts)


class TokendeskError(Exception):
    """Base class: a failure with a user-facing message, advice and a next step."""

    exit_code = 1

    def __init__(
        self, message: str, *, advice: str | None = None, next_step: NextStep | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice
        """Plain-words advice (the provider's own included); shown by every face."""
        self.next_step = next_step
        """What to do next, rendered by each face its own way."""


class UsageError(TokendeskError):
    """The command line or the request is malformed."""

    exit_code = 2


class ValidationError(TokendeskError):
    """A value does not pass a model's validation; ``field`` names it when known."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        advice: str | None = None,
        next_step: NextStep | None = None,
    ) -> None:
        super().__init__(message, advice=advice, next_step=next_step)
        self.field = field


class NotFoundError(TokendeskError):
    """A named component, environment, variable or message does not exist."""

    exit_code = 2


class OperationFailed(TokendeskError):
    """An operation failed for a reason that is not the user's input."""


class TransientError(OperationFailed):
    """A network error, timeout or server fault; trying again later may work."""


class ConfigurationError(OperationFailed):
    """The provider rejected the configuration (client id/secret, redirect URI, scope...)."""


class AuthorizationFailed(OperationFailed):
    """An authorization attempt ended without tokens (denied, state mismatch, timeout...)."""


class ReauthorizationNeeded(TokendeskError):
    """The refresh token is expired or revoked: the user must authorize again."""

    exit_code = 3


class MailError(OperationFailed):
    """An IMAP operation failed (connection, TLS, authentication, server answer)."""


class Failure(NamedTuple):
    """What a face shows for a failure: the one formatter's output, still as data."""

    message: str
    """One line, sanitized."""
    advice: str | None = None
    """Plain-words advice, sanitized; None when there is none."""
    next_step: NextStep | None = None
    """The structured next step, for the face to render."""
    exit_code: int = 1
    """The CLI's exit status for it."""


def describe(exc: BaseException) -> Failure:
    """The one way to turn an exception into what a user sees (no secrets, no traceback).

    Known errors (``TokendeskError``, the vault's ``VaultError``) keep their message, advice
    and next step; an ``OSError`` gives its reason; anything else only its type's name.
    Text is passed through the sanitizer here as a backstop for every face.
    """
    from tui.core.text import sanitize
    from vault.errors import VaultError

    def clean(text: str | None) -> str | None:
        return sanitize(text) or None if text else None

    if isinstance(exc, TokendeskError):
        return Failure(
            sanitize(exc.message), clean(exc.advice), exc.next_step, exit_code=exc.exit_code
        )
    if isinstance(exc, VaultError):
        return Failure(sanitize(exc.message), clean(exc.hint))
    if isinstance(exc, OSError):
        return Failure(f"could not access the file: {exc.strerror or type(exc).__name__}")
    return Failure(f"unexpected internal error ({type(exc).__name__})")
