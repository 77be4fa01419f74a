"""Reading verbs: ``mail folders|list|show|save``.

Thin over `tui.core.mail.service` (the TUI uses the same functions). Listing and reading are
read-only on the server (IMAP EXAMINE and BODY.PEEK; POP3 never deletes): nothing is marked
as seen.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_env_option, mail_verbs, parse_int
from tui.core.errors import Action, NextStep, UsageError
from tui.core.models.mail import MailComponent
from tui.core.text import fit, human_size

if TYPE_CHECKING:
    from tui.core.mail.client import MailClient
    from tui.core.mail.models import MessageSummary, MessageView
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.service import Access


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail folders|list|show|save`` to the ``mail`` verb."""
    verbs = mail_verbs(sub)
    p = verbs.add_parser("folders", help="list the mailbox's folders")
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_folders)

    p = verbs.add_parser("list", help="list messages, newest first")
    p.add_argument("name", metavar="NAME")
    add_env_option(p)
    p.add_argument("--folder", metavar="F", help="folder (default: the component's)")
    p.add_argument("--limit", metavar="N", default="50", help="messages per page (default 50)")
    p.add_argument(
        "--before-uid",
        metavar="UID",
        help="list messages older than this UID (POP3: UIDL) (next page)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_list)

    p = verbs.add_parser("show", help="show one message (without marking it as seen)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("uid", metavar="UID")
    add_env_option(p)
    p.add_argument("--folder", metavar="F", help="folder (default: the component's)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)

    p = verbs.add_parser(
        "save", help="save a message's attachments into a directory (never overwriting)"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("uid", metavar="UID")
    p.add_argument("--dir", metavar="DIR", required=True, help="directory to save into")
    add_env_option(p)
    p.add_argument("--folder", metavar="F", help="folder (default: the component's)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_save)


def _access(args: argparse.Namespace, ctx: Context) -> tuple[Access, MailComponent]:
    """How to log in (from a running agent, else the vault) and the inbound component."""
    access = ctx.mail_access(args.name, getattr(args, "env", None))
    comp = access.component
    if not isinstance(comp, MailComponent):  # never: mail_access was asked for an inbound one
        raise UsageError(f"{args.name!r} is not an inbound email component")
    return access, comp


def _open(access: Access) -> MailClient | Pop3Client:
    from tui.core.mail.service import connect

    return connect(access)


def _folder(args: argparse.Namespace, comp: MailComponent) -> str:
    folder = getattr(args, "folder", None)
    if not folder:
        return comp.folder
    if comp.is_pop3 and str(folder).strip().upper() != "INBOX":
        # The POP3 client reads the one mailbox whatever it is told: a listing would be
        # the inbox's, titled with the other name.
        raise UsageError(f"--folder {folder!r}: POP3 has one folder: INBOX")
    return str(folder)


def _uid(value: str, what: str, comp: MailComponent) -> int | str:
    """An IMAP UID (a number), or a POP3 UIDL (1-70 printable ASCII characters)."""
    if not comp.is_pop3:
        return parse_int(value, what, low=1)
    if not 1 <= len(value) <= 70 or not all("!" <= c <= "~" for c in value):
        raise UsageError(f"{what} must be a POP3 UIDL (1-70 printable characters), got {value!r}")
    return value


def cmd_folders(args: argparse.Namespace, ctx: Context) -> int:
    """Print the folders (one per line, or JSON)."""
    access, _ = _access(args, ctx)
    with _open(access) as client:
        folders = client.folders()
    if args.json:
        ctx.print_json([f.to_json() for f in folders])
    else:
        for f in folders:
            ctx.print(f.name if f.selectable else f"{f.name} (container)")
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    """Print a page of messages, newest first."""
    from tui.core.mail.client import MAX_LIMIT

    limit = parse_int(args.limit, "--limit", low=1, high=MAX_LIMIT)
    access, comp = _access(args, ctx)
    before = None
    if args.before_uid is not None:
        before = _uid(args.before_uid, "--before-uid", comp)
    folder = _folder(args, comp)
    with _open(access) as client:
        page = client.page(folder, before_uid=before, limit=limit)
    if args.json:
        ctx.print_json([m.to_json() for m in page.messages])
        return 0
    width = shutil.get_terminal_size((100, 24)).columns
    for m in page.messages:
        ctx.print(_row(m, width))
    shown = len(page.messages)
    footer = f"-- {shown} message{'s' if shown != 1 else ''} of {page.total} in {folder}"
    if page.next_before_uid is not None:
        footer += f"; older: --before-uid {page.next_before_uid}"
    ctx.print(footer)
    return 0


_NAME_ADDR = re.compile(r"^(.+?)\s*<[^<>]*>$")


def _short_sender(sender: str) -> str:
    """The display name of "Name <addr>" (the address when there is no name)."""
    m = _NAME_ADDR.match(sender)
    return m.group(1).strip().strip('"') if m and "," not in sender else sender


def _row(m: MessageSummary, width: int) -> str:
    date = m.date.astimezone().strftime("%Y-%m-%d %H:%M") if m.date else "-" * 16
    mark = ("N" if not m.seen else " ") + ("F" if "\\Flagged" in m.flags else " ")
    head = f"{m.uid:>7}  {date}  {mark} "
    size = f"{human_size(m.size, compact=True):>7}"
    room = max(30, width - len(head) - len(size) - 3)
    sender_w = min(24, room // 3)
    subject = m.subject or "(no subject)"
    sender = fit(_short_sender(m.sender), sender_w)
    return f"{head}{sender}  {fit(subject, room - sender_w - 1)} {size}"


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    """Print one message: headers, text body, attachments."""
    access, comp = _access(args, ctx)
    uid = _uid(args.uid, "UID", comp)
    folder = _folder(args, comp)
    with _open(access) as client:
        view = client.message(uid, folder).with_content(comp.content)
    if args.json:
        ctx.print_json(view.to_json())
        return 0
    _print_view(ctx, view)
    return 0


def _print_view(ctx: Context, v: MessageView) -> None:
    ctx.print(f"From:    {v.sender}")
    if v.to:
        ctx.print(f"To:      {v.to}")
    if v.cc:
        ctx.print(f"Cc:      {v.cc}")
    ctx.print(f"Date:    {v.date.isoformat() if v.date else '(none)'}")
    ctx.print(f"Subject: {v.subject or '(no subject)'}")
    flags = " ".join(v.flags) or "(none)"
    ctx.print(f"Flags:   {flags}   UID {v.uid} in {v.folder}, {human_size(v.size, compact=True)}")
    ctx.print("")
    if v.body_type == "text/html":
        ctx.print("[HTML message shown as text]")
    if v.body_type != "hidden":
        ctx.print(v.body.rstrip("\n") if v.body else "(no text body)")
    if v.attachments:
        ctx.print("")
        ctx.print(f"Attachments ({len(v.attachments)}):")
        for a in v.attachments:
            name = a.filename or "(unnamed)"
            ctx.print(
                f"  {a.part:>5}  {name}  {a.content_type}  {human_size(a.size, compact=True)}"
            )


def cmd_save(args: argparse.Namespace, ctx: Context) -> int:
    """Save a message's attachments into ``--dir`` (created if missing)."""
    from tui.core.text import one_line

    access, comp = _access(args, ctx)
    uid = _uid(args.uid, "UID", comp)
    if comp.content == "body":
        raise UsageError(
            f"mail component {comp.name!r} reads message bodies only (content body)",
            advice="it must read whole messages to save attachments",
            next_step=NextStep(Action.EDIT_COMPONENT, comp.name, field="content", value="both"),
        )
    folder = _folder(args, comp)  # a usage error before anything is created
    directory = Path(args.dir).expanduser()
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the directory {directory}: {exc.strerror}") from None
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    with _open(access) as client:
        saved = client.save_attachments(uid, directory, folder)
    if not saved and created:
        # Made for nothing: do not leave an empty directory behind.
        with contextlib.suppress(OSError):
            directory.rmdir()
    if args.json:
        ctx.print_json([s.to_json() for s in saved])
        return 0
    for s in saved:
        name = one_line(s.filename) or "(unnamed)"
        ctx.print(f"Saved part {s.part}: {name} -> {s.path} ({human_size(s.size, compact=True)})")
    if not saved:
        ctx.print(f"-- message {uid} has no attachments: nothing saved")
        return 0
    ctx.print(f"-- {len(saved)} attachment{'s' if len(saved) != 1 else ''} saved in {directory}")
    return 0
