"""The main screen's keys in one table, the user's keymap file, and keys as shown.

Letter keys act only while the component list has focus (they live in its ``BINDINGS``),
so typing in a field, or pressing a letter with a button or select focused, never runs a
command. Control keys live on the screen. Every binding has an id (``main.<action>``) that
a keymap file can remap; help and the command palette show the remapped keys.

The keymap file is ``$XDG_CONFIG_HOME/tokendesk/keymap.toml`` (``~/.config/...``)::

    "main.open_inbox" = "i"
    "inbox.last" = "end,G"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from tui.core.text import one_line

KEYMAP_LIMIT = 64 * 1024
"""Bytes read from a keymap file at most (it is a few lines)."""


def main_binding(
    key: str,
    action: str,
    description: str,
    tooltip: str,
    *,
    show: bool = True,
    priority: bool = False,
    on_screen: bool = False,
) -> Binding:
    """A main-screen binding with its id ``main.<action>``.

    ``on_screen``: the binding sits in a widget's ``BINDINGS`` and runs the screen's action.
    """
    return Binding(
        key,
        f"screen.{action}" if on_screen else action,
        description,
        show=show,
        priority=priority,
        id=f"main.{action}",
        tooltip=tooltip,
    )


def _letter(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    return main_binding(key, action, description, tooltip, show=show, on_screen=True)


SIDEBAR_BINDINGS: list[Binding] = [
    _letter("e", "switch_environment", "Env", "Switch the current environment"),
    _letter("n", "new_oauth", "New OAuth2", "New OAuth2 component", show=False),
    _letter("m", "new_mail", "New email", "New inbound email component", show=False),
    _letter("M", "new_outbound", "New outbound", "New outbound email component", show=False),
    _letter("a", "authorize", "Authorize", "Authorize the selected OAuth2 component"),
    _letter("c", "copy_redirect_uri", "Copy URI", "Copy the redirect URI"),
    _letter("r", "refresh_token", "Refresh", "Refresh the token now"),
    _letter("f", "forget_tokens", "Forget", "Forget the tokens in this environment"),
    _letter("i", "token_details", "Details", "Token details: grants and health", show=False),
    _letter("t", "test_connection", "Test", "Test the mail connection"),
    _letter("o", "open_inbox", "Inbox", "Open the inbox"),
    _letter("delete", "delete_component", "Delete", "Delete the component"),
    _letter("E", "manage_environments", "Environments", "Add, rename or remove environments",
            show=False),
    _letter("y", "copy_access_token", "Copy token", "Copy the access token", show=False),
    _letter("A", "start_agent", "Start agent", "Start the agent: keeps tokens fresh in the "
            "background", show=False),
]  # fmt: skip
"""Letter keys: active only while the component list has focus."""

SCREEN_BINDINGS: list[Binding] = [
    main_binding("ctrl+s", "save", "Save", "Save the form", priority=True),
    main_binding("ctrl+z", "discard", "Discard", "Discard unsaved changes", show=False),
    main_binding("escape", "focus_sidebar", "Sidebar", "Back to the component list", show=False),
]
"""Keys that work anywhere on the main screen (typing never produces them)."""


@dataclass(frozen=True)
class PaletteCommand:
    """A palette entry: its name and, for per-component actions, the kind it applies to."""

    action: str
    name: str
    help: str
    kind: str = ""
    """One entry per component it applies to ("Open inbox · Work"): ``oauth``, ``mail``
    (inbound), ``server`` (inbound or outbound), ``authorized`` (an OAuth2 component with an
    access token in the environment shown) or ``any``."""


MAIN_COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand("open_inbox", "Open inbox", "Browse the mailbox", "mail"),
    PaletteCommand("authorize", "Authorize", "Sign in and get tokens", "oauth"),
    PaletteCommand("test_connection", "Test connection", "Connect and log in", "server"),
    PaletteCommand("copy_redirect_uri", "Copy redirect URI", "Copy the URI to register", "oauth"),
    PaletteCommand("refresh_token", "Refresh token", "Refresh the access token now", "oauth"),
    PaletteCommand("forget_tokens", "Forget tokens", "Forget the tokens here", "oauth"),
    PaletteCommand("token_details", "Token details", "What it grants, its health", "oauth"),
    PaletteCommand("copy_access_token", "Copy access token", "Copy it (OSC 52)", "authorized"),
    PaletteCommand("delete_component", "Delete component", "Delete it and its tokens", "any"),
    PaletteCommand("new_oauth", "New OAuth2 component", "Add an OAuth2 credential"),
    PaletteCommand("new_mail", "New inbound email component", "Add an IMAP or POP3 component"),
    PaletteCommand("new_outbound", "New outbound email component", "Add an SMTP component"),
    PaletteCommand("switch_environment", "Switch environment", "Change the environment"),
    PaletteCommand("manage_environments", "Manage environments", "Add, rename, remove"),
    PaletteCommand("change_passphrase", "Change vault passphrase", "Re-encrypt the vault"),
    PaletteCommand("start_agent", "Start agent", "Keep every token fresh in the background"),
    PaletteCommand("stop_agent", "Stop agent", "Stop the background agent"),
    PaletteCommand("lock_agent", "Lock agent", "Make the agent forget the vault key"),
    PaletteCommand("save", "Save component", "Save the form"),
    PaletteCommand("discard", "Discard changes", "Put the form back as saved"),
)
COMMAND_NAMES = tuple(c.name for c in MAIN_COMMANDS)


_ACTIVE: dict[str, str] = {}


def use_keymap(keymap: Mapping[str, str]) -> None:
    """Remember the keymap the app applied, for texts that name keys (next steps)."""
    _ACTIVE.clear()
    _ACTIVE.update(keymap)


def active_keymap() -> dict[str, str]:
    """The keymap the running app applied (binding id -> keys)."""
    return dict(_ACTIVE)


def binding_for(action: str, bindings: list[Binding]) -> Binding | None:
    """The binding that runs ``action`` (``screen.`` prefix ignored)."""
    for binding in bindings:
        if binding.action.removeprefix("screen.") == action:
            return binding
    return None


def shown_keys(app: App[object], binding: Binding) -> str:
    """The keys of ``binding`` as the user sees them, after the keymap (``a``, ``ctrl+s``)."""
    keymap: Mapping[str, str] = getattr(app, "keymap", {})
    keys = keymap.get(binding.id or "", binding.key)
    return " / ".join(
        app.get_key_display(Binding(key.strip(), binding.action)) for key in keys.split(",")
    )


def keymap_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the user's keymap file lives."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "tokendesk" / "keymap.toml"


def load_keymap(path: Path) -> tuple[dict[str, str], str]:
    """The keymap in ``path`` (binding id -> keys) and an error text ("" when fine).

    A missing file is an empty keymap; a broken one is reported and ignored as a whole.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(KEYMAP_LIMIT + 1)
    except FileNotFoundError:
        return {}, ""
    except OSError as exc:
        return {}, one_line(f"cannot read {path}: {exc.strerror or type(exc).__name__}")
    if len(data) > KEYMAP_LIMIT:
        return {}, f"{path} is larger than {KEYMAP_LIMIT // 1024} KB"
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, one_line(f"{path}: {exc}")
    keymap: dict[str, str] = {}
    for binding_id, keys in parsed.items():
        if not isinstance(keys, str) or not keys.strip():
            return {}, one_line(f'{path}: {binding_id!r} must be a key string like "ctrl+o"')
        keymap[str(binding_id)] = keys.strip()
    return keymap, ""
