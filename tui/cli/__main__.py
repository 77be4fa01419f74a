"""``python -m tui.cli``: the same as the ``tokendesk`` command."""

from . import entry

entry()
