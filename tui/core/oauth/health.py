"""Refresh-token health: how old a refresh token is, when it was last used, and its cliffs.

Pure functions over a component and its ``TokenRecord`` with an injectable clock (``now``);
no network, no secrets. A *cliff* is a known moment after which the provider stops honouring
the refresh token:

* Google, apps in "Testing" publishing status: 7 days after the sign-in. Whether an app is
  in Testing cannot be seen from outside, so this is a warning; a refresh that succeeded
  after day 7 shows the app is not in Testing, and the cliff is dropped.
* Microsoft identity platform: 90 days without use (each refresh restarts the window).
* Any provider that sends ``refresh_token_expires_in``: that moment.

``token_health`` names the nearest cliff, a level (``ok``, ``warning``, ``expired``, ``no
refresh token``, ``not authorized``) and a next step (``Health.next_step``: the core's
``NextStep``) that each face renders in its own words (a command line, a key);
``keepalive_due`` tells a background keeper that a refresh now would move a cliff away.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from tui.core.errors import Action, NextStep
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.classify import is_google
from tui.core.oauth.status import iso_utc
from tui.core.text import human_duration, relative

DAY = 86400.0
GOOGLE_TESTING_LIFETIME = 7 * DAY
GOOGLE_WARN_BEFORE = 1 * DAY
MICROSOFT_INACTIVITY = 90 * DAY
MICROSOFT_WARN_BEFORE = 14 * DAY
PROVIDER_WARN_BEFORE = 3 * DAY

Level = Literal["ok", "warning", "expired", "no refresh token", "not authorized"]
StepKind = Literal["", "refresh", "authorize", "publish"]
"""``refresh``: use the refresh token now; ``authorize``: sign in again; ``publish``: move
the provider's app out of testing (and sign in again)."""


@dataclass(frozen=True)
class Cliff:
    """A moment after which the refresh token stops working."""

    label: str
    """What the rule is, e.g. ``Microsoft ends refresh tokens unused for 90 days``."""
    at: float
    """When (UNIX seconds)."""
    warn_from: float
    """From when to warn about it."""
    certain: bool
    """False when the rule may not apply (Google: only apps in Testing status)."""
    step: StepKind
    """What moves the cliff away or gets past it before it comes."""
    advice: str
    """The same next step in words, without naming a command or a key."""


@dataclass(frozen=True)
class Health:
    """The health of one component's refresh token in one environment."""

    level: Level
    """``ok``, ``warning``, ``expired``, ``no refresh token`` or ``not authorized``."""
    summary: str
    """One line: age, last use and the nearest cliff."""
    age: float | None = None
    """Seconds since the refresh token was issued (the sign-in), if known."""
    since_use: float | None = None
    """Seconds since the refresh token was last used successfully, if known."""
    cliff: Cliff | None = None
    """The nearest cliff, if any applies."""
    step: StepKind = ""
    """The next step when the level is not ``ok``."""
    advice: str = ""
    """``step`` in words (no command, no key)."""

    def next_step(self, component: str, env: str) -> NextStep | None:
        """``step`` as the core's face-neutral next step (None when there is none)."""
        if not self.step or self.level == "ok":
            return None
        action = Action.REFRESH if self.step == "refresh" else Action.AUTHORIZE
        return NextStep(action, component, env)

    def to_dict(self) -> dict[str, object]:
        """JSON-compatible form (times as seconds)."""
        return {
            "level": self.level,
            "summary": self.summary,
            "age": None if self.age is None else round(self.age),
            "since_last_use": None if self.since_use is None else round(self.since_use),
            "cliff": None
            if self.cliff is None
            else {
                "rule": self.cliff.label,
                "at": iso_utc(self.cliff.at),
                "certain": self.cliff.certain,
            },
            "next_step": self.step,
            "advice": self.advice,
        }


def is_microsoft(component: OAuthComponent) -> bool:
    """Microsoft identity platform endpoints."""
    return component.type == "microsoft" or "login.microsoftonline.com" in component.token_url


def issued_at(tok: TokenRecord) -> float | None:
    """When the refresh token's grant began (the sign-in)."""
    return tok.refresh_token_issued_at or tok.obtained_at


def last_use(tok: TokenRecord) -> float | None:
    """When the refresh token was last used successfully (or handed out)."""
    times = [
        t
        for t in (tok.last_refresh, tok.refresh_token_rotated_at, tok.refresh_token_issued_at)
        if t is not None
    ]
    return max(times) if times else None


