"""A message's raw source (bounded) and its HTML part, for "view source" and "open in browser".

The source is read with ``BODY.PEEK[]<0.limit>`` (the message stays unseen) and cut at
``SOURCE_LIMIT`` bytes, so a huge message cannot fill memory. ``html_part`` finds the first
``text/html`` part of that source and decodes it with its declared charset.
"""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from tui.core.mail.client import MailClient
from tui.core.mail.errors import MailError, MailNotFound
from tui.core.mail.pop3 import Pop3Client

SOURCE_LIMIT = 2 * 1024 * 1024


def raw_source(
    client: MailClient | Pop3Client, folder: str, uid: int | str, limit: int = SOURCE_LIMIT
) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of message ``uid`` and whether it was cut."""
    if isinstance(client, Pop3Client):
        raise MailError("the raw source is shown for IMAP servers only")
    with client._op(f"reading message {uid} in {folder!r}") as imap:
        client._examine(imap, folder, refresh=False)
        rows = imap.fetch([int(uid)], [f"BODY.PEEK[]<0.{limit + 1}>", "RFC822.SIZE"])
    row = rows.get(int(uid))
    if not row:
        raise MailNotFound(f"no message with UID {uid} in {folder!r}")
    data = next((v for k, v in row.items() if k.startswith(b"BODY[")), b"") or b""
    return data[:limit], len(data) > limit


def html_part(source: bytes) -> str | None:
    """The first text/html part of ``source`` as text, or None."""
    message: Message = message_from_bytes(source, policy=compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html" and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = part.get_content_charset() or "utf-8"
            try:
                return payload.decode(charset, "replace")
            except LookupError:
                return payload.decode("utf-8", "replace")
    return None
