"""Turning IMAP FETCH answers into `MessageSummary` and `MessageView` (called by MailClient).

Functions here take a logged-in imapclient connection with the folder already selected;
`MailClient` holds its lock around them. Listing fetches ENVELOPE-level items only.
Opening a message is one round trip for ordinary mail (``BODY.PEEK[]`` capped at
`FULL_FETCH_LIMIT`); a bigger message is read part by part (headers, part MIME headers,
decoded part sizes via BINARY.SIZE, and one text part), so a 30 MB attachment is never
downloaded just to show the text next to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tui.core.mail.decode import (
    body_and_attachments,
    clean_text,
    envelope_sender,
    header_text,
    html_to_text,
    is_attachment,
    parse_date,
    part_filename,
    part_text,
)
from tui.core.mail.models import Attachment, Folder, MessageSummary, MessageView
from tui.core.text import sanitize

if TYPE_CHECKING:
    from email.message import Message

LIST_ITEMS = ["UID", "ENVELOPE", "FLAGS", "RFC822.SIZE", "INTERNALDATE"]
FULL_FETCH_LIMIT = 256 * 1024  # messages up to this size are fetched whole in one round trip
TEXT_LIMIT = 2 * 1024 * 1024  # at most this much of a big message's text part is shown
MAX_PARTS = 200
# Placeholders Dovecot (and UW) put in ENVELOPE when a From header does not parse.
_BROKEN_ADDRESS = re.compile(rb"MISSING_MAILBOX|MISSING_DOMAIN|SYNTAX_ERROR|\.MISSING-HOST-NAME\.")


# -- listing --------------------------------------------------------------------------------


def fetch_summaries(imap: Any, lower: int, upper: int) -> list[MessageSummary]:
    """ENVELOPE-level summaries of sequence numbers ``lower..upper`` (any order)."""
    imap.use_uid = False
    try:
        rows = imap.fetch(list(range(lower, upper + 1)), LIST_ITEMS)
    finally:
        imap.use_uid = True
    summaries = [summary(r) for r in rows.values() if b"UID" in r]
    return repair_senders(imap, summaries, rows)


def count_below(imap: Any, uid: int) -> int:
    """How many messages have a UID below ``uid`` (= the sequence number to end a page at).

    One ``SEARCH RETURN (COUNT)`` (RFC 4731) when the server has ESEARCH; otherwise a
    plain SEARCH, whose answer lists every such message (correct, but big).
    """
    criteria = [b"UID", f"1:{uid - 1}".encode()]
    if imap.has_capability("ESEARCH"):
        data = imap._raw_command_untagged(
            b"SEARCH", [b"RETURN", b"(COUNT)", *criteria], response_name="ESEARCH", uid=False
        )
        for item in data:
            m = re.search(rb"COUNT (\d+)", item if isinstance(item, bytes) else b"")
            if m:
                return int(m.group(1))
        return 0
    imap.use_uid = False
    try:
        return len(imap.search(criteria))
    finally:
        imap.use_uid = True


def repair_senders(
    imap: Any, summaries: list[MessageSummary], rows: dict[int, Any]
) -> list[MessageSummary]:
    """Re-read the From header of the (rare) messages whose ENVELOPE address did not parse."""
    broken = []
    for row in rows.values():
        addrs = getattr(row.get(b"ENVELOPE"), "from_", None) or ()
        text = b" ".join(bytes(a.mailbox or b"") + bytes(a.host or b"") for a in addrs)
        if b"UID" in row and _BROKEN_ADDRESS.search(text):
            broken.append(int(row[b"UID"]))
    if not broken:
        return summaries
    fixed = {}
    for uid, row in imap.fetch(sorted(broken), ["BODY.PEEK[HEADER.FIELDS (FROM)]"]).items():
        raw = next((v for k, v in row.items() if k.startswith(b"BODY[HEADER")), b"") or b""
        fixed[uid] = header_text(raw.split(b":", 1)[1] if b":" in raw else b"")
    return [s._replace(sender=fixed[s.uid]) if fixed.get(s.uid) else s for s in summaries]


def summary(row: dict[bytes, Any]) -> MessageSummary:
    """One list row from a FETCH answer with `LIST_ITEMS`."""
    env = row.get(b"ENVELOPE")
    return MessageSummary(
        uid=int(row[b"UID"]),
        date=plain_tz(getattr(env, "date", None) or row.get(b"INTERNALDATE")),
        sender=envelope_sender(getattr(env, "from_", None)),
        subject=header_text(getattr(env, "subject", None)),
        flags=flags_of(row.get(b"FLAGS")),
        size=int(row.get(b"RFC822.SIZE", 0) or 0),
    )


def flags_of(raw: Any) -> tuple[str, ...]:
    """Flags as text, without ``\\Recent`` (per-session noise, not a message property)."""
    out = []
    for f in raw or ():
        text = f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
        if text.lower() != "\\recent":
            out.append(text)
    return tuple(out)


def plain_tz(date: Any) -> datetime | None:
    """A datetime with a standard `timezone` (imapclient uses its own tzinfo class)."""
    if not isinstance(date, datetime):
        return None
    offset = date.utcoffset()
    return date if offset is None else date.replace(tzinfo=timezone(offset))


# -- opening one message ---------------------------------------------------------------------


def read_message(imap: Any, uid: int, folder: str) -> MessageView | None:
    """Open message ``uid`` of the selected folder with BODY.PEEK; None if there is none."""
    row = imap.fetch(
        [uid],
        ["FLAGS", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE",
         f"BODY.PEEK[]<0.{FULL_FETCH_LIMIT}>"],
    ).get(uid)  # fmt: skip
    if row is None:
        return None
    size = int(row.get(b"RFC822.SIZE", 0) or 0)
    structure = row.get(b"BODYSTRUCTURE")
    if size <= FULL_FETCH_LIMIT:
        raw = next((v for k, v in row.items() if k.startswith(b"BODY[]")), b"") or b""
        msg = _parse(raw)
        body, body_type, atts = body_and_attachments(msg)
        attachments = tuple(Attachment(n, t, s, p) for n, t, s, p in atts)
    elif is_multipart(structure):
        msg, body, body_type, attachments = _read_parts(imap, uid, structure)
    else:
        msg, body, body_type, attachments = _read_single(imap, uid, structure)
    return message_view(
        uid,
        folder,
        msg,
        body=(body, body_type),
        attachments=attachments,
        size=size,
        flags=flags_of(row.get(b"FLAGS")),
        received=plain_tz(row.get(b"INTERNALDATE")),
    )


def _parse(raw: bytes) -> Message:
    # Imported here: listing never parses MIME, and the email package's parser and policy
    # modules are a noticeable part of a short command's start-up.
    from email import message_from_bytes
    from email.policy import compat32

    return message_from_bytes(raw, policy=compat32)


def _fetch_one(imap: Any, uid: int, item: str) -> bytes:
    row = imap.fetch([uid], [item]).get(uid, {})
    key = item.replace(".PEEK", "").split("<")[0].encode()
    return next((v or b"" for k, v in row.items() if k.startswith(key)), b"")


def _decoded_size(imap: Any, uid: int, structure: Any, number: str, sizes: dict[bytes, Any]) -> int:
    size = sizes.get(f"BINARY.SIZE[{number}]".encode())
    if size is None and imap.has_capability("BINARY"):
        size = (
            imap.fetch([uid], [f"BINARY.SIZE[{number}]"])
            .get(uid, {})
            .get(f"BINARY.SIZE[{number}]".encode())
        )
    return int(size) if size is not None else estimate_size(structure, number)


def _read_single(
    imap: Any, uid: int, structure: Any
) -> tuple[Message, str, str, tuple[Attachment, ...]]:
    """A big single-part message: its headers and the start of its text (or its size)."""
    header = _fetch_one(imap, uid, "BODY.PEEK[HEADER]")
    msg = _parse(header)
    if msg.get_content_maintype() == "text" and not is_attachment(msg):
        text = _fetch_one(imap, uid, f"BODY.PEEK[TEXT]<0.{TEXT_LIMIT}>")
        part = _parse(_join_mime(header, text))
        return msg, *_body_of(part), ()
    size = _decoded_size(imap, uid, structure, "1", {})
    attachment = Attachment(part_filename(msg), msg.get_content_type(), size, "1")
    return msg, "", "", (attachment,)


def _read_parts(
    imap: Any, uid: int, structure: Any
) -> tuple[Message, str, str, tuple[Attachment, ...]]:
    """A big multipart message, part by part: headers, one text part, decoded sizes."""
    leaves = [n for n, _ in leaf_parts(structure)][:MAX_PARTS]
    items = ["BODY.PEEK[HEADER]"] + [f"BODY.PEEK[{n}.MIME]" for n in leaves]
    if imap.has_capability("BINARY"):
        items += [f"BINARY.SIZE[{n}]" for n in leaves]
    row = imap.fetch([uid], items).get(uid, {})
    msg = _parse(row.get(b"BODY[HEADER]", b"") or b"")
    mimes = {n: row.get(f"BODY[{n}.MIME]".encode(), b"") or b"" for n in leaves}
    plain = html = other = None
    attachments = []
    for number in leaves:
        part = _parse(_join_mime(mimes[number], b""))
        ctype = part.get_content_type()
        if is_attachment(part):
            size = _decoded_size(imap, uid, structure, number, row)
            attachments.append(Attachment(part_filename(part), ctype, size, number))
        elif ctype == "text/plain":
            plain = plain or number
        elif ctype == "text/html":
            html = html or number
        else:
            other = other or number
    chosen = plain or html or other
    if not chosen:
        return msg, "", "", tuple(attachments)
    data = _fetch_one(imap, uid, f"BODY.PEEK[{chosen}]<0.{TEXT_LIMIT}>")
    part = _parse(_join_mime(mimes[chosen], data))
    return msg, *_body_of(part), tuple(attachments)


def _body_of(part: Message) -> tuple[str, str]:
    text = part_text(part)
    if part.get_content_type() == "text/html":
        return clean_text(html_to_text(text)), "text/html"
    return clean_text(text), "text/plain"


def _join_mime(mime: bytes, body: bytes) -> bytes:
    """A parseable message from a part's MIME header block and its body."""
    if not mime.endswith((b"\r\n\r\n", b"\n\n")):
        mime = mime.rstrip(b"\r\n") + b"\r\n\r\n"
    return mime + body


