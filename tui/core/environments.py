"""Environment changes that touch tokens: what a removal drops, and renaming.

``Records`` adds, removes and switches environments; renaming one keeps its tokens and,
for the current environment, keeps it current. Pure functions over ``Records``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.records import Records


def tokens_in(records: Records, env: str) -> list[str]:
    """Names of the components that hold tokens in ``env`` (what removing it drops)."""
    return sorted(name for name, tok in records.tokens.get(env, {}).items() if tok is not None)


def rename_environment(records: Records, old: str, new: str) -> None:
    """Rename environment ``old`` to ``new`` keeping its place, tokens and currency."""
    records.require_environment(old)
    if new == old:
        return
    if new.casefold() == old.casefold():
        # Only the case changes: the name check would call it a duplicate.
        index = records.environments.index(old)
        records.environments[index] = new
    else:
        records.add_environment(new)  # validates the name and refuses duplicates
        records.environments.remove(new)
        records.environments[records.environments.index(old)] = new
    if old in records.tokens:
        records.tokens[new] = records.tokens.pop(old)
    if records.current_environment == old:
        records.current_environment = new
