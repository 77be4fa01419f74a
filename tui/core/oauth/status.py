"""Per-component token status for one environment (``tokendesk status`` and the TUI).

Pure functions over ``Records``: no network, no lock, no secrets in the result.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.core.errors import NextStep
from tui.core.text import one_line

if TYPE_CHECKING:
    from tui.core.records import Records


@dataclass(frozen=True)
class TokenStatus:
    """What a user wants to know about one component's tokens in one environment."""

    name: str
    """Component name."""
    variable: str
    """``@Variable`` other components use."""
    environment: str
    """The environment the row is about."""
    has_token: bool
    """An access token is stored."""
    has_refresh_token: bool
    """A refresh token is stored."""
    status: str
    """fresh | expiring | expired | needs authorization | error."""
    fresh: bool
    """``now < expires_at - refresh_delay``."""
    expires_at: str | None
    """Expiry, ISO 8601 UTC."""
    expires_in: float | None
    """Seconds until expiry (negative: expired)."""
    refresh_token_age: float | None
    """Seconds since the refresh token was issued or last rotated."""
    last_refresh: str | None
    """Last successful refresh, ISO 8601 UTC."""
    account: str
    """Signed-in account from the id_token, if known."""
    scope: str
    """Granted scope."""
    last_error: str
    """Last error message ("" if the last operation succeeded)."""
    last_error_advice: str
    """The advice that came with ``last_error``."""
    next_step: NextStep | None
    """What to do about ``last_error`` (None when nothing)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``next_step`` as its own ``to_dict`` (or None)."""
        d = asdict(self)
        d["next_step"] = self.next_step.to_dict() if self.next_step else None
        return d


def iso_utc(ts: float | None) -> str | None:
    """``2024-01-02T03:04:05Z`` for a UNIX time, or None."""
    if ts is None:
        return None
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None  # an absurd time an older version stored: not a reason to crash


def token_status(records: Records, env: str, now: float | None = None) -> list[TokenStatus]:
    """One row per OAuth2 component, in creation order."""
    now = time.time() if now is None else now
    records.require_environment(env)
    rows = []
    for comp, tok in records.iter_tokens(env):
        if tok is None:
            rows.append(
                TokenStatus(
                    comp.name,
                    comp.reference,
                    env,
                    False,
                    False,
                    "needs authorization",
                    False,
                    None,
                    None,
                    None,
                    None,
                    "",
                    "",
                    "",
                    "",
                    None,
                )  # fmt: skip
            )
            continue
        since = tok.refresh_token_rotated_at or tok.refresh_token_issued_at
        rows.append(
            TokenStatus(
                name=comp.name,
                variable=comp.reference,
                environment=env,
                has_token=bool(tok.access_token),
                has_refresh_token=bool(tok.refresh_token),
                status=tok.status(comp.refresh_delay, now),
                fresh=tok.is_fresh(comp.refresh_delay, now),
                expires_at=iso_utc(tok.expires_at),
                expires_in=None
                if tok.expires_at is None or not math.isfinite(tok.expires_at)
                else round(tok.expires_at - now, 1),
                refresh_token_age=None
                if since is None or not tok.refresh_token
                else round(now - since, 1),
                last_refresh=iso_utc(tok.last_refresh),
                # Server texts, maybe stored by an older version unsanitized.
                account=one_line(tok.account, 200),
                scope=one_line(tok.scope, 1000),
                last_error=one_line(tok.last_error),
                last_error_advice=one_line(tok.last_error_advice),
                next_step=tok.next_step(comp.name, env),
            )
        )
    return rows
