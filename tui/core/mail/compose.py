"""Building a message to send: a proper MIME message from the standard library's ``email``.

`build_message` checks the addresses and the subject (no line breaks or control
characters: header injection is refused, not folded away), adds Date and Message-ID,
and attaches files with a MIME type guessed from the name. Attachments are read whole
(a message is submitted in one piece), so they are bounded by `MAX_ATTACHMENTS`.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid
from pathlib import Path

from tui.core.errors import UsageError, ValidationError

__all__ = ["MAX_ATTACHMENTS", "build_message", "check_address"]

MAX_ATTACHMENTS = 50 * 1024 * 1024
"""Total bytes of attached files (servers commonly refuse messages above 25-50 MB)."""
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def check_address(value: str, what: str = "address") -> str:
    """``value`` as a plain address (``user@example.com``) or a ValidationError."""
    address = value.strip()
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, TypeError):
        parsed = None
    if parsed is None or not parsed.username or not parsed.domain or _CONTROL.search(address):
        raise ValidationError(f"{what} {value!r} is not an email address (user@example.com)")
    return address


def build_message(
    sender: str,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Path] = (),
) -> EmailMessage:
    """A MIME message from ``sender`` to ``to`` (text/plain body, files attached).

    Raises:
        ValidationError: a bad address or a subject with line breaks/control characters.
        UsageError: an attachment cannot be read, or they are too big together.
    """
    sender = check_address(sender, "sender")
    recipients = [check_address(a, "recipient") for a in to]
    if not recipients:
        raise ValidationError("give at least one recipient")
    if _CONTROL.search(subject.replace("\t", " ")):
        raise ValidationError("the subject must be one line without control characters")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    msg.set_content(body if body.endswith("\n") or not body else body + "\n")
    total = 0
    for path in attachments:
        try:
            data = path.read_bytes() if path.stat().st_size <= MAX_ATTACHMENTS else None
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        if data is None or total + len(data) > MAX_ATTACHMENTS:
            raise UsageError(
                f"the attachments are too big together (at most {MAX_ATTACHMENTS // 2**20} MB)"
            )
        total += len(data)
        ctype, encoding = mimetypes.guess_type(path.name)
        if ctype is None or encoding is not None:
            ctype = "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg
