"""Generated test mail written straight into Dovecot maildirs.

- `corpus()`: the hand-made messages every mail test relies on (multipart/alternative,
  HTML-only, RFC 2047 subjects, iso-8859-1/koi8-r/shift_jis bodies and headers, a malformed
  message, a big attachment, subjects containing Textual markup...). Each `Seeded` carries
  what a correct client must show for it (decoded subject, sender, a body snippet,
  attachments with sizes).
- `write_bulk()`: writes N small numbered messages fast ("Bulk message 000042"), oldest
  first, so UID k holds message k. Used for the 10,000-message test folder and the
  100,000-message benchmark folder.
- `seed()`: the standard layout of a user (INBOX = corpus, ``Bulk`` = N messages,
  ``Archive/2024`` small nested folder), then ``doveadm force-resync``.

The files are written by `tests.support.maildir.write_messages`, whose names sort in the
order given, so UIDs are deterministic: message i (1-based) gets UID i.
"""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.maildir import write_messages

if TYPE_CHECKING:
    from tests.support.dovecot import Dovecot

BASE_TIME = datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC)
BULK_FOLDER = "Bulk"
NESTED_FOLDER = "Archive/2024"
BIG_ATTACHMENT_SIZE = 3 * 1024 * 1024
BIG_TEXT_SIZE = 400 * 1024  # above the client's whole-message fetch limit


@dataclass(frozen=True)
class Seeded:
    """One generated message and what a correct client shows for it."""

    key: str
    raw: bytes
    subject: str
    sender: str  # substring of the displayed From
    body_snippet: str  # substring of the displayed text body
    attachments: tuple[tuple[str, int], ...] = ()  # (filename, decoded size)
    flags: str = ""  # maildir info flags, e.g. "S" for \Seen
    date: datetime = BASE_TIME
    extra: dict[str, str] = field(default_factory=dict)


def _msg(headers: list[tuple[str, str]], body: str | bytes) -> bytes:
    """A message from header rows and a body (str bodies are ASCII)."""
    head = "".join(f"{k}: {v}\n" for k, v in headers).encode("ascii")
    return head + b"\n" + (body.encode("ascii") if isinstance(body, str) else body)


def _date(i: int) -> tuple[datetime, str]:
    when = BASE_TIME + timedelta(hours=i)
    return when, format_datetime(when)


@functools.cache
def corpus() -> tuple[Seeded, ...]:
    """The INBOX messages, oldest first (UID i+1 is element i)."""
    return tuple(_corpus())


