"""When the agent refreshes each token: pure scheduling logic, no processes, no clock of its own.

Every (environment, component) pair with tokens is one ``Slot``. Its next due time is the
earliest of:

* the moment the access token stops being fresh (``expires_at - refresh_delay``);
* the keep-alive moment (``keep_alive`` seconds after the refresh token was last used, or
  earlier when the provider's own rule says so), so refresh tokens that die of inactivity
  (90 days at Microsoft) are spent before they do;
* after a transient failure, the back-off retry time (doubling from ``BACKOFF_MIN`` up to
  ``BACKOFF_CAP``, with jitter so many agents do not retry in step).

A slot whose refresh token was rejected (or that has none and whose access token expired)
is not due at all: asking the provider again cannot help until the user signs in, which
writes a new token record and so starts the slot over.

``Schedule.clock_jumped`` compares the wall clock with the monotonic clock between two
wake-ups: Linux stops the monotonic clock during a suspend, so a laptop that slept for
hours wakes with a long wall-clock jump; the agent then forgets its back-off and refreshes
whatever is due at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.oauth.health import cliffs, last_use

if TYPE_CHECKING:
    from tui.core.records import Records

BACKOFF_MIN = 1.0
"""Seconds before the first retry after a transient failure."""
BACKOFF_CAP = 300.0
"""The longest wait between retries."""
JITTER = 0.25
"""Retry waits are stretched by a random fraction up to this."""
JUMP_THRESHOLD = 5.0
"""A wall-clock advance this much larger than the monotonic one counts as a suspend/resume."""


@dataclass(frozen=True)
class TokenInfo:
    """What the schedule needs to know about one token (no secrets)."""

    environment: str
    name: str
    refresh_delay: float
    """The component's refresh delay: the token is due this long before it expires."""
    has_access_token: bool
    has_refresh_token: bool
    expires_at: float | None
    needs_reauthorization: bool
    last_used: float | None
    """When the refresh token was last issued, rotated or spent (None: unknown)."""
    version: float | None = None
    """Changes whenever the token record is replaced (``obtained_at``): resets failures."""
    keep_alive_by: float | None = None
    """A provider's own deadline for using the refresh token (Microsoft's 90 days without
    use, minus a warning margin): a keep-alive refresh is due then whatever the period."""


def token_infos(records: Records) -> list[TokenInfo]:
    """Every stored token in every environment, as the schedule sees it."""
    infos = []
    for env in records.environments:
        for comp, tok in records.iter_tokens(env):
            if tok is None:
                continue
            # A provider's inactivity rule (Microsoft's 90 days) sets a keep-alive deadline.
            alive_by = [c.warn_from for c in cliffs(comp, tok) if c.step == "refresh"]
            infos.append(
                TokenInfo(
                    environment=env,
                    name=comp.name,
                    refresh_delay=float(comp.refresh_delay),
                    has_access_token=bool(tok.access_token),
                    has_refresh_token=bool(tok.refresh_token),
                    expires_at=tok.expires_at,
                    needs_reauthorization=tok.needs_reauthorization,
                    last_used=last_use(tok) or tok.obtained_at,
                    version=tok.obtained_at,
                    keep_alive_by=min(alive_by) if alive_by else None,
                )
            )
    return infos


@dataclass
class SlotState:
    """What the agent remembers about one slot between wake-ups."""

    failures: int = 0
    """Transient failures in a row."""
    retry_at: float | None = None
    """After a failure: not before this time."""
    last_error: str = ""
    """The last failure's message (already safe for a terminal)."""
    version: float | None = None
    """The token record's version these failures belong to."""
    needs_signin: bool = False
    """The provider rejected the refresh token (as far as this agent saw)."""


@dataclass(frozen=True)
class Due:
    """A slot's plan: when to refresh, and whether to force a refresh of a fresh token."""

    environment: str
    name: str
    at: float | None
    """Wall-clock time it is due, or None when it is not scheduled (needs sign-in)."""
    keep_alive: bool
    """True when the refresh is only to keep the refresh token alive."""
    state: str
    """``scheduled``, ``retrying``, ``needs sign-in`` or ``no expiry``."""


