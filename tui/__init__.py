"""tokendesk: OAuth2 credentials in an encrypted vault, fresh tokens, and IMAP mail reading.

The services (component models, records, session, OAuth, mail, CLI) import no Textual; only
``tui.app``, ``tui.screens`` and ``tui.widgets`` do.
"""

__version__ = "0.1.0"