def _corpus() -> list[Seeded]:
    out: list[Seeded] = []

    def add(key: str, raw: bytes, subject: str, sender: str, snippet: str, **kw: Any) -> None:
        when = _date(len(out))[0]
        out.append(Seeded(key, raw, subject, sender, snippet, date=when, **kw))

    def hdr(
        i: int, subject: str, sender: str = "Alice Example <alice@example.test>", **more: str
    ) -> list[tuple[str, str]]:
        rows = [
            ("From", sender),
            ("To", "Olivia <olivia@example.test>"),
            ("Subject", subject),
            ("Date", _date(i)[1]),
            ("Message-ID", f"<corpus-{i}@example.test>"),
        ]
        rows += list(more.items())
        return rows

    n = len
    add(
        "plain",
        _msg(
            hdr(n(out), "Plain hello") + [("Content-Type", "text/plain; charset=us-ascii")],
            "Hello Olivia,\nthis is a plain text message.\n-- \nAlice\n",
        ),
        "Plain hello",
        "Alice Example",
        "this is a plain text message.",
        flags="S",
    )
    boundary = "=-alt-boundary-1"
    add(
        "alternative",
        _msg(
            hdr(n(out), "Quarterly report")
            + [
                ("MIME-Version", "1.0"),
                ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            ],
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n"
            "The plain part wins: revenue is up.\n"
            f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n"
            "<html><body><p>The <b>HTML</b> part loses.</p></body></html>\n"
            f"--{boundary}--\n",
        ),
        "Quarterly report",
        "Alice Example",
        "The plain part wins: revenue is up.",
    )
    add(
        "html-only",
        _msg(
            hdr(n(out), "Newsletter", "News <news@example.test>")
            + [("MIME-Version", "1.0"), ("Content-Type", "text/html; charset=utf-8")],
            "<html><head><style>p {color: red}</style><script>alert(1)</script></head><body>"
            "<h1>Weekly news</h1><p>First paragraph with a <a href='https://example.test/x'>link"
            "</a>.</p><ul><li>item one</li><li>item two</li></ul></body></html>\n",
        ),
        "Newsletter",
        "News",
        "Weekly news",
        extra={"absent": "alert(1)"},
    )
    add(
        "rfc2047-utf8",
        _msg(
            hdr(
                n(out),
                "=?UTF-8?B?" + base64.b64encode("Grüße aus Köln ☕".encode()).decode() + "?=",
                "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.test>",
            )
            + [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
            "Schöne Grüße!\n".encode(),
        ),
        "Grüße aus Köln ☕",
        "Jörg Müller",
        "Schöne Grüße!",
    )
    add(
        "iso-8859-1",
        _msg(
            hdr(
                n(out),
                "=?iso-8859-1?Q?Caf=E9_cr=E8me?=",
                "=?iso-8859-1?Q?Ren=E9e?= <renee@example.test>",
            )
            + [
                ("Content-Type", "text/plain; charset=iso-8859-1"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
            "Déjà vu au café.\n".encode("iso-8859-1"),
        ),
        "Café crème",
        "Renée",
        "Déjà vu au café.",
    )
    add(
        "koi8-r",
        _msg(
            hdr(
                n(out),
                "=?koi8-r?B?" + base64.b64encode("Привет, мир".encode("koi8-r")).decode() + "?=",
            )
            + [
                ("Content-Type", "text/plain; charset=koi8-r"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
            "Съешь же ещё этих мягких французских булок.\n".encode("koi8-r"),
        ),
        "Привет, мир",
        "Alice Example",
        "мягких французских булок",
    )
    add(
        "shift_jis",
        _msg(
            hdr(
                n(out),
                "=?shift_jis?B?"
                + base64.b64encode("会議の案内".encode("shift_jis")).decode()
                + "?=",
            )
            + [
                ("Content-Type", "text/plain; charset=shift_jis"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
            "明日の会議は十時です。\n".encode("shift_jis"),
        ),
        "会議の案内",
        "Alice Example",
        "明日の会議は十時です。",
    )
    add(
        "malformed",
        b"From: broken <<not an address\n"
        b"Subject: =?x-no-such-charset?Q?Broken_=E9?= \xff\xfe raw bytes\n"
        b"Date: yesterday-ish, not a date\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\n'
        b"\n"
        b"--never-closed\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\n"
        b"Content-Transfer-Encoding: quoted-printable\n"
        b"\n"
        b"Survives a broken message =ZZ and bad bytes \xc3\x28 here.\n",
        "Broken",
        "broken",
        "Survives a broken message",
    )
    pattern = bytes((i * 7 + 3) % 251 for i in range(251))
    big = (pattern * (BIG_ATTACHMENT_SIZE // 251 + 1))[:BIG_ATTACHMENT_SIZE]
    b64 = base64.encodebytes(big).decode("ascii")
    add(
        "big-attachment",
        _msg(
            hdr(n(out), "Scan attached")
            + [("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="mix-1"')],
            "--mix-1\nContent-Type: text/plain; charset=utf-8\n\nSee the attached scan.\n"
            '--mix-1\nContent-Type: application/pdf; name="scan.pdf"\n'
            'Content-Disposition: attachment; filename="scan.pdf"\n'
            "Content-Transfer-Encoding: base64\n\n" + b64 + "--mix-1\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Disposition: attachment; filename*=utf-8''%C3%BCbersicht.txt\n\n"
            "tiny\n--mix-1--\n",
        ),
        "Scan attached",
        "Alice Example",
        "See the attached scan.",
        attachments=(("scan.pdf", BIG_ATTACHMENT_SIZE), ("übersicht.txt", 4)),
    )
    add(
        "markup-subject",
        _msg(
            hdr(
                n(out),
                "[b]hi[/b] [@click=app.quit]x[/]",
                "[red]Mallory[/red] <mallory@example.test>",
            )
            + [("Content-Type", "text/plain; charset=utf-8")],
            "[bold]not bold[/bold] [@click=app.quit]click[/]\n",
        ),
        "[b]hi[/b] [@click=app.quit]x[/]",
        "[red]Mallory[/red]",
        "[bold]not bold[/bold] [@click=app.quit]click[/]",
    )
    add(
        "no-subject",
        _msg(
            [("From", "bob@example.test"), ("Date", _date(n(out))[1])]
            + [("Content-Type", "text/plain")],
            "A message without a subject line.\n",
        ),
        "",
        "bob@example.test",
        "A message without a subject line.",
        flags="FS",
    )
    inner = _msg(
        [("From", "carol@example.test"), ("Subject", "Original plan"), ("Date", _date(0)[1])],
        "The original message.\n",
    )
    add(
        "forwarded",
        _msg(
            hdr(n(out), "Fwd: Original plan")
            + [("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="fwd-1"')],
            b"--fwd-1\nContent-Type: text/plain\n\nForwarding this.\n--fwd-1\n"
            b"Content-Type: message/rfc822\n\n" + inner + b"\n--fwd-1--\n",
        ),
        "Fwd: Original plan",
        "Alice Example",
        "Forwarding this.",
        attachments=(("Original plan.eml", len(inner)),),
    )
    line = "All work and no play makes a long single-part message. "
    big_text = (line * (BIG_TEXT_SIZE // len(line) + 1))[:BIG_TEXT_SIZE] + "\nTHE END\n"
    add(
        "big-text",
        _msg(hdr(n(out), "Long read") + [("Content-Type", "text/plain")], big_text),
        "Long read",
        "Alice Example",
        "THE END",
    )
    blob = (pattern * (BIG_TEXT_SIZE // 251 + 1))[:BIG_TEXT_SIZE]
    add(
        "big-binary-only",
        _msg(
            hdr(n(out), "Just a blob")
            + [
                ("MIME-Version", "1.0"),
                ("Content-Type", 'application/octet-stream; name="blob.bin"'),
                ("Content-Transfer-Encoding", "base64"),
            ],
            base64.encodebytes(blob).decode("ascii"),
        ),
        "Just a blob",
        "Alice Example",
        "",
        attachments=(("blob.bin", BIG_TEXT_SIZE),),
    )
    return out


_BULK = (
    "From: Sender {s} <sender{s}@example.test>\n"
    "To: Olivia <olivia@example.test>\n"
    "Subject: Bulk message {n:06d}\n"
    "Date: {date}\n"
    "Message-ID: <bulk-{n}@example.test>\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Body of bulk message {n:06d}.\n"
)


def bulk_subject(n: int) -> str:
    """The subject of bulk message ``n`` (1-based; UID n in a freshly seeded folder)."""
    return f"Bulk message {n:06d}"


def bulk_messages(count: int) -> Iterable[tuple[bytes, datetime, str]]:
    """``count`` small numbered messages, oldest first, one minute apart."""
    for n in range(1, count + 1):
        when = BASE_TIME + timedelta(minutes=n)
        raw = _BULK.format(n=n, s=n % 97, date=format_datetime(when)).encode("ascii")
        yield raw, when, "S" if n % 3 == 0 else ""


def write_bulk(folder_dir: Path, count: int, owner: tuple[int, int] | None = None) -> int:
    """Write ``count`` numbered messages into a maildir folder (fast path, no MIME library)."""
    return write_messages(folder_dir, bulk_messages(count), stem="bulk", owner=owner)


def seed(dovecot: Dovecot, user: str, *, bulk: int = 10_000) -> tuple[Seeded, ...]:
    """Seed ``user``: INBOX = `corpus()`, ``Bulk`` = ``bulk`` messages, a nested folder.

    ``dovecot`` is a `tests.support.dovecot.Dovecot`. Returns the corpus (INBOX order).
    """
    items = corpus()
    owner = (dovecot.uid, dovecot.gid) if os.geteuid() == 0 else None
    write_messages(dovecot.maildir(user), ((s.raw, s.date, s.flags) for s in items), owner=owner)
    if bulk:
        write_bulk(dovecot.maildir(user, BULK_FOLDER), bulk, owner=owner)
    nested = [
        (_msg([("Subject", "Archived"), ("From", "a@example.test")], "old\n"), BASE_TIME, "S")
    ]
    write_messages(dovecot.maildir(user, NESTED_FOLDER), nested)
    dovecot.resync(user)
    return items
