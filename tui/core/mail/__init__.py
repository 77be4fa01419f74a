"""Inbound email (IMAP) services: no Textual here, used by the CLI and the TUI alike.

- `tui.core.mail.client.MailClient`: one connection: connect, login, folders, pages, messages.
- `tui.core.mail.settings.ConnectionSettings`: where a connection goes and how it logs in,
  built once from a component and taken by `MailClient`, `Pop3Client` and `SmtpSender`.
- `tui.core.mail.service.open_client`: a logged-in client for a vault component and environment.
- `tui.core.mail.models`: the immutable results (`Folder`, `Page`, `MessageSummary`,
  `MessageView`, `Attachment`).
- `tui.core.mail.transport`: what every protocol shares: TLS context, the STARTTLS rule,
  cancellation and error mapping (`Guard`), bounded line reads, greeting text.
- `tui.core.mail.errors`: one `tui.core.errors.MailError` subclass per distinct failure.
- `tui.core.mail.decode`: lenient decoding of charsets, RFC 2047 headers and MIME bodies.

Importing this package does not import imapclient (that happens on connect).

Typical use from a Textual thread worker (every call blocks; none touches the UI)::

    client = open_client(session, "Work", env)       # connect + login (+ refresh/retry)
    page = client.page("INBOX")                      # newest 50, page.total, page.has_more
    while page.has_more and not worker.is_cancelled:
        page = client.page("INBOX", before_uid=page.next_before_uid)
    view = client.message(uid, "INBOX")              # BODY.PEEK: stays unseen
    client.set_seen(uid, "INBOX")                    # only when the user asks
    client.close()

``client.abort()`` may be called from the UI thread to cancel a blocked call (it raises
`tui.core.mail.errors.MailCancelled` in the worker). All failures are `tui.core.errors.MailError`
subclasses (or `tui.core.errors.ReauthorizationNeeded`), each with a one-line ``message``.
"""

from tui.core.mail.client import Credential, MailClient, ServerInfo
from tui.core.mail.models import Attachment, Folder, MessageSummary, MessageView, Page

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
