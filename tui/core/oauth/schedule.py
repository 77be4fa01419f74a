"""When to refresh which token in the background, with back-off after failures.

Pure bookkeeping (no network, no lock, no clock of its own): the face's timer asks
``due(records, now)`` for the (environment, component) pairs whose tokens stopped being
fresh, refreshes them through ``tokens.fresh_token``, and reports each outcome with
``failed`` or ``succeeded``. A failing token waits 30 s, then twice as long after each
further failure, at most 10 minutes; a failure is reported once until its text changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.records import Records

BACKOFF_FIRST = 30.0
BACKOFF_MAX = 600.0

Key = tuple[str, str]
"""(environment, component name)."""


@dataclass
class RefreshSchedule:
    """Back-off state per token; see the module docstring."""

    first: float = BACKOFF_FIRST
    """Seconds to wait after a first failure."""
    most: float = BACKOFF_MAX
    """Longest wait between attempts."""
    _backoff: dict[Key, tuple[float, float]] = field(default_factory=dict)
    _reported: dict[Key, str] = field(default_factory=dict)

    def due(self, records: Records, now: float, environments: list[str] | None = None) -> list[Key]:
        """Tokens to refresh now, in every environment (or only ``environments``).

        A token is due when it has a refresh token, does not need a new authorization, is
        no longer fresh, and is not waiting after a failure.
        """
        envs = records.environments if environments is None else environments
        keys: list[Key] = []
        for env in envs:
            for comp, tok in records.iter_tokens(env):
                if tok is None or not tok.refresh_token or tok.needs_reauthorization:
                    continue
                if tok.is_fresh(comp.refresh_delay, now):
                    continue
                if self._backoff.get((env, comp.name), (0.0, 0.0))[0] > now:
                    continue
                keys.append((env, comp.name))
        return keys

    def failed(self, key: Key, now: float, text: str) -> bool:
        """Record a failure; True when ``text`` is new for ``key`` (report it then)."""
        _, last = self._backoff.get(key, (0.0, 0.0))
        wait = min(max(last * 2, self.first), self.most)
        self._backoff[key] = (now + wait, wait)
        if self._reported.get(key) == text:
            return False
        self._reported[key] = text
        return True

    def succeeded(self, key: Key) -> None:
        """Forget the back-off and the reported failure of ``key``."""
        self._backoff.pop(key, None)
        self._reported.pop(key, None)

    def waiting_until(self, key: Key) -> float | None:
        """When ``key`` may be tried again (None: not backing off)."""
        entry = self._backoff.get(key)
        return entry[0] if entry else None
