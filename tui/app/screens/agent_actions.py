"""Starting, stopping and locking the background agent from the main screen.

The agent is started through the core's one path (``tui.core.agent.launch.start_agent``,
as ``tokendesk agent start`` does): it gets the open session's vault key over a pipe, so
nothing is asked again and no passphrase reaches its arguments or environment. Each runs
in a worker (starting waits until the agent listens); each outcome is its own message and
ends as a notification, failures through the app's one error formatter.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.message import Message

from tui.app.context import AppScreen
from tui.app.errors import failure_text
from tui.app.messages import ActionFailed
from tui.app.widgets.agent_indicator import AgentIndicator

TITLE = "Agent"
NOT_DONE = {"start": "Not started", "stop": "Not stopped", "lock": "Not locked"}


class AgentActions(AppScreen[None]):
    """Mixed into ``MainScreen``: the agent's start, stop and lock actions."""

    @dataclass
    class AgentStarted(Message):
        """An agent was started and listens."""

        pid: int

    @dataclass
    class AgentAlreadyRunning(Message):
        """An unlocked agent already keeps this vault fresh: nothing to start."""

        pid: object

    @dataclass
    class AgentStopped(Message):
        """The agent stopped (it forgot the key)."""

    @dataclass
    class AgentLocked(Message):
        """The agent forgot the key and keeps running."""

    def action_start_agent(self) -> None:
        self.notify("Starting the agent…", title=TITLE, markup=False)
        self._control("start")

    def action_stop_agent(self) -> None:
        self._control("stop")

    def action_lock_agent(self) -> None:
        self._control("lock")

    @work(thread=True, exclusive=True, exit_on_error=False, group="agent-control",
          description="agent control")  # fmt: skip
    def _control(self, op: str) -> None:
        from tui.core.agent import launch

        done: Message
        try:
            if op == "start":
                try:
                    done = self.AgentStarted(launch.start_agent(self.session).pid)
                except launch.AgentRunning as running:  # already what was asked for
                    done = self.AgentAlreadyRunning(running.pid)
            elif op == "stop":
                launch.stop_agent()
                done = self.AgentStopped()
            else:
                launch.lock_agent()
                done = self.AgentLocked()
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(ActionFailed(f"{NOT_DONE[op]}: {failure_text(exc)}", TITLE))
            return
        self.post_message(done)

    def _agent_changed(self, text: str) -> None:
        self.notify(text, title=TITLE, markup=False)
        for indicator in self.query(AgentIndicator):
            indicator.poll_now()
        self.tokendesk.recheck_agent()

    @on(AgentStarted)
    def _started(self, message: AgentStarted) -> None:
        self._agent_changed(
            f"Agent started (pid {message.pid}): it keeps every token fresh in the "
            "background, also after you quit."
        )

    @on(AgentAlreadyRunning)
    def _already(self, message: AgentAlreadyRunning) -> None:
        self._agent_changed(f"The agent already keeps this vault fresh (pid {message.pid}).")

    @on(AgentStopped)
    def _stopped(self, message: AgentStopped) -> None:
        self._agent_changed("Agent stopped: tokens are refreshed here while tokendesk runs.")

    @on(AgentLocked)
    def _locked(self, message: AgentLocked) -> None:
        self._agent_changed(
            "Agent locked: it forgot the key; tokens are refreshed here while tokendesk runs."
        )
