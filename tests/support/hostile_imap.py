"""A hostile IMAP server on 127.0.0.1, for what no real server can be made to send.

Dovecot's texts and folder names are benign; this one speaks just enough IMAP4rev1 (greeting,
CAPABILITY, LOGIN, AUTHENTICATE PLAIN, LIST, SELECT/EXAMINE, UID SEARCH/FETCH, LOGOUT) for the
client to reach each hostile answer:

* ``text``: put in the greeting, the capabilities, every NO, and the folder names;
* ``login_no``: refuse the login with ``NO <text>``; ``echo_auth``: refuse AUTHENTICATE
  PLAIN with a NO that echoes the client's base64 response (a server that leaks it);
* ``select_no``: refuse SELECT/EXAMINE with ``NO <text>``;
* ``list_mode``: ``"hostile"`` (names carrying ``text`` as quoted strings, literals and
  modified UTF-7 ``&ABs-``, which decodes to ESC), ``"endless"`` (LIST lines until the
  client hangs up, one every ``trickle`` seconds);
* ``fetch_mode``: ``"huge_literal"`` (a ``{3000000000}`` literal streamed until the client
  hangs up), else a small message.

``with HostileImap(text=...) as server: server.port``. Sessions run in daemon threads;
``stop()`` closes everything.
"""

from __future__ import annotations

import base64
import socket
import time
from typing import Any

from tests.support.loopback import SessionServer

OK_MESSAGE = b"From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n"


class HostileImap(SessionServer):
    """See the module docstring; knobs are plain attributes."""

    def __init__(self, text: str = "", **knobs: Any) -> None:
        self.text = text
        self.login_no = False
        self.echo_auth = False
        self.select_no = False
        self.list_mode = ""
        self.fetch_mode = ""
        self.trickle = 0.0
        self.sent_bytes = 0
        super().__init__(**knobs)

    # ------------------------------------------------------------------ one session
    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        reader = conn.makefile("rb")
        # A CR or LF would end the line (IMAP has no escaped line break): they go only into
        # literals; U+2028 and the rest stay everywhere.
        raw = self.text.encode().replace(b"\r", b"").replace(b"\n", b"")
        # imaplib reads the greeting and capabilities as ASCII: their payload is the ASCII part
        # (ESC sequences); NO texts, names and literals carry everything.
        self._ascii = bytes(b for b in raw if b < 0x80)
        try:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready " + self._ascii + b"\r\n")
            while not self._stop.is_set():
                line = reader.readline(65536)
                if not line:
                    return
                tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
                cmd, _, args = rest.partition(b" ")
                if not self._command(conn, reader, tag, cmd.upper(), args, raw):
                    return
        except OSError:
            return
        finally:
            conn.close()

    def _command(
        self, conn: socket.socket, reader: Any, tag: bytes, cmd: bytes, args: bytes, raw: bytes
    ) -> bool:
        def send(data: bytes) -> None:
            conn.sendall(data)
            self.sent_bytes += len(data)

        if cmd == b"UID":  # UID SEARCH / UID FETCH
            sub, _, args = args.partition(b" ")
            cmd = b"UID " + sub.upper()
        if cmd == b"CAPABILITY":
            send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN X-" + self._ascii.replace(b" ", b"") + b"\r\n")
            send(tag + b" OK done\r\n")
        elif cmd == b"LOGIN":
            send(tag + (b" NO " + raw if self.login_no else b" OK logged in") + b"\r\n")
        elif cmd == b"AUTHENTICATE":
            mech, _, initial = args.partition(b" ")
            if not initial:
                send(b"+ \r\n")
                initial = reader.readline(65536).rstrip(b"\r\n")
            if self.echo_auth:
                send(tag + b" NO [AUTHENTICATIONFAILED] bad response " + initial + b"\r\n")
            elif self.login_no:
                send(tag + b" NO " + raw + b"\r\n")
            else:
                base64.b64decode(initial)
                send(tag + b" OK logged in\r\n")
        elif cmd == b"LIST":
            self._list(send, tag, raw)
        elif cmd in (b"SELECT", b"EXAMINE"):
            if self.select_no:
                send(tag + b" NO " + raw + b"\r\n")
            else:
                send(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n")
                send(tag + b" OK [READ-ONLY] done\r\n")
        elif cmd == b"UID SEARCH":
            send(b"* SEARCH 1\r\n" + tag + b" OK done\r\n")
        elif cmd in (b"UID FETCH", b"FETCH"):
            self._fetch(send, tag)
        elif cmd == b"LOGOUT":
            send(b"* BYE bye\r\n" + tag + b" OK done\r\n")
            return False
        elif cmd == b"NOOP":
            send(tag + b" OK done\r\n")
        else:
            send(tag + b" BAD " + raw + b"\r\n")
        return True

    def _list(self, send: Any, tag: bytes, raw: bytes) -> None:
        literal = self.text.encode()
        if self.list_mode == "endless":
            n = 0
            while not self._stop.is_set():
                n += 1
                send(b'* LIST (\\HasNoChildren) "/" "Folder%d"\r\n' % n)
                if self.trickle:
                    time.sleep(self.trickle)
            return
        send(b'* LIST (\\HasNoChildren) "/" "INBOX"\r\n')
        if self.list_mode == "hostile":
            quoted = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
            send(b'* LIST (\\HasNoChildren) "/" "Q' + quoted + b'"\r\n')
            size = len(literal) + 1
            send(b'* LIST (\\HasNoChildren) "/" {%d}\r\nL' % size + literal + b"\r\n")
            # Modified UTF-7: &ABs- is ESC, &AJs- is the C1 CSI, &IC4- is U+202E.
            send(b'* LIST (\\HasNoChildren) "/" "U7&ABs-[2J&AJs-2J&IC4-x"\r\n')
        send(tag + b" OK done\r\n")

    def _fetch(self, send: Any, tag: bytes) -> None:
        if self.fetch_mode == "huge_literal":
            send(b"* 1 FETCH (UID 1 BODY[] {3000000000}\r\n")
            chunk = b"x" * 65536
            while not self._stop.is_set():
                send(chunk)
            return
        send(b"* 1 FETCH (UID 1 RFC822.SIZE %d FLAGS () BODY[] {%d}\r\n" % (
            len(OK_MESSAGE), len(OK_MESSAGE)) + OK_MESSAGE + b")\r\n")  # fmt: skip
        send(tag + b" OK done\r\n")
