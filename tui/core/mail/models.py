"""Plain data returned by the mail service (immutable, safe to pass between threads).

All text here is decoded ``str`` taken from untrusted mail: the TUI shows it with markup
off, the CLI prints it as is.

They are named tuples rather than frozen dataclasses on purpose: every ``mail list`` loads
this module, and generating a frozen dataclass's methods costs about a millisecond per class
at start-up (bench/imap_bench.py), a named tuple's a tenth of that. Use ``_replace`` for a
changed copy.
"""

from datetime import datetime
from typing import Any, NamedTuple


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


class Folder(NamedTuple):
    """One mailbox on the server."""

    name: str  # full name, decoded from modified UTF-7, e.g. "Archive/2024"
    delimiter: str  # hierarchy separator ("/" or "."), "" when the server has none
    flags: tuple[str, ...]  # e.g. ("\\HasNoChildren", "\\Sent")
    selectable: bool = True  # False for \Noselect containers

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "delimiter": self.delimiter,
            "flags": list(self.flags),
            "selectable": self.selectable,
        }


class MessageSummary(NamedTuple):
    """One row of a message list (ENVELOPE-level fields only)."""

    uid: int | str  # IMAP UID, or the POP3 UIDL
    date: datetime | None  # the Date header, else the server's INTERNALDATE; None if neither
    sender: str  # display string of From ("Name <addr>", or the address)
    subject: str  # decoded; "" when absent
    flags: tuple[str, ...]  # e.g. ("\\Seen", "\\Flagged")
    size: int  # RFC822.SIZE in bytes

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    def to_json(self) -> dict[str, Any]:
        """The ``mail list --json`` object (keys fixed by the CLI contract)."""
        return {
            "uid": self.uid,
            "date": _iso(self.date),
            "from": self.sender,
            "subject": self.subject,
            "flags": list(self.flags),
            "size": self.size,
        }


class Page(NamedTuple):
    """A page of a folder, newest (highest UID) first.

    ``next_before_uid`` is the cursor for the next (older) page, or None at the oldest
    message. ``total`` is the folder's message count when it was selected.
    """

    folder: str
    messages: tuple[MessageSummary, ...]
    total: int
    next_before_uid: int | str | None  # an IMAP UID or a POP3 UIDL
    uidvalidity: int | None = None

    @property
    def has_more(self) -> bool:
        return self.next_before_uid is not None


class Attachment(NamedTuple):
    """A non-body MIME part."""

    filename: str  # decoded (RFC 2231/2047); "" when the part has none
    content_type: str
    size: int  # decoded size in bytes
    part: str = ""  # IMAP body part number, e.g. "2" or "1.3"

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "part": self.part,
        }


class MessageView(NamedTuple):
    """An opened message: headers, readable text body, attachments."""

    uid: int | str  # IMAP UID, or the POP3 UIDL
    folder: str
    subject: str
    sender: str
    to: str
    cc: str
    date: datetime | None
    flags: tuple[str, ...]
    size: int
    headers: tuple[tuple[str, str], ...]  # decoded, in message order
    body: str  # text/plain preferred; HTML converted to readable text
    body_type: str  # content type the body came from ("text/plain", "text/html" or "")
    attachments: tuple[Attachment, ...] = ()
    message_id: str = ""

    def with_content(self, content: str) -> "MessageView":
        """The view as a component's Content setting allows: ``both``, ``body`` (no
        attachment list) or ``attachments`` (no body; ``body_type`` becomes ``hidden``)."""
        if content == "body":
            return self._replace(attachments=())
        if content == "attachments":
            return self._replace(body="", body_type="hidden")
        return self

    def to_json(self) -> dict[str, Any]:
        """The ``mail show --json`` object."""
        return {
            "uid": self.uid,
            "folder": self.folder,
            "date": _iso(self.date),
            "from": self.sender,
            "to": self.to,
            "cc": self.cc,
            "subject": self.subject,
            "message_id": self.message_id,
            "flags": list(self.flags),
            "size": self.size,
            "headers": [[k, v] for k, v in self.headers],
            "body": self.body,
            "body_type": self.body_type,
            "attachments": [a.to_json() for a in self.attachments],
        }


class ServerInfo(NamedTuple):
    """What a mail client's ``connect`` learned about the server."""

    greeting: str
    capabilities: tuple[str, ...]
    tls: str  # "implicit TLS", "STARTTLS" or "none (plaintext)"
    tls_version: str | None
    cipher: str | None
