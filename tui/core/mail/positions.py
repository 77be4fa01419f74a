"""Folder pages by position, server-side search, and go-to-date for a list of a whole folder.

Cursor paging (``MailClient.page``) walks a folder from the newest message; a list that
shows the whole folder needs any position at once: ``page_at(client, folder, start)``
returns the messages at newest-first positions ``start..start+limit`` with one FETCH by
sequence number (IMAP) or message number (POP3), so the oldest of 100,000 messages costs
what the newest does. ``search`` returns the sequence numbers of the messages that match
(IMAP SEARCH on the server), newest first, and ``page_of`` fetches any slice of them;
``position_before`` finds where a date starts. Memory: one int per search hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tui.core.errors import UsageError
from tui.core.mail.client import MailClient
from tui.core.mail.errors import MailError
from tui.core.mail.models import MessageSummary
from tui.core.mail.pop3 import Pop3Client
from tui.core.mail.reading import LIST_ITEMS, leaf_parts, repair_senders, summary
from tui.core.text import sanitize

MAX_PAGE = 500
MAX_HITS = 200_000
"""Search hits kept at most (one int each)."""

ITEMS = [*LIST_ITEMS, "BODYSTRUCTURE"]

InboundClient = MailClient | Pop3Client


@dataclass(frozen=True, slots=True)
class Row:
    """A list row: the summary plus whether the message carries attachments."""

    summary: MessageSummary
    attachments: bool


@dataclass(frozen=True, slots=True)
class PositionPage:
    """Rows at newest-first positions ``start..start+len(rows)`` of a list of ``total``."""

    start: int
    rows: tuple[Row, ...]
    total: int


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for; every given part must match (IMAP SEARCH keys, AND)."""

    sender: str = ""
    subject: str = ""
    text: str = ""
    since: date | None = None
    before: date | None = None

    @property
    def empty(self) -> bool:
        return not (self.sender or self.subject or self.text or self.since or self.before)


_TERM = re.compile(r'(from|subject|since|before):("([^"]*)"|(\S+))|("([^"]*)"|\S+)', re.I)


def parse_query(text: str) -> SearchQuery:
    """``from:alice subject:"q3 report" since:2024-01-01 before:2024-02-01 words``.

    Free words search the whole text; dates are ``YYYY-MM-DD`` (``before`` excludes the
    day). Raises UsageError for a bad date or a query over 500 characters.
    """
    text = sanitize(text)
    if len(text) > 500:
        raise UsageError("the search is longer than 500 characters")
    parts: dict[str, str] = {}
    words: list[str] = []
    for m in _TERM.finditer(text):
        if m.group(1):
            value = m.group(3) if m.group(3) is not None else m.group(4)
            key = m.group(1).lower()
            parts[key] = f"{parts[key]} {value}".strip() if key in parts else value
        else:
            words.append(m.group(6) if m.group(6) is not None else m.group(5))
    return SearchQuery(
        sender=parts.get("from", ""),
        subject=parts.get("subject", ""),
        text=" ".join(words),
        since=_day(parts.get("since")),
        before=_day(parts.get("before")),
    )


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"bad date {value!r}: use YYYY-MM-DD") from None


def _criteria(query: SearchQuery) -> list[Any]:
    criteria: list[Any] = []
    for key, value in (("FROM", query.sender), ("SUBJECT", query.subject), ("TEXT", query.text)):
        if value:
            criteria += [key, value]
    if query.since:
        criteria += ["SINCE", query.since]
    if query.before:
        criteria += ["BEFORE", query.before]
    return criteria or ["ALL"]


def _has_attachments(structure: Any) -> bool:
    for _, leaf in leaf_parts(structure):
        try:
            kind = (leaf[0] or b"").lower()
        except (IndexError, TypeError):
            continue
        if kind not in (b"text", b"multipart", b"message"):
            return True
    return False


def _fetch(imap: Any, numbers: list[int]) -> dict[int, Row]:
    imap.use_uid = False
    try:
        rows = imap.fetch(numbers, ITEMS)
    finally:
        imap.use_uid = True
    found = {n: r for n, r in rows.items() if b"UID" in r}
    summaries = repair_senders(imap, [summary(r) for r in found.values()], found)
    by_uid = {s.uid: s for s in summaries}
    out: dict[int, Row] = {}
    for n, r in found.items():
        s = by_uid.get(int(r[b"UID"]))
        if s is not None:
            out[int(n)] = Row(s, _has_attachments(r.get(b"BODYSTRUCTURE")))
    return out


def page_at(
    client: InboundClient, folder: str, start: int, limit: int, *, refresh: bool = False
) -> PositionPage:
    """The rows at newest-first positions ``start..start+limit`` of ``folder``.

    ``refresh`` re-opens the folder first (new mail); otherwise positions stay those of
    the last opening, so a list does not shift while it is scrolled.
    """
    if not 1 <= limit <= MAX_PAGE or start < 0:
        raise MailError(f"bad page: start {start}, size {limit}")
    if isinstance(client, Pop3Client):
        with client._guard.op("listing the POP3 mailbox"):
            total = client._stat()
            numbers = list(range(total - start, max(0, total - start - limit), -1))
            summaries = client._summaries(numbers)
        return PositionPage(start, tuple(Row(s, False) for s in summaries), total)
    with client._op(f"listing folder {folder!r}") as imap:
        info = client._examine(imap, folder, refresh=refresh)
        total = int(info.get(b"EXISTS", 0))
        numbers = list(range(total - start, max(0, total - start - limit), -1))
        rows = _fetch(imap, numbers) if numbers else {}
    return PositionPage(start, tuple(rows[n] for n in numbers if n in rows), total)


def search(client: InboundClient, folder: str, query: SearchQuery) -> list[int]:
    """Sequence numbers of the messages of ``folder`` matching ``query``, newest first."""
    if isinstance(client, Pop3Client):
        raise MailError("POP3 servers cannot search: open the messages instead")
    with client._op(f"searching folder {folder!r}") as imap:
        client._examine(imap, folder, refresh=True)
        imap.use_uid = False
        try:
            found = imap.search(_criteria(query), charset="UTF-8")
        finally:
            imap.use_uid = True
    return sorted((int(n) for n in found), reverse=True)[:MAX_HITS]


def page_of(client: InboundClient, folder: str, numbers: list[int], start: int) -> PositionPage:
    """Rows for ``numbers`` (a slice of ``search``'s answer starting at ``start``)."""
    if isinstance(client, Pop3Client):
        raise MailError("POP3 servers cannot search")
    if len(numbers) > MAX_PAGE:
        raise MailError(f"page size must be at most {MAX_PAGE}")
    with client._op(f"listing folder {folder!r}") as imap:
        client._examine(imap, folder, refresh=False)
        rows = _fetch(imap, numbers) if numbers else {}
    return PositionPage(start, tuple(rows[n] for n in numbers if n in rows), len(numbers))


def position_before(client: InboundClient, folder: str, day: date) -> int | None:
    """Newest-first position of the newest message received on or before ``day``."""
    if isinstance(client, Pop3Client):
        raise MailError("POP3 servers cannot search by date")
    with client._op(f"searching folder {folder!r}") as imap:
        info = client._examine(imap, folder, refresh=False)
        total = int(info.get(b"EXISTS", 0))
        imap.use_uid = False
        try:
            found = imap.search(["BEFORE", day + timedelta(days=1)])
        finally:
            imap.use_uid = True
    if not found:
        return None
    return total - max(int(n) for n in found)
