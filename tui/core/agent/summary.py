"""One line about the agent for a status bar: running or not, locked, what needs attention.

Pure: it reads the ``status`` dictionary an agent returns (or None when none answered).
"""

from __future__ import annotations

import os
from typing import Any

from tui.core.agent.presence import holds
from tui.core.text import one_line, relative


def agent_summary(
    status: dict[str, Any] | None, now: float, vault: str | os.PathLike[str] | None = None
) -> str:
    """``Agent: running · 4 tokens · next refresh in 12m 03s · 1 needs sign-in``, or ""
    when no agent runs (nothing to show). With ``vault`` (the vault the caller shows), an
    agent holding another vault says so instead of counting tokens that are not these."""
    if status is None:
        return ""
    if vault is not None and not holds(status, vault):
        return one_line(f"Agent: runs for another vault ({status.get('vault')})")
    if status.get("locked"):
        return "Agent: locked (tokens come from the vault)"
    tokens = [t for t in status.get("tokens") or [] if isinstance(t, dict)]
    parts = [f"Agent: running · {len(tokens)} token{'s' if len(tokens) != 1 else ''}"]
    times = [t["next_refresh"] for t in tokens if isinstance(t.get("next_refresh"), int | float)]
    if times:
        nxt = min(times)
        parts.append("refreshing now" if nxt <= now else f"next refresh {relative(nxt - now)}")
    signin = sum(1 for t in tokens if t.get("state") == "needs sign-in")
    failing = sum(1 for t in tokens if t.get("failures"))
    if signin:
        parts.append(f"{signin} need{'s' if signin == 1 else ''} sign-in")
    if failing:
        parts.append(f"{failing} failing")
    return one_line(" · ".join(parts))
