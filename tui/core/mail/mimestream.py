"""MIME without holding a message in memory: chunk decoders and a line-streaming part walker.

`Decoder` turns base64 or quoted-printable transfer encoding into bytes chunk by chunk
(any chunk boundaries), so a 50 MB attachment is decoded to disk a few KB at a time.

`walk` reads a message as a stream of pieces: lines with their line ending, where a very
long line may come as several pieces and only its last one ends with the line break
(POP3 RETR after dot-unstuffing, or ``file.readline(limit)``). It calls
``on_part(number, headers)`` for every leaf part, numbered like IMAP
(``1``, ``2.1``...); when it returns a sink (anything with ``write(bytes)``), the part's
decoded body is written there as it arrives, else it is skipped. Only header blocks are
parsed into `email.message.Message` objects (each capped at `MAX_HEADER`); bodies never are.
Nesting depth and the number of parts are bounded too.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterator
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

__all__ = ["MAX_DEPTH", "MAX_HEADER", "MAX_PARTS", "Decoder", "Sink", "walk"]

MAX_HEADER = 256 * 1024
"""The largest header block kept (the rest of an oversized block is skipped)."""
MAX_DEPTH = 20
MAX_PARTS = 200


class Sink(Protocol):
    """Where a part's decoded bytes go."""

    def write(self, data: bytes, /) -> object: ...


class Decoder:
    """Incremental Content-Transfer-Encoding decoder (base64, quoted-printable, identity)."""

    def __init__(self, encoding: str | None) -> None:
        self.encoding = (encoding or "").strip().lower()
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        """Decode as much of ``data`` (plus what was held back) as is complete."""
        if self.encoding == "base64":
            return self._base64(data, final=False)
        if self.encoding == "quoted-printable":
            return self._qp(data, final=False)
        return data

    def flush(self) -> bytes:
        """Decode whatever is still held back at the end of the part."""
        if self.encoding == "base64":
            return self._base64(b"", final=True)
        if self.encoding == "quoted-printable":
            return self._qp(b"", final=True)
        return b""

    def _base64(self, data: bytes, *, final: bool) -> bytes:
        # Only alphabet characters count (line breaks and junk are ignored, as mail readers
        # do); whole 4-character groups are decoded and the remainder waits for more data.
        chars = self._pending + data.translate(None, _NOT_BASE64)
        if final:
            chunk, self._pending = chars.rstrip(b"="), b""
            if len(chunk) % 4 == 1:
                chunk = chunk[:-1]  # a stray last character cannot be decoded
            chunk += b"=" * (-len(chunk) % 4)
        else:
            cut = len(chars) - len(chars) % 4
            chunk, self._pending = chars[:cut], chars[cut:]
        try:
            return binascii.a2b_base64(chunk)
        except binascii.Error:
            return b""

    def _qp(self, data: bytes, *, final: bool) -> bytes:
        text = self._pending + data
        if final:
            self._pending = b""
            return binascii.a2b_qp(text)
        # Decode complete lines only (a soft break "=\r\n" or "=XX" may straddle chunks);
        # a hostile part without line breaks is decoded in pieces, keeping 2 bytes back.
        end = text.rfind(b"\n") + 1
        if end == 0 and len(text) > 64 * 1024:
            end = len(text) - 2
        self._pending = text[end:]
        return binascii.a2b_qp(text[:end])


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(b for b in range(256) if b not in _ALPHABET)


class _Lines:
    """Pieces of lines with one piece of push-back; knows whether a piece starts a line."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._it = pieces
        self._back: tuple[bytes, bool] | None = None
        self._at_start = True

    def next(self) -> tuple[bytes, bool] | None:
        """``(piece, starts_a_line)``, or None at the end."""
        if self._back is not None:
            item, self._back = self._back, None
            return item
        piece = next(self._it, None)
        if piece is None:
            return None
        starts, self._at_start = self._at_start, piece.endswith(b"\n")
        return piece, starts

    def push(self, item: tuple[bytes, bool]) -> None:
        self._back = item


OnPart = Callable[[str, Message], Sink | None]


def walk(pieces: Iterator[bytes], on_part: OnPart) -> Message:
    """Stream a message's parts to ``on_part`` (see the module docstring); returns the
    top-level headers."""
    src = _Lines(pieces)
    count = [0]
    headers = _headers(src, ())
    _body(src, headers, "", (), 0, on_part, count)
    while src.next() is not None:  # an epilogue or junk after the last boundary
        pass
    return headers


def _is_boundary(item: tuple[bytes, bool], boundaries: tuple[bytes, ...]) -> bool:
    line, starts = item
    if not starts or not line.startswith(b"--") or not line.endswith(b"\n"):
        return False
    stripped = line.rstrip(b" \t\r\n")
    return any(stripped in (b"--" + b, b"--" + b + b"--") for b in boundaries)


def _headers(src: _Lines, boundaries: tuple[bytes, ...]) -> Message:
    block: list[bytes] = []
    size = 0
    while (item := src.next()) is not None:
        if item[1] and item[0] in (b"\r\n", b"\n"):
            break
        if _is_boundary(item, boundaries):  # a part that ends inside its headers
            src.push(item)
            break
        size += len(item[0])
        if size <= MAX_HEADER:
            block.append(item[0])
    return BytesHeaderParser(policy=compat32).parsebytes(b"".join(block) + b"\r\n")


def _body(
    src: _Lines,
    headers: Message,
    number: str,
    boundaries: tuple[bytes, ...],
    depth: int,
    on_part: OnPart,
    count: list[int],
) -> None:
    """Consume one part's body up to (not including) an enclosing boundary line."""
    boundary = (
        headers.get_param("boundary") if headers.get_content_maintype() == "multipart" else None
    )
    if isinstance(boundary, str) and boundary and depth < MAX_DEPTH:
        inner = (*boundaries, boundary.encode("utf-8", "replace"))
        mine = (inner[-1],)
        line = src.next()
        while line is not None and not _is_boundary(line, inner):  # the preamble
            line = src.next()
        index = 0
        closing = b"--" + mine[0] + b"--"
        while (
            line is not None and _is_boundary(line, mine) and line[0].rstrip(b" \t\r\n") != closing
        ):
            index += 1
            sub = f"{number}.{index}" if number else str(index)
            part_headers = _headers(src, inner)
            _body(src, part_headers, sub, inner, depth + 1, on_part, count)
            line = src.next()
        if line is not None and not _is_boundary(line, mine):
            src.push(line)  # an outer boundary: the inner one was never closed
            return
        while (line := src.next()) is not None:  # the epilogue, up to an outer boundary
            if _is_boundary(line, boundaries):
                src.push(line)
                return
        return
    count[0] += 1
    sink = on_part(number or "1", headers) if count[0] <= MAX_PARTS else None
    decoder = Decoder(headers.get("Content-Transfer-Encoding"))
    held = b""
    while (item := src.next()) is not None:
        if _is_boundary(item, boundaries):
            src.push(item)
            break
        if sink is not None:
            # The line break before a boundary belongs to the boundary, so each line
            # break is held back and written only when more of the body follows.
            piece = item[0]
            body = piece.rstrip(b"\r\n") if piece.endswith(b"\n") else piece
            sink.write(decoder.feed(held + body))
            held = piece[len(body) :]
    if sink is not None:
        sink.write(decoder.flush())
