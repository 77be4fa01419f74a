"""Saving attachments: safe names, never overwriting, streamed; Content setting honoured.

The Dovecot user ``SAVER_USER`` gets an INBOX with one message of hostile attachment
names and one with a large attachment; both are saved over IMAP and POP3.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import maildir, mailgen
from tests.support.fixtures_mail import SAVER_PASSWORD, SAVER_USER
from tests.support.fixtures_vault import REPO
from tui.core.mail.attachments import MAX_NAME_BYTES, create_unique, safe_filename
from tui.core.mail.mimestream import Decoder

HOSTILE = {
    "../../etc/passwd": b"root:x:0:0\n",
    "evil\x1b[31mred\nname.txt": b"escape\n",
    ".hidden": b"dot\n",
    "CON": b"device\n",
    "lpt1.tar.gz": b"device 2\n",
    "x" * 300 + ".pdf": b"long\n",
    "report.pdf": b"first report\n",
    "report.pdf ": b"second report\n",  # the same name once cleaned
    "..\\..\\windows\\system.ini": b"[boot]\n",
}
BIG_SIZE = 24 * 1024 * 1024


def _hostile_message() -> bytes:
    """Written by hand: the email package refuses (rightly) to put a line break or ESC in
    a header, but a hostile sender hides them in RFC 2047 encoded words."""
    parts = [
        f"From: Mallory <mallory@example.test>\r\nTo: {SAVER_USER}\r\n"
        "Subject: Hostile names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
        'boundary="h1"\r\n\r\n--h1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n'
    ]
    for name, data in HOSTILE.items():
        word = base64.b64encode(name.encode()).decode()
        parts.append(
            "--h1\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="=?utf-8?b?{word}?="\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.b64encode(data).decode()}\r\n"
        )
    parts.append("--h1--\r\n")
    return "".join(parts).encode()


def _big_message() -> bytes:
    head = (
        f"From: Big <big@example.test>\r\nTo: {SAVER_USER}\r\nSubject: Big one\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nA big file follows.\r\n--b1\r\n"
        'Content-Type: application/octet-stream; name="big.bin"\r\n'
        'Content-Disposition: attachment; filename="big.bin"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    return head + base64.encodebytes(_big_blob()).replace(b"\n", b"\r\n") + b"--b1--\r\n"


def _big_blob() -> bytes:
    return (bytes(range(256)) * 997)[: 251 * 997] * (BIG_SIZE // (251 * 997) + 1)


@pytest.fixture(scope="module")
def saver_mailbox(dovecot):
    items = [(_hostile_message(), mailgen.BASE_TIME, ""), (_big_message(), mailgen.BASE_TIME, "")]
    owner = (dovecot.uid, dovecot.gid) if os.geteuid() == 0 else None
    maildir.write_messages(dovecot.maildir(SAVER_USER), items, stem="saver", owner=owner)
    dovecot.resync(SAVER_USER)
    return dovecot


@pytest.fixture
def saver_vault(make_vault, saver_mailbox):
    from tui.core.models.mail import MailComponent
    from tui.core.records import Records

    d = saver_mailbox
    records = Records()
    common = {"username": SAVER_USER, "auth": "password", "password": SAVER_PASSWORD,
              "ca_file": str(d.ca_file)}  # fmt: skip
    records.add(MailComponent(name="imap", host=d.host, port=d.imaps_port, **common))
    records.add(MailComponent(name="pop", host=d.host, port=d.pop3s_port, protocol="pop3s",
                              **common))  # fmt: skip
    records.add(MailComponent(name="bodies", host=d.host, port=d.imaps_port, content="body",
                              **common))  # fmt: skip
    records.add(MailComponent(name="files", host=d.host, port=d.imaps_port,
                              content="attachments", **common))  # fmt: skip
    return make_vault(records)


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("evil\x1b[31mred\nname.txt", "evil[31mredname.txt"),
        (".hidden", "hidden"),
        ("...", "attachment-3"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("lpt1.tar.gz", "_lpt1.tar.gz"),
        ("a\u202eexe.txt", "aexe.txt"),
        ("", "attachment-3"),
        ("what?.txt", "what_.txt"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name, "3") == expected


def test_long_names_are_clipped_keeping_the_extension():
    name = safe_filename("ü" * 300 + ".pdf")
    assert len(name.encode()) <= MAX_NAME_BYTES and name.endswith(".pdf")


def test_create_unique_numbers_and_never_follows_symlinks(tmp_path):
    target = tmp_path / "outside"
    target.write_text("keep")
    (tmp_path / "d").mkdir()
    os.symlink(target, tmp_path / "d" / "a.txt")
    path, f = create_unique(tmp_path / "d", "a.txt")
    f.close()
    assert path.name == "a (1).txt" and target.read_text() == "keep"
    path2, f2 = create_unique(tmp_path / "d", "a.txt")
    f2.close()
    assert path2.name == "a (2).txt"


def test_decoder_handles_any_chunking():
    data = os.urandom(10_000)
    encoded = base64.encodebytes(data)
    for step in (1, 3, 4, 77, 4096):
        d = Decoder("base64")
        out = b"".join(d.feed(encoded[i : i + step]) for i in range(0, len(encoded), step))
        assert out + d.flush() == data


# -- saving -------------------------------------------------------------------------------


def _uid_of(cli, name: str, subject: str) -> str:
    rows = json.loads(cli("mail", "list", name, "--json").stdout)
    return str(next(r["uid"] for r in rows if r["subject"] == subject))


@pytest.mark.parametrize("name", ["imap", "pop"])
def test_hostile_names_are_saved_safely_and_never_overwritten(cli, saver_vault, tmp_path, name):
    out = tmp_path / "out"
    uid = _uid_of(cli, name, "Hostile names")
    result = cli("mail", "save", name, uid, "--dir", str(out), "--json")
    assert result.returncode == 0, result.stderr
    saved = json.loads(result.stdout)
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == len(HOSTILE) and sorted(Path(s["path"]).name for s in saved) == files
    for s in saved:
        path = Path(s["path"])
        assert path.parent == out  # nothing escaped the directory
        assert not path.name.startswith(".") and "\x1b" not in path.name
        assert "\n" not in path.name and len(path.name.encode()) <= MAX_NAME_BYTES + 8
        data = path.read_bytes()
        assert data in HOSTILE.values() and s["size"] == len(data)
    assert "report.pdf" in files and "report (1).pdf" in files
    assert {"passwd", "_CON", "hidden", "system.ini", "_lpt1.tar.gz"} <= set(files)
    again = json.loads(cli("mail", "save", name, uid, "--dir", str(out), "--json").stdout)
    assert all(" (" in Path(s["path"]).name for s in again)  # numbered, nothing overwritten
    assert len(list(out.iterdir())) == 2 * len(HOSTILE)
    text = cli("mail", "save", name, uid, "--dir", str(tmp_path / "t")).stdout
    assert "\x1b" not in text and f"-- {len(HOSTILE)} attachments saved" in text


_MEMORY_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from tui.core.mail.service import open_client
from tui.core.session import Session
session = Session.open(Path(sys.argv[1]), sys.argv[2])
client = open_client(session, sys.argv[3])
uid = next(m.uid for m in client.page("INBOX").messages if m.subject == "Big one")
tracemalloc.start()
saved = client.save_attachments(uid, Path(sys.argv[4]), "INBOX")
peak = tracemalloc.get_traced_memory()[1]
client.close()
print(json.dumps({"peak": peak, "sizes": [s.size for s in saved]}))
"""


