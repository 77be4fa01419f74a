"""The core: everything tokendesk does, without a face.

Models and records of the vault's contents, the session that opens the vault, the error
hierarchy, text helpers, OAuth2 (``tui.core.oauth``) and mail (``tui.core.mail``). Both faces
(``tui.cli`` and the Textual app ``tui.app``) call into this package; it imports neither of
them nor Textual, and never names a command-line flag or a key.
"""
