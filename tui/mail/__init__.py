"""Inbound email (IMAP) services: no Textual here, used by the CLI and the TUI alike.

- `tui.mail.client.MailClient`: one connection: connect, login, folders, pages, messages.
- `tui.mail.service.open_client`: a logged-in client for a vault component and environment.
- `tui.mail.models`: the immutable results (`Folder`, `Page`, `MessageSummary`,
  `MessageView`, `Attachment`).
- `tui.mail.errors`: one `tui.errors.MailError` subclass per distinct failure.
- `tui.mail.decode`: lenient decoding of charsets, RFC 2047 headers and MIME bodies.

Importing this package does not import imapclient (that happens on connect).
"""

from .client import Credential, MailClient, ServerInfo
from .models import Attachment, Folder, MessageSummary, MessageView, Page

__all__ = [
    "Attachment",
    "Credential",
    "Folder",
    "MailClient",
    "MessageSummary",
    "MessageView",
    "Page",
    "ServerInfo",
]