def cliffs(component: OAuthComponent, tok: TokenRecord) -> list[Cliff]:
    """Every cliff that may apply to ``tok``, nearest first."""
    found: list[Cliff] = []
    start = issued_at(tok)
    used = last_use(tok)
    if is_google(component) and start is not None:
        at = start + GOOGLE_TESTING_LIFETIME
        # A refresh that worked after the limit proves the app is not in Testing.
        if tok.last_refresh is None or tok.last_refresh < at:
            found.append(
                Cliff(
                    "Google ends refresh tokens of apps in Testing status 7 days after sign-in",
                    at,
                    at - GOOGLE_WARN_BEFORE,
                    False,
                    "publish",
                    "publish the app in the Google Cloud console (OAuth consent screen: "
                    "In production), then authorize again",
                )
            )
    if is_microsoft(component) and used is not None:
        at = used + MICROSOFT_INACTIVITY
        found.append(
            Cliff(
                "Microsoft ends refresh tokens unused for 90 days",
                at,
                at - MICROSOFT_WARN_BEFORE,
                True,
                "refresh",
                "refresh the token now: each refresh restarts the 90 days",
            )
        )
    if tok.refresh_token_expires_at is not None:
        at = tok.refresh_token_expires_at
        lifetime = at - (tok.refresh_token_rotated_at or start or at)
        warn = min(PROVIDER_WARN_BEFORE, max(lifetime, 0.0) / 4)
        found.append(
            Cliff(
                "the provider said when the refresh token ends",
                at,
                at - warn,
                True,
                "authorize",
                "authorize again before then",
            )
        )
    return sorted(found, key=lambda c: c.at)


def token_health(
    component: OAuthComponent, tok: TokenRecord | None, now: float | None = None
) -> Health:
    """The health of ``tok`` (None: no tokens in the environment) at ``now``."""
    now = time.time() if now is None else now
    if tok is None or not (tok.access_token or tok.refresh_token):
        return Health(
            "not authorized",
            "no tokens in this environment yet",
            step="authorize",
            advice="authorize",
        )
    if tok.needs_reauthorization:
        return Health(
            "expired",
            "the provider rejected the refresh token",
            step="authorize",
            advice="authorize again",
        )
    if not tok.refresh_token:
        remaining = tok.expires_in(now)
        when = "" if remaining is None else f" (access token {_until(remaining)})"
        return Health(
            "no refresh token",
            f"no refresh token: sign-in needed when the access token expires{when}",
            step="authorize",
            advice="authorize again, allowing offline access",
        )
    start, used = issued_at(tok), last_use(tok)
    age = None if start is None else now - start
    since = None if used is None else now - used
    parts = [f"refresh token {human_duration(age)} old" if age is not None else "refresh token"]
    if since is not None:
        parts.append(f"last used {relative(-since)}")
    found = cliffs(component, tok)
    # An uncertain cliff that has passed may not apply: prefer a certain one still to come.
    cliff = next((c for c in found if c.certain or now < c.at), found[0] if found else None)
    if cliff is None:
        return Health("ok", ", ".join(parts) + "; no known expiry", age, since)
    if now >= cliff.at:
        level: Level = "expired" if cliff.certain else "warning"
        state = "passed" if cliff.certain else "passed (if it applies)"
        summary = f"{', '.join(parts)}; {state}: {cliff.label} ({_ago(now - cliff.at)})"
        step: StepKind = "authorize" if cliff.certain else cliff.step
        advice = "authorize again" if cliff.certain else cliff.advice
        return Health(level, summary, age, since, cliff, step, advice)
    summary = f"{', '.join(parts)}; {cliff.label} ({_until(cliff.at - now)})"
    if now >= cliff.warn_from:
        return Health("warning", summary, age, since, cliff, cliff.step, cliff.advice)
    return Health("ok", summary, age, since, cliff)


def keepalive_due(component: OAuthComponent, tok: TokenRecord | None, now: float | None) -> bool:
    """True when refreshing now would move a near cliff away (Microsoft's inactivity)."""
    health = token_health(component, tok, now)
    return health.level == "warning" and health.step == "refresh"


def _until(seconds: float) -> str:
    return f"in {human_duration(seconds)}" if seconds >= 0 else _ago(-seconds)


def _ago(seconds: float) -> str:
    return f"{human_duration(seconds)} ago"
