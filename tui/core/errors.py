"""tokendesk's error hierarchy for everything above the vault (OAuth, mail, models, CLI).

Each error carries a one-line ``message`` a user can read, an optional ``hint`` (the next
step), and the ``exit_code`` the CLI returns: 1 an operation failed, 2 usage or validation,
3 re-authorization needed. Messages never contain secrets.
"""

from __future__ import annotations


class TokendeskError(Exception):
    """Base class: a failure with a user-facing message."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(TokendeskError):
    """The command line or the request is malformed."""

    exit_code = 2


class ValidationError(TokendeskError):
    """A value does not pass a model's validation; ``field`` names it when known."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
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
