"""Decoding untrusted mail text: charsets, RFC 2047 headers, MIME bodies, attachments.

Every function here returns ``str`` for any input (broken encodings, unknown charsets,
raw 8-bit headers, unterminated MIME): mail from the wild must never crash a listing.
Control characters (terminal escape sequences included) are removed from everything
returned, so printing a subject or a body cannot drive the terminal.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import Message

from tui.core.text import sanitize

# Charset labels seen in real mail that Python does not know, or knows as a narrower set.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "us-ascii": "utf-8",  # mislabelled 8-bit "ascii" mail is usually UTF-8
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",  # what senders labelled latin-1 almost always mean
    "latin1": "cp1252",
    "latin-1": "cp1252",
}

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")


def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip('"').lower().split("*", 1)[0]
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` labelled ``charset``; never raises.

    A known charset decodes with replacement characters for bad bytes; an unknown or
    missing one tries UTF-8, then falls back to windows-1252 (every byte maps to something).
    """
    codec = codec_for(charset)
    if codec and codec != "utf-8":
        return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if codec == "utf-8" and charset and "ascii" not in charset.lower():
            return data.decode("utf-8", "replace")
        return data.decode("cp1252", "replace")


def clean_line(text: str) -> str:
    """One line of display text: folding and whitespace collapsed, controls removed."""
    return sanitize(text)


def clean_text(text: str) -> str:
    """Multi-line display text: line endings normalized, controls except tab/newline removed."""
    return sanitize(text, multiline=True)


def _decode_word(charset: str, enc: str, payload: str) -> bytes | None:
    try:
        if enc in "Bb":
            payload += "=" * (-len(payload) % 4)
            return base64.b64decode(payload, validate=False)
        return quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def decode_rfc2047(text: str) -> str:
    """Decode RFC 2047 encoded-words in ``text`` (lenient; unknown charsets fall back).

    Adjacent encoded words in the same charset are joined before decoding, so a multibyte
    character split across words survives; whitespace between encoded words is dropped.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[bytes] = []
    pending_cs: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_cs))
        pending, pending_cs = [], None

    for m in _ENCODED_WORD.finditer(text):
        between = text[pos : m.start()]
        raw = _decode_word(m.group(1), m.group(2), m.group(3))
        if raw is None:  # not decodable: keep the word as written
            flush()
            out.append(between + m.group(0))
            pos = m.end()
            continue
        if between.strip() or not pending:
            flush()
            out.append(between)
        elif pending_cs and codec_for(pending_cs) != codec_for(m.group(1)):
            flush()
        pending.append(raw)
        pending_cs = m.group(1)
        pos = m.end()
    flush()
    out.append(text[pos:])
    return "".join(out)


def header_text(value: object) -> str:
    """Decode a header value (str with surrogate escapes, bytes, Header, None) to one line."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = decode_bytes(value)
    elif isinstance(value, str):
        try:
            text = value.encode("ascii", "surrogateescape").decode("ascii")
        except UnicodeError:
            # 8-bit bytes the parser kept as surrogate escapes, or real non-ASCII text.
            text = decode_bytes(value.encode("utf-8", "surrogateescape"))
    else:  # email.header.Header and friends
        text = _header_object_text(value)
    return clean_line(decode_rfc2047(text))


def _header_object_text(value: object) -> str:
    """The text of an ``email.header.Header``: the compat32 parser wraps a header with raw
    8-bit bytes in one (charset ``unknown-8bit``), whose ``str()`` turns every such byte
    into U+FFFD. Its bytes are decoded here as any raw header's are (UTF-8, else
    windows-1252), so POP3 shows what IMAP's ENVELOPE shows for the same message."""
    from email.header import Header, decode_header

    if not isinstance(value, Header):
        return str(value)
    parts = []
    for chunk, charset in decode_header(value):
        if isinstance(chunk, bytes):
            known = charset if charset and charset != "unknown-8bit" else None
            parts.append(decode_bytes(chunk, known))
        else:
            parts.append(chunk)
    return "".join(parts)


