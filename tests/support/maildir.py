"""Messages written straight into a Dovecot maildir (no IMAP APPEND: fast and exact).

`write_messages()` writes messages into a maildir folder's ``cur/`` with Dovecot-friendly
file names (``,S=`` and ``,W=`` sizes, so listing sizes never reads the files) and the
message's date as the file's mtime (Dovecot's INTERNALDATE). Dovecot assigns UIDs to new
maildir files in file-name time order, and the names written here sort in the order given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

__all__ = ["write_messages"]


def _vsize(data: bytes) -> int:
    return len(data) + data.count(b"\n") - data.count(b"\r\n")


def write_messages(
    folder_dir: Path,
    messages: Iterable[tuple[bytes, datetime, str]],
    *,
    stem: str = "seed",
    owner: tuple[int, int] | None = None,
) -> int:
    """Write ``(raw, internal_date, maildir_flags)`` messages into ``folder_dir/cur``.

    Returns the number written. File names sort in input order, which is the order Dovecot
    assigns UIDs in. ``owner`` (uid, gid) chowns each file as it is written (as root).
    """
    for sub in ("cur", "new", "tmp"):
        (folder_dir / sub).mkdir(parents=True, exist_ok=True)
        if owner:
            os.chown(folder_dir / sub, *owner)
    if folder_dir.name.startswith("."):
        (folder_dir / "maildirfolder").touch()
    cur = str(folder_dir / "cur") + "/"
    flags_ = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    count = 0
    for i, (raw, when, flags) in enumerate(messages):
        ts = int(when.timestamp())
        # "<secs>.M<usecs>" is what Dovecot sorts new files by; usecs keep input order stable.
        name = f"{1_600_000_000 + i // 1_000_000}.M{i % 1_000_000:06d}P1.{stem}"
        name += f",S={len(raw)},W={_vsize(raw)}:2,{flags}"
        fd = os.open(cur + name, flags_, 0o644)
        try:
            os.write(fd, raw)
            os.utime(fd, (ts, ts))  # INTERNALDATE comes from the file's mtime
            if owner:
                os.fchown(fd, *owner)
        finally:
            os.close(fd)
        count += 1
    return count
