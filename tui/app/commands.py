"""The command palette (ctrl+p): every action of the TUI under a stable name.

Docs and tests rely on these names: "New OAuth2 component", "New inbound email component",
"Authorize", "Copy redirect URI", "Refresh token", "Forget tokens", "Token details",
"Switch environment", "Test connection", "Open inbox", "Delete component", "Start agent",
"Stop agent", "Lock agent". An action on a
component has one entry per component ("Open inbox · Work", "Authorize · Microsoft"), the
shown component's first; each entry shows the key that runs the same action, after the
user's keymap.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.app.keys import (
    COMMAND_NAMES,
    MAIN_COMMANDS,
    SCREEN_BINDINGS,
    SIDEBAR_BINDINGS,
    binding_for,
    shown_keys,
)

__all__ = ["COMMAND_NAMES", "TokendeskCommands"]

INBOX_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Refresh folder", "refresh", "Re-read the folder"),
    ("Choose folder", "focus_folders", "Move to the folder list"),
    ("Search messages", "search", "Search the folder on the server"),
    ("Go to date", "go_to_date", "Jump to the messages of a day"),
    ("Back to components", "back", "Close the inbox"),
)


@dataclass(frozen=True)
class Entry:
    """One palette line."""

    name: str
    run: Callable[[], Awaitable[None]]
    help: str
    first: bool = False


class TokendeskCommands(Provider):
    """Commands of the screen the palette was opened on, plus Help."""

    def _entries(self) -> list[Entry]:
        from tui.app.screens.inbox import InboxScreen
        from tui.app.screens.main import MainScreen

        screen = self.screen
        entries: list[Entry] = []
        if isinstance(screen, MainScreen):
            bindings = SIDEBAR_BINDINGS + SCREEN_BINDINGS
            for command in MAIN_COMMANDS:
                binding = binding_for(command.action, bindings)
                key = f" ({shown_keys(self.app, binding)})" if binding else ""
                help_text = command.help + key
                if not command.kind:
                    entries.append(Entry(command.name, partial(self._run, command.action),
                                         help_text))  # fmt: skip
                    continue
                targets = screen.targets(command.kind)
                if not targets:
                    # Still listed: running it says what to add or select first.
                    entries.append(Entry(command.name, partial(self._run, command.action),
                                         help_text))  # fmt: skip
                for name in targets:
                    entries.append(
                        Entry(
                            f"{command.name} · {name}",
                            partial(self._run_on, name, command.action),
                            help_text,
                            first=name == screen.showing,
                        )
                    )
        elif isinstance(screen, InboxScreen):
            for name, action, text in INBOX_COMMANDS:
                entries.append(Entry(name, partial(self._run, action), text))
        entries.append(Entry("Help", self._help, "Show every key (? / F1)"))
        # The shown component's entries first (sorted() is stable).
        return sorted(entries, key=lambda e: not e.first)

    async def _run(self, action: str) -> None:
        # Called directly rather than through run_action: check_action hides the actions
        # that do not apply (to keep the footer short), and a command chosen by name should
        # say why it cannot run instead of doing nothing.
        result = getattr(self.screen, f"action_{action}")()
        if inspect.isawaitable(result):
            await result

    async def _run_on(self, name: str, action: str) -> None:
        from tui.app.screens.main import MainScreen

        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.run_on(name, action)

    async def _help(self) -> None:
        await self.app.run_action("help")

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.name, entry.run, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.name)
            if score > 0:
                # The shown component's entry wins a tie with the others.
                score = min(score * (1.05 if entry.first else 1.0), 1.0)
                yield Hit(score, matcher.highlight(entry.name), entry.run, text=entry.name,
                          help=entry.help)  # fmt: skip