def format_address(name: object, mailbox: object, host: object) -> str:
    """Display string for one ENVELOPE address: ``Name <box@host>`` or ``box@host``."""
    box = header_text(mailbox)
    dom = header_text(host)
    addr = f"{box}@{dom}" if box and dom else box or dom
    display = header_text(name).strip().strip('"')
    if display and addr and display != addr:
        return f"{display} <{addr}>"
    return display or addr


def envelope_sender(addresses: tuple[Any, ...] | None) -> str:
    """Display string for an ENVELOPE address list (group markers skipped)."""
    parts = []
    for a in addresses or ():
        if a.host is None:  # RFC 3501 group syntax start/end marker
            continue
        text = format_address(a.name, a.mailbox, a.host)
        if text:
            parts.append(text)
    return ", ".join(parts)


def parse_date(value: str) -> datetime | None:
    """Parse an RFC 5322 date; None when absent or unparseable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# -- MIME bodies -------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """Readable text from HTML (links kept as text, scripts and styles dropped)."""
    from inscriptis import get_text
    from inscriptis.model.config import ParserConfig

    html = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", html)
    try:
        text = get_text(html, ParserConfig(display_links=False))
    except Exception:  # inscriptis on pathological HTML: fall back to stripping tags
        text = re.sub(r"<[^>]*>", " ", html)
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def part_filename(part: Message) -> str:
    """Decoded file name of a MIME part (RFC 2231 parameters and RFC 2047 words)."""
    try:
        name = part.get_filename() or part.get_param("name")
    except Exception:
        name = None
    if isinstance(name, tuple):  # undecoded RFC 2231 (charset, lang, value)
        name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    if not name and part.get_content_type() == "message/rfc822":
        from email.message import Message

        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject = header_text(inner[0].get("Subject"))
            return f"{subject or 'message'}.eml"
    return header_text(name) if name else ""


def is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() not in ("text", "multipart"):
        return True
    return bool(part_filename(part)) and part.get_content_subtype() not in ("plain", "html")


def part_text(part: Message) -> str:
    """The decoded text of a leaf text part."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return decode_bytes(payload, part.get_content_charset())


def walk_parts(msg: Message, prefix: str = "") -> Iterator[tuple[str, Message]]:
    """Yield ``(imap_part_number, leaf_part)`` in message order (message/rfc822 is a leaf)."""
    from email.message import Message

    if msg.is_multipart() and msg.get_content_maintype() == "multipart":
        payload = msg.get_payload()
        for i, sub in enumerate(payload if isinstance(payload, list) else [], start=1):
            number = f"{prefix}.{i}" if prefix else str(i)
            if isinstance(sub, Message):
                yield from walk_parts(sub, number)
        return
    yield (prefix or "1"), msg


def leaf_size(part: Message) -> int:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return len(payload)
    from email.message import Message

    raw = part.get_payload()
    if isinstance(raw, list):  # message/rfc822: the size of its serialized form
        return sum(len(m.as_bytes()) for m in raw if isinstance(m, Message))
    return len(raw.encode("utf-8", "surrogateescape")) if isinstance(raw, str) else 0


def body_and_attachments(msg: Message) -> tuple[str, str, list[tuple[str, str, int, str]]]:
    """Pick the text body and list attachments of a parsed message.

    Returns ``(body, body_type, [(filename, content_type, size, part_number), ...])``; the
    first inline text/plain part wins, else the first inline text/html (converted).
    """
    plain: str | None = None
    html: str | None = None
    other: str | None = None
    attachments: list[tuple[str, str, int, str]] = []
    for number, part in walk_parts(msg):
        ctype = part.get_content_type()
        if is_attachment(part):
            attachments.append((part_filename(part), ctype, leaf_size(part), number))
        elif ctype == "text/html":
            html = part_text(part) if html is None else html
        elif ctype == "text/plain" or part.get_content_maintype() == "multipart":
            # (a "multipart" whose boundary never parsed is shown as its raw text)
            plain = part_text(part) if plain is None else plain
        elif other is None:
            other = part_text(part)
    if plain is not None and (plain.strip() or html is None):
        return clean_text(plain), "text/plain", attachments
    if html is not None:
        return clean_text(html_to_text(html)), "text/html", attachments
    if other is not None:
        return clean_text(other), "text/plain", attachments
    return "", "", attachments
