"""A one-line indicator of the background agent: shown only while an agent answers.

Every few seconds a worker thread asks the agent's socket for its status (the lean client,
a bounded request) and posts the result as a message; the line is hidden when no agent
runs, so screens without an agent look exactly as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.message import Message
from textual.widgets import Static

from tui.app.context import tokendesk_app
from tui.core.agent.presence import agent_status
from tui.core.agent.summary import agent_summary

POLL_SECONDS = 5.0


class AgentIndicator(Static):
    """Whether an agent runs and the state of its refreshes."""

    DEFAULT_CSS = """
    AgentIndicator {
        display: none;
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    AgentIndicator.-running { display: block; }
    AgentIndicator.-attention { color: $warning; }
    """

    @dataclass
    class Polled(Message):
        """The agent's status (None: no agent answered)."""

        status: dict[str, Any] | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AgentIndicator.Polled)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)

    def on_mount(self) -> None:
        self._poll()
        self.set_interval(POLL_SECONDS, self._poll, name="agent-status")

    def poll_now(self) -> None:
        """Ask the agent now (after it was started, stopped or locked from here)."""
        self._poll()

    @work(thread=True, exclusive=True, exit_on_error=False, group="agent", description="agent")
    def _poll(self) -> None:
        self.post_message(self.Polled(agent_status()))

    @on(Polled)
    def _show(self, message: Polled) -> None:
        text = agent_summary(message.status, time.time(), tokendesk_app(self).vault_path)
        self.update(text)
        self.set_class(bool(text), "-running")
        self.set_class("sign-in" in text or "failing" in text, "-attention")
