"""``python -m tui``: the same as the ``tokendesk`` command."""

from tui.main import entry

entry()
