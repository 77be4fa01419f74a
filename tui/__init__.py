"""tokendesk: OAuth2 credentials in an encrypted vault, fresh tokens, and mail.

Layers, each importing only those below it:

- ``tui.main``: the console-script entry; picks a face.
- ``tui.cli`` and ``tui.app``: the two faces (command line, Textual), independent of each other.
- ``tui.core``: models, records, session, errors, text, OAuth, mail; no Textual.
- ``vault``: the encrypted vault library.
"""

__version__ = "0.1.0"
