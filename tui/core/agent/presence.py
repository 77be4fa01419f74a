"""Whether a running agent keeps a given vault's tokens fresh, so a face can leave it to it.

``serving_agent(vault)`` asks the agent's socket for its status (a bounded request; None
when no agent answers) and ``serves(status, vault)`` decides, purely, whether that agent is
unlocked and holds the same vault file. A face that runs its own refresh schedule (the TUI)
skips it while ``serves`` is true and picks up the agent's fresh tokens by re-reading the
vault file when it changes; when the agent stops or locks, the face's schedule resumes.
"""

from __future__ import annotations

import os
from typing import Any

from tui.core.agent import client


def agent_status() -> dict[str, Any] | None:
    """The running agent's status (see ``Agent.status``), or None when none answers."""
    reply = client.request({"op": "status"})
    status = reply.get("status") if reply else None
    return status if isinstance(status, dict) else None


def holds(status: dict[str, Any], vault: str | os.PathLike[str]) -> bool:
    """True when the agent that sent ``status`` holds the vault file ``vault``."""
    held = status.get("vault")
    if not isinstance(held, str) or not held:
        return False
    return os.path.realpath(held) == os.path.realpath(vault)


def serves(status: dict[str, Any] | None, vault: str | os.PathLike[str]) -> bool:
    """True when ``status`` is from an unlocked agent holding the vault file ``vault``."""
    if status is None or status.get("locked") is not False:
        return False
    return holds(status, vault)


def serving_agent(vault: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The status of an agent that keeps ``vault`` fresh right now, else None."""
    status = agent_status()
    return status if serves(status, vault) else None
