"""Saving attachments to a directory: safe names, never overwriting, streamed to disk.

- `safe_filename`: a sender-chosen name made harmless: no path (only the last component
  of ``../../etc/passwd`` is kept), no control or bidi characters, no leading dots, no
  Windows device names (``CON``, ``lpt1.txt``...), at most `MAX_NAME_BYTES` bytes with the
  extension kept; an empty result becomes ``attachment-<part>``.
- `create_unique`: opens ``dir/name`` with ``O_CREAT | O_EXCL | O_NOFOLLOW``; when it
  exists, ``name (1).ext``, ``name (2).ext``... so nothing is ever overwritten, and a
  symlink planted in the directory is never followed.
- `AttachmentSaver`: the ``on_part`` callback of `tui.core.mail.mimestream.walk` that
  writes each attachment part, decoded chunk by chunk, into its own new file (POP3).
- `save_imap_parts`: the same for IMAP, fetching each attachment part in `CHUNK` slices
  (``BODY.PEEK[n]<offset.length>``), so a big part never sits in memory whole.

A part that fails half-way has its file removed; the files saved before stay.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, BinaryIO

from tui.core.errors import MailError
from tui.core.mail.decode import is_attachment, part_filename
from tui.core.mail.mimestream import MAX_PARTS, Decoder

__all__ = [
    "CHUNK",
    "MAX_NAME_BYTES",
    "AttachmentSaver",
    "SavedFile",
    "create_unique",
    "safe_filename",
    "save_imap_message",
    "save_imap_parts",
]

CHUNK = 256 * 1024
"""Bytes of an IMAP part fetched per round trip while saving."""
MAX_NAME_BYTES = 200
"""Longest file name written (most file systems allow 255 bytes; room for `` (12)``)."""
_MAX_TRIES = 10_000

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$", re.I)
_WINDOWS_BAD = re.compile(r'[<>:"|?*]')


@dataclass(frozen=True)
class SavedFile:
    """One attachment written to disk."""

    part: str
    """The MIME part number (IMAP numbering)."""
    filename: str
    """The name the sender gave (decoded; may be empty)."""
    path: Path
    """Where it was written."""
    size: int
    """Decoded bytes written."""
    content_type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "filename": self.filename,
            "path": str(self.path),
            "size": self.size,
            "content_type": self.content_type,
        }


def safe_filename(name: str, part: str = "1") -> str:
    """A harmless file name for ``name`` (see the module docstring)."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]  # only the last path component
    name = _UNSAFE.sub("", name)
    name = _WINDOWS_BAD.sub("_", name)
    name = name.strip().lstrip(".").rstrip(". ")
    stem = name.partition(".")[0]  # Windows reserves "CON" and "con.tar.gz" alike
    if _RESERVED.match(stem.strip()):
        name = "_" + name
    name = _clip(name)
    return name or f"attachment-{part}"


def _clip(name: str) -> str:
    """``name`` cut to `MAX_NAME_BYTES` UTF-8 bytes, keeping a short extension."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode()) > 16:
        stem, ext = name, ""
    tail = f".{ext}" if ext else ""
    room = MAX_NAME_BYTES - len(tail.encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    return cut + tail


def create_unique(directory: Path, name: str) -> tuple[Path, BinaryIO]:
    """Create a new file ``directory/name`` (numbered when taken); never overwrites."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    tail = f".{ext}" if ext else ""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for n in range(_MAX_TRIES):
        candidate = name if n == 0 else f"{stem} ({n}){tail}"
        path = directory / candidate
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symlink with that name: never follow it
                continue
            raise MailError(f"cannot create {path}: {exc.strerror or exc}") from None
        return path, os.fdopen(fd, "wb")
    raise MailError(f"cannot find a free file name for {name!r} in {directory}")


class _PartFile:
    """An open output file for one part; counts what is written."""

    def __init__(self, directory: Path, number: str, headers: Message) -> None:
        self.number = number
        self.filename = part_filename(headers)
        self.content_type = headers.get_content_type()
        self.path, self.file = create_unique(directory, safe_filename(self.filename, number))
        self.size = 0

    def write(self, data: bytes) -> None:
        if data:
            self.file.write(data)
            self.size += len(data)

    def finish(self) -> SavedFile:
        self.file.close()
        return SavedFile(self.number, self.filename, self.path, self.size, self.content_type)

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class AttachmentSaver:
    """``on_part`` for `tui.core.mail.mimestream.walk`: attachments become new files.

    Use ``with AttachmentSaver(dir) as saver: walk(lines, saver)``; ``saver.saved`` lists
    the files written, in message order. On an error the half-written file is removed.
    """

    def __init__(self, directory: Path, parts: set[str] | None = None) -> None:
        self.directory = directory
        self.parts = parts
        self.saved: list[SavedFile] = []
        self._open: _PartFile | None = None

    def __call__(self, number: str, headers: Message) -> _PartFile | None:
        self._close()
        if not is_attachment(headers) or (self.parts is not None and number not in self.parts):
            return None
        self._open = _PartFile(self.directory, number, headers)
        return self._open

    def _close(self) -> None:
        if self._open is not None:
            self.saved.append(self._open.finish())
            self._open = None

    def __enter__(self) -> AttachmentSaver:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self._close()
        elif self._open is not None:
            self._open.discard()
            self._open = None


def save_imap_message(imap: Any, uid: int, directory: Path) -> list[SavedFile] | None:
    """Save the attachments of message ``uid`` (None when there is no such message)."""
    from tui.core.mail.reading import leaf_parts

    row = imap.fetch([uid], ["BODYSTRUCTURE"]).get(uid)
    if row is None:
        return None
    return save_imap_parts(imap, uid, directory, list(leaf_parts(row.get(b"BODYSTRUCTURE"))))


def save_imap_parts(
    imap: Any, uid: int, directory: Path, leaves: list[tuple[str, Any]]
) -> list[SavedFile]:
    """Save the attachment parts among ``leaves`` (``(number, BODYSTRUCTURE leaf)``) of
    message ``uid`` on an imapclient connection, each fetched in `CHUNK` slices."""
    numbers = [n for n, _ in leaves][:MAX_PARTS]
    single = len(leaves) == 1 and numbers == ["1"]
    items = ["BODY.PEEK[HEADER]"] if single else [f"BODY.PEEK[{n}.MIME]" for n in numbers]
    row = imap.fetch([uid], items).get(uid, {})
    saved: list[SavedFile] = []
    for number in numbers:
        key = b"BODY[HEADER]" if single else f"BODY[{number}.MIME]".encode()
        headers = BytesHeaderParser(policy=compat32).parsebytes(row.get(key) or b"")
        if not is_attachment(headers):
            continue
        out = _PartFile(directory, number, headers)
        try:
            decoder = Decoder(headers.get("Content-Transfer-Encoding"))
            offset = 0
            while True:
                item = f"BODY.PEEK[{number}]<{offset}.{CHUNK}>"
                got = imap.fetch([uid], [item]).get(uid, {})
                data = next((v or b"" for k, v in got.items() if k.startswith(b"BODY[")), b"")
                out.write(decoder.feed(data))
                offset += len(data)
                if len(data) < CHUNK:
                    break
            out.write(decoder.flush())
        except BaseException:
            out.discard()
            raise
        saved.append(out.finish())
    return saved
