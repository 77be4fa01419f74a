"""Opening a POP3 message from its RETR stream: what `mimestream.walk` feeds, kept small.

`TextCollector` is the ``on_part`` callback: it keeps the first text/plain and the first
text/html part (each up to `tui.core.mail.reading.TEXT_LIMIT` decoded bytes) and counts
the decoded bytes of every attachment without keeping them. `view_from` builds the
`MessageView` from the top-level headers and what was collected.
"""

from __future__ import annotations

from email.message import Message

from tui.core.mail.decode import (
    clean_text,
    decode_bytes,
    html_to_text,
    is_attachment,
    part_filename,
)
from tui.core.mail.models import Attachment, MessageView
from tui.core.mail.reading import TEXT_LIMIT, message_view


class _Text:
    """Keeps up to `TEXT_LIMIT` bytes of one part."""

    def __init__(self, headers: Message) -> None:
        self.headers = headers
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        room = TEXT_LIMIT - self.size
        if room > 0 and data:
            self.chunks.append(data[:room])
        self.size += len(data)

    def text(self) -> str:
        return decode_bytes(b"".join(self.chunks), self.headers.get_content_charset())


class _Counter:
    """Counts an attachment's decoded bytes, keeps none."""

    def __init__(self, number: str, headers: Message) -> None:
        self.number = number
        self.headers = headers
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)

    def attachment(self) -> Attachment:
        h = self.headers
        return Attachment(part_filename(h), h.get_content_type(), self.size, self.number)


class TextCollector:
    """The ``on_part`` callback that gathers a message's text and attachment sizes."""

    def __init__(self) -> None:
        self.plain: _Text | None = None
        self.html: _Text | None = None
        self.other: _Text | None = None
        self.counters: list[_Counter] = []

    def __call__(self, number: str, headers: Message) -> _Text | _Counter | None:
        if is_attachment(headers):
            counter = _Counter(number, headers)
            self.counters.append(counter)
            return counter
        ctype = headers.get_content_type()
        if ctype == "text/plain" or headers.get_content_maintype() == "multipart":
            if self.plain is None:
                self.plain = _Text(headers)
                return self.plain
        elif ctype == "text/html":
            if self.html is None:
                self.html = _Text(headers)
                return self.html
        elif self.other is None:
            self.other = _Text(headers)
            return self.other
        return None

    def body(self) -> tuple[str, str]:
        """``(text, content type it came from)``; text/plain wins unless it is empty."""
        plain = self.plain.text() if self.plain else None
        if plain is not None and (plain.strip() or self.html is None):
            return clean_text(plain), "text/plain"
        if self.html is not None:
            return clean_text(html_to_text(self.html.text())), "text/html"
        if self.other is not None:
            return clean_text(self.other.text()), "text/plain"
        return "", ""


def view_from(
    uid: str, folder: str, msg: Message, collected: TextCollector, size: int
) -> MessageView:
    """The `MessageView` of a streamed message."""
    attachments = tuple(c.attachment() for c in collected.counters)
    return message_view(uid, folder, msg, body=collected.body(), attachments=attachments, size=size)
