"""The command palette (ctrl+p): every action of the TUI under a stable name.

Docs and tests rely on these names: "New OAuth2 component", "New inbound email component",
"Authorize", "Copy redirect URI", "Refresh token", "Forget tokens", "Token details",
"Switch environment", "Test connection", "Open inbox", "Delete component". Each runs the same
action as its key.
"""

from __future__ import annotations

import inspect
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (name, action on the screen, help)
MAIN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("New OAuth2 component", "new_oauth", "Add an OAuth2 credential (n)"),
    ("New inbound email component", "new_mail", "Add an IMAP inbound email component (m)"),
    ("Authorize", "authorize", "Sign in and get tokens for the current environment (a)"),
    ("Copy redirect URI", "copy_redirect_uri", "Copy the redirect URI to register (c)"),
    ("Refresh token", "refresh_token", "Refresh the access token now (r)"),
    ("Forget tokens", "forget_tokens", "Forget the tokens in the current environment (f)"),
    ("Token details", "token_details", "What the token grants, its health, what is wrong (i)"),
    ("Switch environment", "switch_environment", "Change the current environment (e)"),
    ("Test connection", "test_connection", "Connect and log in to the mail server (t)"),
    ("Open inbox", "open_inbox", "Browse the mailbox of the component (o)"),
    ("Delete component", "delete_component", "Delete the component and its tokens (delete)"),
    ("Save component", "save", "Save the form (ctrl+s)"),
    ("Discard changes", "discard", "Put the form back as saved (ctrl+z)"),
)
INBOX_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Refresh folder", "refresh", "Re-read the folder (r)"),
    ("Choose folder", "focus_folders", "Move to the folder list (f)"),
    ("Back to components", "back", "Close the inbox (Esc)"),
)
COMMAND_NAMES = tuple(name for name, _, _ in MAIN_COMMANDS)


class TokendeskCommands(Provider):
    """Commands of the screen the palette was opened on, plus Help."""

    def _commands(self) -> list[tuple[str, str, str]]:
        from tui.app.screens.inbox import InboxScreen
        from tui.app.screens.main import MainScreen

        if isinstance(self.screen, MainScreen):
            return list(MAIN_COMMANDS)
        if isinstance(self.screen, InboxScreen):
            return list(INBOX_COMMANDS)
        return []

    async def _run(self, action: str) -> None:
        # Called directly rather than through run_action: check_action hides the actions
        # that do not apply (to keep the footer short), and a command chosen by name should
        # say why it cannot run instead of doing nothing.
        result = getattr(self.screen, f"action_{action}")()
        if inspect.isawaitable(result):
            await result

    async def _help(self) -> None:
        await self.app.run_action("help")

    def _all(self) -> list[tuple[str, object, str]]:
        items: list[tuple[str, object, str]] = [
            (name, partial(self._run, action), text) for name, action, text in self._commands()
        ]
        items.append(("Help", self._help, "Show every key (? / F1)"))
        return items

    async def discover(self) -> Hits:
        for name, command, text in self._all():
            yield DiscoveryHit(name, command, help=text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, text in self._all():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=text)  # type: ignore[arg-type]