def is_multipart(structure: Any) -> bool:
    return bool(structure) and isinstance(structure[0], list)


def leaf_parts(structure: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(part_number, leaf)`` for every non-multipart part of a BODYSTRUCTURE."""
    if is_multipart(structure):
        for i, sub in enumerate(structure[0], start=1):
            yield from leaf_parts(sub, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield (prefix or "1"), structure


def estimate_size(structure: Any, number: str) -> int:
    """Decoded size from BODYSTRUCTURE when the server lacks BINARY (base64: 57 of 78 bytes)."""
    for n, leaf in leaf_parts(structure):
        if n == number:
            try:
                size = int(leaf[6])
                encoding = (leaf[5] or b"").lower()
            except (IndexError, TypeError, ValueError):
                return 0
            return size * 57 // 78 if encoding == b"base64" else size
    return 0


def message_view(
    uid: int | str,
    folder: str,
    msg: Message,
    *,
    body: tuple[str, str],
    attachments: tuple[Attachment, ...],
    size: int,
    flags: tuple[str, ...] = (),
    received: datetime | None = None,
) -> MessageView:
    """The `MessageView` of a message with the headers of ``msg`` (IMAP and POP3 alike).

    ``body`` is the text and the content type it came from; ``received`` (the server's
    arrival time, when it has one) stands in for a missing or unreadable Date.
    """
    headers = tuple((clean_text(k), header_text(v)) for k, v in msg.raw_items())
    first: dict[str, str] = {}
    for k, v in headers:
        first.setdefault(k.lower(), v)
    return MessageView(
        uid=uid,
        folder=folder,
        subject=first.get("subject", ""),
        sender=first.get("from", ""),
        to=first.get("to", ""),
        cc=first.get("cc", ""),
        date=parse_date(first.get("date", "")) or received,
        flags=flags,
        size=size,
        headers=headers,
        body=body[0],
        body_type=body[1],
        attachments=attachments,
        message_id=first.get("message-id", ""),
    )


def folders_from(rows: list[tuple[Any, Any, Any]]) -> list[Folder]:
    """imapclient's LIST rows as `Folder`s, sorted with INBOX first then by name."""
    out = []
    for flags, delim, name in rows:
        # Everything in a LIST reply is the server's (names also after modified UTF-7
        # decoding, "&ABs-" is ESC): made safe where it enters. A name with controls gets
        # U+FFFD in their place, so it shows, but opening it fails cleanly.
        names = tuple(sanitize(f, exact=True) for f in flags)
        out.append(
            Folder(
                name=sanitize(name, exact=True),
                delimiter=sanitize(delim or b"", exact=True),
                flags=names,
                selectable="\\noselect" not in {f.lower() for f in names},
            )
        )
    out.sort(key=lambda f: (f.name.upper() != "INBOX", f.name.casefold()))
    return out