@dataclass
class Schedule:
    """The agent's plan for every slot; feed it token infos and outcomes, ask what is due."""

    keep_alive: float = 0.0
    """Refresh an unused refresh token after this many seconds; 0 turns keep-alive off."""
    rand: Callable[[], float] = random.random
    slots: dict[tuple[str, str], SlotState] = field(default_factory=dict)

    def state(self, environment: str, name: str) -> SlotState:
        """The remembered state of a slot (created on first use)."""
        return self.slots.setdefault((environment, name), SlotState())

    def forget_missing(self, infos: Iterable[TokenInfo]) -> None:
        """Drop the state of slots that no longer exist (component or environment removed)."""
        keep = {(i.environment, i.name) for i in infos}
        for key in [k for k in self.slots if k not in keep]:
            del self.slots[key]

    def plan(self, info: TokenInfo) -> Due:
        """When ``info``'s slot is due next."""
        st = self.state(info.environment, info.name)
        if st.version != info.version:
            # A new token record (a sign-in, or a refresh by another process): start over.
            st.failures, st.retry_at, st.last_error = 0, None, ""
            st.needs_signin, st.version = False, info.version
        if info.needs_reauthorization or st.needs_signin:
            return Due(info.environment, info.name, None, False, "needs sign-in")
        if not info.has_refresh_token:
            # Nothing to refresh with: the token lives until it expires, then needs sign-in.
            return Due(info.environment, info.name, None, False, "no refresh token")
        at: float | None = None
        keep_alive = False
        if info.expires_at is not None:
            at = info.expires_at - info.refresh_delay
        elif not info.has_access_token:
            at = 0.0  # a refresh token alone: get an access token now
        alive = [info.keep_alive_by] if info.keep_alive_by is not None else []
        if self.keep_alive > 0 and info.last_used is not None:
            alive.append(info.last_used + self.keep_alive)
        if alive and (at is None or min(alive) < at):
            at, keep_alive = min(alive), True
        state = "scheduled" if at is not None else "no expiry"
        if st.retry_at is not None:
            at = st.retry_at if at is None else max(at, st.retry_at)
            state = "retrying"
        return Due(info.environment, info.name, at, keep_alive, state)

    def due(self, infos: Iterable[TokenInfo], now: float) -> list[Due]:
        """The slots due at ``now``, earliest first."""
        plans = [self.plan(i) for i in infos]
        ready = [p for p in plans if p.at is not None and p.at <= now]
        return sorted(ready, key=lambda p: p.at or 0.0)

    def next_wake(self, infos: Iterable[TokenInfo]) -> float | None:
        """The earliest due time of any slot, or None when nothing is scheduled."""
        times = [p.at for p in (self.plan(i) for i in infos) if p.at is not None]
        return min(times) if times else None

    # ------------------------------------------------------------- outcomes
    def succeeded(self, environment: str, name: str) -> bool:
        """Record a successful refresh; True if it ends a run of failures (a recovery)."""
        st = self.state(environment, name)
        recovered = st.failures > 0 or st.needs_signin
        st.failures, st.retry_at, st.last_error, st.needs_signin = 0, None, "", False
        return recovered

    def failed(self, environment: str, name: str, message: str, now: float) -> float:
        """Record a transient failure; returns when to retry (exponential, jittered, capped)."""
        st = self.state(environment, name)
        st.failures += 1
        wait = min(BACKOFF_CAP, BACKOFF_MIN * 2 ** (st.failures - 1))
        wait *= 1 + JITTER * self.rand()
        st.retry_at, st.last_error = now + min(wait, BACKOFF_CAP), message
        return st.retry_at

    def rejected(self, environment: str, name: str, message: str) -> None:
        """Record that the provider rejected the refresh token: stop until a new sign-in."""
        st = self.state(environment, name)
        st.needs_signin, st.retry_at, st.last_error = True, None, message

    def woke_after_jump(self) -> None:
        """After a suspend/resume: retry failed slots at once instead of waiting out back-off."""
        for st in self.slots.values():
            st.retry_at = None


def clock_jumped(wall_delta: float, mono_delta: float, threshold: float = JUMP_THRESHOLD) -> bool:
    """True when the wall clock moved on ``threshold`` seconds more than the monotonic one
    (a suspend/resume) or went backwards by more than that (the clock was set back)."""
    return abs(wall_delta - mono_delta) > threshold
