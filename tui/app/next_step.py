"""How the Textual app says what to do next: a core ``NextStep`` as the key to press.

The core names an action (``authorize``, ``list_folders``...) with its component and
environment; this module turns it into words about the app's own keys ("press a to
authorize Mail (Test)"), taken from the screens' ``BINDINGS`` by binding id, so a user
keymap (``App.set_keymap``) is followed: the one the app applied, or the caller's.
``tui.app.errors`` renders failures with it.

Textual is imported only when the keys are first looked up, so this module stays a plain
function library that tests call without an app.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from tui.core.errors import Action, NextStep
from tui.core.models.field_help import FIELD_HELP

BINDING_IDS: dict[Action, tuple[str, ...]] = {
    Action.AUTHORIZE: ("main.authorize",),
    Action.AUTHORIZE_DEVICE: ("main.authorize", "authorize.device"),
    Action.AUTHORIZE_WITHOUT_BROWSER: ("main.authorize",),
    Action.EDIT_COMPONENT: (),
    Action.SHOW_REDIRECT_URI: ("main.copy_redirect_uri",),
    Action.LIST_COMPONENTS: (),
    Action.LIST_FOLDERS: ("main.open_inbox", "inbox.folders"),
    Action.SWITCH_ENVIRONMENT: ("main.switch_environment",),
    Action.REFRESH: ("main.refresh_token",),
}
"""The bindings (by id) each action's text names, in the order the user presses them."""


@functools.cache
def default_keys() -> dict[str, str]:
    """Binding id -> the first key of that binding, from the screens' ``BINDINGS``."""
    from textual.binding import Binding

    from tui.app.keys import SCREEN_BINDINGS, SIDEBAR_BINDINGS
    from tui.app.screens.authorize import AuthorizeScreen
    from tui.app.screens.inbox import InboxScreen

    keys: dict[str, str] = {}
    bindings = [*SIDEBAR_BINDINGS, *SCREEN_BINDINGS, *AuthorizeScreen.BINDINGS]
    for binding in [*bindings, *InboxScreen.BINDINGS]:
        if isinstance(binding, Binding) and binding.id:
            keys[binding.id] = binding.key.split(",")[0].strip()
    return keys


def _keys(step: NextStep, keymap: Mapping[str, str] | None) -> list[str]:
    from tui.app.keys import active_keymap

    known = default_keys()
    keymap = active_keymap() if keymap is None else keymap
    found = []
    for binding_id in BINDING_IDS[step.action]:
        chosen = (keymap or {}).get(binding_id) or known.get(binding_id, "?")
        found.append(chosen.split(",")[0].strip())
    return found


def step_text(step: NextStep, keymap: Mapping[str, str] | None = None) -> str:
    """What the user does in the app for ``step``, naming the keys.

    Args:
        step: the core's next step.
        keymap: binding id -> keys, when the user changed them (``App.set_keymap``).
    """
    keys = _keys(step, keymap)
    name = step.component or "the component"
    where = f"{name} ({step.environment})" if step.environment else name
    match step.action:
        case Action.AUTHORIZE:
            return f"press {keys[0]} to authorize {where}"
        case Action.AUTHORIZE_DEVICE:
            return f"press {keys[0]} to authorize {where}, then {keys[1]} for a device code"
        case Action.AUTHORIZE_WITHOUT_BROWSER:
            return (
                f"press {keys[0]} to authorize {where} and paste the address of the page "
                "that failed to load"
            )
        case Action.EDIT_COMPONENT:
            label = FIELD_HELP.get(step.field or "", (step.field or "settings", ""))[0]
            value = f" to {step.value}" if step.value else ""
            return f"select {name} and set its {label}{value}"
        case Action.SHOW_REDIRECT_URI:
            return f"press {keys[0]} on {name} to copy its redirect URI"
        case Action.LIST_COMPONENTS:
            return "the sidebar lists the components; each OAuth2 form shows its variable"
        case Action.LIST_FOLDERS:
            return f"press {keys[0]} on {where} to open its inbox, then {keys[1]} for the folders"
        case Action.SWITCH_ENVIRONMENT:
            return f"press {keys[0]} to switch the environment"
        case Action.REFRESH:
            return f"press {keys[0]} to refresh {where}"


def advice_text(
    advice: str | None, step: NextStep | None, keymap: Mapping[str, str] | None = None
) -> str:
    """The advice, then the next step as keys ("" when neither)."""
    parts = [advice] if advice else []
    if step is not None:
        parts.append(step_text(step, keymap))
    return "; ".join(parts)
