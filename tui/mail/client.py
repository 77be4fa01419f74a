"""`MailClient`: one IMAP connection (imapclient), read-only by default.

The client connects with verified TLS (implicit, or STARTTLS which must be offered unless
plaintext was explicitly allowed for a loopback host), logs in by XOAUTH2, OAUTHBEARER
(RFC 7628) or password, and reads: folders, pages of envelopes newest first, one message.

Paging never touches the whole folder: the newest page is the last ``limit`` sequence
numbers after EXAMINE; an older page asks the server how many messages lie below the
cursor UID (``SEARCH RETURN (COUNT)``, RFC 4731) and fetches the sequence range ending
there. Messages are read with BODY.PEEK, so nothing is marked \\Seen unless `set_seen`
is called.

Threading: every public method takes the connection's lock, so one client may be shared
by threads (calls are serialized). `abort` may be called from any thread without the lock:
it shuts the socket down, and the call in progress (and every later one) raises
`MailCancelled`. A Textual worker pages with `page()` and checks its cancellation flag
between pages.
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from typing import Any

from tui.components import DEFAULT_PORTS, is_loopback_host

from .decode import (
    body_and_attachments,
    clean_text,
    envelope_sender,
    header_text,
    is_attachment,
    parse_date,
    part_filename,
    part_text,
)
from .errors import (
    MailAuthenticationFailed,
    MailCancelled,
    MailError,
    MailNotFound,
    MailPlaintextRefused,
    MailProtocolError,
    ReauthorizationNeeded,
    redact,
    translate,
)
from .models import Attachment, Folder, MessageSummary, MessageView, Page

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
FULL_FETCH_LIMIT = 256 * 1024  # messages up to this size are fetched whole in one round trip
TEXT_LIMIT = 2 * 1024 * 1024  # at most this much of a big message's text part is shown
MAX_PARTS = 200
LIST_ITEMS = ["UID", "ENVELOPE", "FLAGS", "RFC822.SIZE", "INTERNALDATE"]
# Placeholders Dovecot (and UW) put in ENVELOPE when a From header does not parse.
_BROKEN_ADDRESS = re.compile(rb"MISSING_MAILBOX|MISSING_DOMAIN|SYNTAX_ERROR|\.MISSING-HOST-NAME\.")


@dataclass(frozen=True)
class Credential:
    """How to log in: a password, or an OAuth access-token source.

    ``secret(force_refresh)`` returns the password or the access token; for OAuth,
    ``force_refresh=True`` must return a newly refreshed token (or raise
    `ReauthorizationNeeded`). ``refreshable`` says whether asking again can help.
    """

    kind: str  # "password" | "oauth"
    secret: Callable[[bool], str]
    refreshable: bool = False

    def __repr__(self) -> str:
        return f"Credential(kind={self.kind!r})"

    @classmethod
    def password(cls, password: str) -> Credential:
        return cls("password", lambda _force: password)

    @classmethod
    def token(cls, token: str, refresh: Callable[[], str] | None = None) -> Credential:
        """A fixed access token, optionally with a callable returning a refreshed one."""

        def get(force: bool) -> str:
            return refresh() if force and refresh else token

        return cls("oauth", get, refreshable=refresh is not None)


@dataclass(frozen=True)
class ServerInfo:
    """What `MailClient.connect` learned about the server."""

    greeting: str
    capabilities: tuple[str, ...]
    tls: str  # "implicit TLS", "STARTTLS" or "none (plaintext)"
    tls_version: str | None
    cipher: str | None


def sasl_initial_response(mechanism: str, username: str, token: str) -> bytes:
    """The SASL client response for XOAUTH2 or OAUTHBEARER (RFC 7628 section 3.1)."""
    if mechanism == "oauthbearer":
        gs2 = "n,a=" + username.replace("=", "=3D").replace(",", "=2C") + ","
        return f"{gs2}\x01auth=Bearer {token}\x01\x01".encode()
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


class MailClient:
    """One IMAP connection. See the module docstring for the threading contract."""

    def __init__(
        self,
        host: str,
        port: int = 0,
        *,
        protocol: str = "imaps",
        username: str = "",
        sasl: str = "xoauth2",
        ca_file: str = "",
        timeout: float = 30.0,
        allow_plaintext: bool = False,
    ) -> None:
        self.host = host
        self.protocol = protocol
        self.port = port or DEFAULT_PORTS.get(protocol, 993)
        self.username = username
        self.sasl = sasl
        self.ca_file = ca_file or None
        self.timeout = timeout
        self.allow_plaintext = allow_plaintext
        self.info: ServerInfo | None = None
        self._imap: Any = None
        self._lock = threading.RLock()
        self._aborted = False
        self._secrets: list[str] = []
        self._selected: str | None = None
        self._selected_rw = False
        self._select_info: dict[bytes, Any] = {}

    def __repr__(self) -> str:
        return f"MailClient({self.host!r}, {self.port}, protocol={self.protocol!r})"

    @classmethod
    def from_component(cls, comp: Any, username: str | None = None) -> MailClient:
        """A client for a `tui.components.MailComponent` (``username`` overrides its own)."""
        return cls(
            comp.host,
            comp.port,
            protocol=comp.protocol,
            username=username if username is not None else comp.username,
            sasl=comp.sasl,
            ca_file=comp.ca_file,
            timeout=comp.timeout,
            allow_plaintext=comp.allow_plaintext,
        )

    # -- plumbing ---------------------------------------------------------------------

    def __enter__(self) -> MailClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _op(self, doing: str) -> Iterator[Any]:
        """Serialize an operation and translate its failures into `MailError`s."""
        with self._lock:
            if self._aborted:
                raise MailCancelled("the mail operation was cancelled")
            if self._imap is None and doing != "connecting":
                raise MailProtocolError("not connected to the mail server")
            try:
                yield self._imap
            except (MailError, ReauthorizationNeeded):
                raise
            except Exception as exc:
                if self._aborted:
                    raise MailCancelled("the mail operation was cancelled") from None
                raise translate(
                    exc,
                    host=self.host,
                    port=self.port,
                    timeout=self.timeout,
                    ca_file=self.ca_file,
                    secrets=self._secrets,
                    doing=doing,
                ) from None

    def ssl_context(self) -> ssl.SSLContext:
        """Verifying TLS context: the system CAs, or only the component's CA file."""
        try:
            ctx = ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(
                f"cannot read the CA file {self.ca_file}: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    # -- connect and log in -------------------------------------------------------------

    def connect(self) -> ServerInfo:
        """Open the connection and secure it; returns the greeting and capabilities."""
        from imapclient import IMAPClient

        ctx = self.ssl_context()
        with self._op("connecting"):
            timeout = _socket_timeout(self.timeout)
            if self.protocol == "imaps":
                imap = IMAPClient(self.host, self.port, ssl=True, ssl_context=ctx, timeout=timeout)
                mode = "implicit TLS"
            else:
                imap = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
                self._imap = imap
                if imap.has_capability("STARTTLS"):
                    imap.starttls(ctx)
                    mode = "STARTTLS"
                elif self.allow_plaintext and is_loopback_host(self.host):
                    mode = "none (plaintext)"
                else:
                    self._drop()
                    raise MailPlaintextRefused(
                        f"{self.host}:{self.port} does not offer STARTTLS; refusing to log in "
                        "without encryption",
                        hint="Use protocol imaps, or (loopback test servers only) allow plaintext.",
                    )
            imap.normalise_times = False
            self._imap = imap
            if self._aborted:  # abort() came while the constructor was connecting
                self._drop()
                raise MailCancelled("the mail operation was cancelled")
            caps = tuple(c.decode("ascii", "replace") for c in imap.capabilities())
            greeting = _greeting_text(imap.welcome or b"")
            sock = imap.socket()
            version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
            suite = sock.cipher() if isinstance(sock, ssl.SSLSocket) else None
            cipher = suite[0] if suite else None
            self.info = ServerInfo(greeting, caps, mode, version, cipher)
            return self.info

    def _drop(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            try:
                imap.shutdown()
            except Exception:  # noqa: BLE001 - already failing or closing
                pass

    def login(self, credential: Credential) -> None:
        """Authenticate; an OAuth rejection triggers one forced refresh and one retry.

        Raises:
            MailAuthenticationFailed: the server rejected the password, or the token
                even after a refresh.
            ReauthorizationNeeded: the refresh itself said the grant is gone.
        """
        if not self.username:
            raise MailAuthenticationFailed(
                "no username to log in with",
                hint="Set the component's username (or authorize so the token names it).",
            )
        if credential.kind == "password":
            self._login_password(credential.secret(False))
            return
        token = credential.secret(False)
        try:
            self._login_oauth(token)
            return
        except MailAuthenticationFailed:
            if not credential.refreshable:
                raise
        token = credential.secret(True)  # may raise ReauthorizationNeeded
        try:
            self._login_oauth(token)
        except MailAuthenticationFailed as exc:
            raise MailAuthenticationFailed(
                f"{exc.message} (also with a freshly refreshed token)",
                hint="Check the username matches the token's account and that the token's "
                "scope includes IMAP access.",
            ) from None

    def _login_password(self, password: str) -> None:
        self._secrets.append(password)
        with self._op("logging in") as imap:
            caps = self._server_caps()
            if "LOGINDISABLED" in caps:
                raise MailAuthenticationFailed(f"{self.host} does not allow password login here")
            try:
                if "AUTH=PLAIN" in caps:
                    # AUTHENTICATE PLAIN carries UTF-8 passwords, which LOGIN cannot.
                    response = f"\0{self.username}\0{password}".encode()
                    self._authenticate(imap, "PLAIN", response)
                else:
                    imap.login(self.username, password)
            except MailError:
                raise
            except Exception as exc:
                if _is_auth_failure(exc):
                    raise MailAuthenticationFailed(
                        f"{self.host} rejected the password for {self.username}: "
                        f"{_server_reason(exc, self._secrets)}"
                    ) from None
                raise

    def _login_oauth(self, token: str) -> None:
        mech = self.sasl.upper()
        response = sasl_initial_response(self.sasl, self.username, token)
        self._secrets += [token, base64.b64encode(response).decode("ascii")]
        with self._op("logging in") as imap:
            if f"AUTH={mech}" not in self._server_caps():
                raise MailAuthenticationFailed(
                    f"{self.host} does not offer SASL {mech}",
                    hint="Try the other SASL mechanism (xoauth2 / oauthbearer).",
                )
            status: list[str] = []
            try:
                self._authenticate(imap, mech, response, status)
            except MailError:
                raise
            except Exception as exc:
                if _is_auth_failure(exc):
                    said = f" (status {status[0]})" if status else ""
                    raise MailAuthenticationFailed(
                        f"{self.host} rejected the OAuth token for {self.username} ({mech}): "
                        f"{_server_reason(exc, self._secrets)}{said}"
                    ) from None
                raise

    def _server_caps(self) -> set[str]:
        return {c.upper() for c in (self.info.capabilities if self.info else ())}

    def _authenticate(
        self, imap: Any, mech: str, response: bytes, status: list[str] | None = None
    ) -> None:
        """AUTHENTICATE with one client response; end an error challenge as RFC 7628 says.

        The OAuth status the server sent in an error challenge (e.g. ``invalid_token``,
        ``401``) is appended to ``status``.
        """
        steps = 0

        def step(challenge: bytes) -> bytes:
            nonlocal steps
            steps += 1
            if steps == 1 and not challenge:
                return response
            # The server answered with an error status (a JSON document); the exchange
            # ends with a dummy response: %x01 for OAUTHBEARER, empty for XOAUTH2.
            if status is not None:
                status.append(_oauth_status(challenge))
            return b"\x01" if mech == "OAUTHBEARER" else b""

        imap._imap.authenticate(mech, step)
        imap._cached_capabilities = None

    def capabilities(self) -> tuple[str, ...]:
        """Current capabilities (they may change after login)."""
        with self._op("reading capabilities") as imap:
            return tuple(c.decode("ascii", "replace") for c in imap.capabilities())

    # -- reading ------------------------------------------------------------------------

    def folders(self) -> list[Folder]:
        """Every folder, sorted with INBOX first then by name."""
        with self._op("listing folders") as imap:
            rows = imap.list_folders()
        out = []
        for flags, delim, name in rows:
            names = tuple(f.decode("ascii", "replace") for f in flags)
            out.append(
                Folder(
                    name=str(name),
                    delimiter=(delim or b"").decode("ascii", "replace"),
                    flags=names,
                    selectable="\\noselect" not in {f.lower() for f in names},
                )
            )
        out.sort(key=lambda f: (f.name.upper() != "INBOX", f.name.casefold()))
        return out

    def _examine(self, imap: Any, folder: str, *, refresh: bool) -> dict[bytes, Any]:
        if refresh or folder != self._selected or self._selected_rw:
            try:
                self._select_info = imap.select_folder(folder, readonly=True)
            except Exception as exc:
                text = _server_reason(exc, self._secrets)
                if "NONEXISTENT" in text or "doesn't exist" in text or "not exist" in text:
                    raise MailNotFound(
                        f"no folder named {folder!r} on {self.host} (server: {text})",
                        hint="'tokendesk mail folders NAME' lists the folders",
                    ) from None
                raise
            self._selected, self._selected_rw = folder, False
        return self._select_info

    def select(self, folder: str) -> int:
        """EXAMINE ``folder`` (read-only) and return its message count."""
        with self._op(f"opening folder {folder!r}") as imap:
            return int(self._examine(imap, folder, refresh=True).get(b"EXISTS", 0))

    def page(
        self, folder: str = "INBOX", before_uid: int | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page:
        """Up to ``limit`` messages with UID < ``before_uid`` (all when None), newest first.

        The first page (``before_uid=None``) re-opens the folder, so it shows new mail.
        Pass ``page.next_before_uid`` to get the next older page.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise MailError(f"page size must be from 1 to {MAX_LIMIT}, got {limit}")
        with self._op(f"listing folder {folder!r}") as imap:
            info = self._examine(imap, folder, refresh=before_uid is None)
            total = int(info.get(b"EXISTS", 0))
            uidvalidity = info.get(b"UIDVALIDITY")
            if before_uid is None:
                upper = total
            elif before_uid <= 1:
                upper = 0
            else:
                upper = self._count_below(imap, before_uid)
            if upper <= 0:
                return Page(folder, (), total, None, uidvalidity)
            lower = max(1, upper - limit + 1)
            imap.use_uid = False
            try:
                rows = imap.fetch(list(range(lower, upper + 1)), LIST_ITEMS)
            finally:
                imap.use_uid = True
            summaries = [_summary(r) for r in rows.values() if b"UID" in r]
            if before_uid is not None:
                summaries = [s for s in summaries if s.uid < before_uid]
            summaries = self._repair_senders(imap, summaries, rows)
        summaries.sort(key=lambda s: s.uid, reverse=True)
        cursor = summaries[-1].uid if summaries and lower > 1 else None
        return Page(folder, tuple(summaries), total, cursor, uidvalidity)

    def _count_below(self, imap: Any, uid: int) -> int:
        """How many messages have a UID below ``uid`` (= the sequence number to end at)."""
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

    def _repair_senders(
        self, imap: Any, summaries: list[MessageSummary], rows: dict[int, Any]
    ) -> list[MessageSummary]:
        """Re-read the From header of messages whose ENVELOPE address did not parse."""
        broken = {}
        for seq, row in rows.items():
            env = row.get(b"ENVELOPE")
            addrs = getattr(env, "from_", None) or ()
            if any(
                _BROKEN_ADDRESS.search(bytes(a.mailbox or b"") + bytes(a.host or b""))
                for a in addrs
            ):
                broken[int(row[b"UID"])] = seq
        if not broken:
            return summaries
        fetched = imap.fetch(sorted(broken), ["BODY.PEEK[HEADER.FIELDS (FROM)]"])
        fixed = {}
        for uid, row in fetched.items():
            raw = next((v for k, v in row.items() if k.startswith(b"BODY[HEADER")), b"")
            value = raw.split(b":", 1)[1] if b":" in raw else b""
            fixed[uid] = header_text(value)
        return [_replace(s, sender=fixed[s.uid]) if fixed.get(s.uid) else s for s in summaries]

    def message(self, uid: int, folder: str = "INBOX") -> MessageView:
        """Open one message by UID without marking it \\Seen."""
        with self._op(f"reading message {uid} in {folder!r}") as imap:
            self._examine(imap, folder, refresh=False)
            first = imap.fetch(
                [uid],
                ["FLAGS", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE",
                 f"BODY.PEEK[]<0.{FULL_FETCH_LIMIT}>"],
            )  # fmt: skip
            row = first.get(uid)
            if row is None:
                raise MailNotFound(f"no message with UID {uid} in {folder!r}")
            size = int(row.get(b"RFC822.SIZE", 0))
            flags = _flags(row.get(b"FLAGS", ()))
            internal = row.get(b"INTERNALDATE")
            structure = row.get(b"BODYSTRUCTURE")
            raw = next((v for k, v in row.items() if k.startswith(b"BODY[]")), b"") or b""
            if size <= FULL_FETCH_LIMIT or not _is_multipart(structure):
                if size > FULL_FETCH_LIMIT:  # one huge single part: headers + start of text
                    raw = self._fetch_one(imap, uid, "BODY.PEEK[HEADER]") + self._fetch_one(
                        imap, uid, f"BODY.PEEK[TEXT]<0.{TEXT_LIMIT}>"
                    )
                msg = message_from_bytes(raw, policy=compat32)
                body, body_type, atts = body_and_attachments(msg)
                attachments = tuple(Attachment(n, t, s, p) for n, t, s, p in atts)
            else:
                msg, body, body_type, attachments = self._structured(imap, uid, structure)
        return _view(uid, folder, msg, flags, size, internal, body, body_type, attachments)

    def _fetch_one(self, imap: Any, uid: int, item: str) -> bytes:
        row = imap.fetch([uid], [item]).get(uid, {})
        key = item.replace(".PEEK", "").split("<")[0].encode()
        for k, v in row.items():
            if k.startswith(key):
                return v or b""
        return b""

    def _structured(
        self, imap: Any, uid: int, structure: Any
    ) -> tuple[Message, str, str, tuple[Attachment, ...]]:
        """Read a big multipart message part by part: headers, one text part, sizes."""
        leaves = list(_leaf_parts(structure))[:MAX_PARTS]
        binary = imap.has_capability("BINARY")
        items = ["BODY.PEEK[HEADER]"] + [f"BODY.PEEK[{n}.MIME]" for n, _ in leaves]
        if binary:
            items += [f"BINARY.SIZE[{n}]" for n, _ in leaves]
        row = imap.fetch([uid], items).get(uid, {})
        msg = message_from_bytes(row.get(b"BODY[HEADER]", b""), policy=compat32)
        plain = html = None
        attachments = []
        for number, _leaf in leaves:
            mime = row.get(f"BODY[{number}.MIME]".encode(), b"") or b""
            part = message_from_bytes(_join_mime(mime, b""), policy=compat32)
            if is_attachment(part):
                size = row.get(f"BINARY.SIZE[{number}]".encode())
                if size is None:
                    size = _estimate_size(structure, number)
                attachments.append(
                    Attachment(part_filename(part), part.get_content_type(), int(size), number)
                )
            elif part.get_content_type() == "text/html":
                html = html or number
            else:
                plain = plain or number
        chosen = plain or html
        body, body_type = "", ""
        if chosen:
            data = self._fetch_one(imap, uid, f"BODY.PEEK[{chosen}]<0.{TEXT_LIMIT}>")
            mime = row.get(f"BODY[{chosen}.MIME]".encode(), b"") or b""
            text = part_text(message_from_bytes(_join_mime(mime, data), policy=compat32))
            if chosen == plain:
                body, body_type = clean_text(text), "text/plain"
            else:
                from .decode import html_to_text

                body, body_type = clean_text(html_to_text(text)), "text/html"
        return msg, body, body_type, tuple(attachments)

    def set_seen(self, uid: int, folder: str = "INBOX", seen: bool = True) -> None:
        """Add (or remove) the \\Seen flag: the only write this client ever does."""
        with self._op(f"marking message {uid} as {'seen' if seen else 'unseen'}") as imap:
            imap.select_folder(folder, readonly=False)
            self._selected, self._selected_rw = folder, True
            if seen:
                imap.add_flags([uid], [b"\\Seen"], silent=True)
            else:
                imap.remove_flags([uid], [b"\\Seen"], silent=True)

    # -- closing ------------------------------------------------------------------------

    def abort(self) -> None:
        """Cancel from any thread: shut the socket so a blocked call returns at once."""
        self._aborted = True
        imap = self._imap
        if imap is not None:
            try:
                imap.socket().shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass

    def close(self) -> None:
        """Log out (best effort) and close the connection. Safe to call twice."""
        if self._aborted:
            with self._lock:
                self._drop()
            return
        with self._lock:
            imap = self._imap
            if imap is None:
                return
            try:
                imap.logout()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
            self._drop()


# -- helpers -------------------------------------------------------------------------------


def _socket_timeout(seconds: float) -> Any:
    from imapclient import SocketTimeout

    return SocketTimeout(connect=seconds, read=seconds)


def _is_auth_failure(exc: BaseException) -> bool:
    from imaplib import IMAP4

    return isinstance(exc, IMAP4.error) and not isinstance(exc, IMAP4.abort)


def _server_reason(exc: BaseException, secrets: list[str]) -> str:
    text = str(exc.args[0] if exc.args else exc)
    if isinstance(exc.args[0] if exc.args else None, bytes):
        text = exc.args[0].decode("utf-8", "replace")
    return redact(" ".join(text.split()), secrets)[:300] or "authentication failed"


def _greeting_text(welcome: bytes) -> str:
    """The human part of the server greeting, without ``* OK`` and a response code."""
    text = welcome.decode("utf-8", "replace")
    text = re.sub(r"^\*\s+(OK|PREAUTH)\s+", "", text, flags=re.I)
    text = re.sub(r"^\[[^\]]*\]\s*", "", text)
    return clean_text(text).strip()


def _join_mime(mime: bytes, body: bytes) -> bytes:
    """A parseable message from a part's MIME header block and its body."""
    if not mime.endswith((b"\r\n\r\n", b"\n\n")):
        mime = mime.rstrip(b"\r\n") + b"\r\n\r\n"
    return mime + body


def _plain_tz(date: Any) -> datetime | None:
    """A datetime with a standard `timezone` (imapclient uses its own tzinfo class)."""
    if not isinstance(date, datetime):
        return None
    offset = date.utcoffset()
    return date if offset is None else date.replace(tzinfo=timezone(offset))


def _oauth_status(challenge: bytes) -> str:
    import json

    try:
        doc = json.loads(challenge.decode("utf-8", "replace"))
        return clean_text(str(doc.get("status", "")))[:40] or "unknown"
    except (ValueError, AttributeError):
        return "unknown"


def _flags(raw: Any) -> tuple[str, ...]:
    out = []
    for f in raw or ():
        text = f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
        if text.lower() != "\\recent":  # per-session noise, not a property of the message
            out.append(text)
    return tuple(out)


def _summary(row: dict[bytes, Any]) -> MessageSummary:
    env = row.get(b"ENVELOPE")
    date = getattr(env, "date", None) or row.get(b"INTERNALDATE")
    date = _plain_tz(date)
    return MessageSummary(
        uid=int(row[b"UID"]),
        date=date if isinstance(date, datetime) else None,
        sender=envelope_sender(getattr(env, "from_", None)),
        subject=header_text(getattr(env, "subject", None)),
        flags=_flags(row.get(b"FLAGS")),
        size=int(row.get(b"RFC822.SIZE", 0) or 0),
    )


def _replace(s: MessageSummary, **changes: Any) -> MessageSummary:
    from dataclasses import replace

    return replace(s, **changes)


def _is_multipart(structure: Any) -> bool:
    return bool(structure) and isinstance(structure[0], list)


def _leaf_parts(structure: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(part_number, leaf)`` for every non-multipart part of a BODYSTRUCTURE."""
    if _is_multipart(structure):
        for i, sub in enumerate(structure[0], start=1):
            yield from _leaf_parts(sub, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield (prefix or "1"), structure


def _estimate_size(structure: Any, number: str) -> int:
    """Decoded size from BODYSTRUCTURE when the server lacks BINARY (base64 is 4/3 + CRLFs)."""
    for n, leaf in _leaf_parts(structure):
        if n == number:
            try:
                size = int(leaf[6])
                encoding = (leaf[5] or b"").lower()
            except (IndexError, TypeError, ValueError):
                return 0
            return size * 57 // 78 if encoding == b"base64" else size
    return 0


def _view(
    uid: int,
    folder: str,
    msg: Message,
    flags: tuple[str, ...],
    size: int,
    internal: Any,
    body: str,
    body_type: str,
    attachments: tuple[Attachment, ...],
) -> MessageView:
    headers = tuple((clean_text(k), header_text(v)) for k, v in msg.raw_items())
    first: dict[str, str] = {}
    for k, v in headers:
        first.setdefault(k.lower(), v)
    date = parse_date(first.get("date", ""))
    if date is None:
        date = _plain_tz(internal)
    return MessageView(
        uid=uid,
        folder=folder,
        subject=first.get("subject", ""),
        sender=first.get("from", ""),
        to=first.get("to", ""),
        cc=first.get("cc", ""),
        date=date,
        flags=flags,
        size=size,
        headers=headers,
        body=body,
        body_type=body_type,
        attachments=attachments,
        message_id=first.get("message-id", ""),
    )