@pytest.mark.parametrize("name", ["imap", "pop"])
def test_a_large_part_is_streamed_to_disk(saver_vault, tmp_path, name):
    from tests.support.fixtures_vault import PASSPHRASE

    out = tmp_path / "big"
    out.mkdir()
    probe = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(saver_vault), PASSPHRASE, name, str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    assert report["sizes"] == [len(_big_blob())]
    assert (out / "big.bin").read_bytes() == _big_blob()
    assert report["peak"] < len(_big_blob()) // 10  # never held whole (the part is 24 MB)


def test_content_setting_is_honoured(cli, saver_vault, tmp_path):
    uid = _uid_of(cli, "imap", "Hostile names")
    both = json.loads(cli("mail", "show", "imap", uid, "--json").stdout)
    assert both["body"].strip() == "see attached" and len(both["attachments"]) == len(HOSTILE)
    body = json.loads(cli("mail", "show", "bodies", uid, "--json").stdout)
    assert body["body"].strip() == "see attached" and body["attachments"] == []
    files = json.loads(cli("mail", "show", "files", uid, "--json").stdout)
    assert files["body"] == "" and len(files["attachments"]) == len(HOSTILE)
    shown = cli("mail", "show", "files", uid).stdout
    assert "see attached" not in shown and "Attachments (9)" in shown
    refused = cli("mail", "save", "bodies", uid, "--dir", str(tmp_path / "x"))
    assert refused.returncode == 2 and "bodies only" in refused.stderr
    assert not (tmp_path / "x").exists()
