"""What every mail connection shares, whatever the protocol (IMAP, POP3, SMTP submission).

- `tls_context`: a verifying TLS context (the system CAs, or only the component's CA file).
- `secure_mode`: the implicit-TLS / STARTTLS / plaintext rule: STARTTLS must be offered
  unless plaintext was explicitly allowed for a loopback host.
- `Guard`: serializes the operations on one connection, makes `abort` from another
  thread cancel them, and maps their failures (socket, ssl, protocol) to `MailError`s
  with every secret redacted. Protocol clients own one and run each command inside
  ``guard.op(doing)``.
- `Stream`: a socket with bounded line reads and a per-connection timeout, for the
  line protocols (POP3) that do not go through a library; `open_stream` connects one.
- `network_error` / `tls_error`: socket and ssl exceptions as `MailError`s.
- `greeting_text`: the human part of a server greeting.

Bounds that apply to one connection (timeouts, the longest line, the largest response)
live here so that every protocol gets them.
"""

from __future__ import annotations

import io
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tui.core.errors import Action, MailError, NextStep, ReauthorizationNeeded
from tui.core.mail.bounds import BoundedReader, Budget
from tui.core.mail.errors import (
    MailCancelled,
    MailConnectionRefused,
    MailDNSError,
    MailPlaintextRefused,
    MailProtocolError,
    MailTimeout,
    MailTLSError,
    redact,
)
from tui.core.mail.settings import ConnectionSettings
from tui.core.models.base import is_loopback_host
from tui.core.text import sanitize

__all__ = [
    "MAX_LINE",
    "Guard",
    "Stream",
    "greeting_text",
    "network_error",
    "open_stream",
    "secure_mode",
    "tls_context",
    "tls_details",
    "tls_error",
]

MAX_LINE = 8192
"""Longest protocol line accepted from a server (RFC 5321 allows 512, POP3 512 octets)."""

IMPLICIT = "implicit TLS"
STARTTLS = "STARTTLS"
PLAINTEXT = "none (plaintext)"


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verifying TLS context (TLS 1.2 or newer): the system CAs, or only ``ca_file``."""
    try:
        ctx = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(
            f"cannot read the CA file {ca_file}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def tls_details(sock: object) -> tuple[str | None, str | None]:
    """The TLS version and cipher of ``sock``, or ``(None, None)`` for a plain socket."""
    if not isinstance(sock, ssl.SSLSocket):
        return None, None
    suite = sock.cipher()
    return sock.version(), suite[0] if suite else None


def secure_mode(settings: ConnectionSettings, *, starttls_offered: bool) -> str:
    """How a connection is secured: implicit TLS, STARTTLS, or plaintext when allowed.

    Plaintext is allowed only when the component asks for it and the host is loopback;
    otherwise a server without STARTTLS is refused before any credential is sent.

    Raises:
        MailPlaintextRefused: no STARTTLS and plaintext not allowed.
    """
    if settings.implicit_tls:
        return IMPLICIT
    if starttls_offered:
        return STARTTLS
    if settings.allow_plaintext and is_loopback_host(settings.host):
        return PLAINTEXT
    secure = settings.secure_protocol
    raise MailPlaintextRefused(
        f"{settings.host}:{settings.port} does not offer STARTTLS; "
        "refusing to log in without encryption",
        advice=f"Use protocol {secure}, or (loopback test servers only) allow plaintext.",
        next_step=NextStep(Action.EDIT_COMPONENT, field="protocol", value=secure),
    )


_GREETING_PREFIX = re.compile(r"^(?:\*\s+(?:OK|PREAUTH)|\+OK|220[ -])\s*", re.I)


def greeting_text(welcome: bytes) -> str:
    """The human part of a server greeting, without ``* OK``/``+OK``/``220`` and a code."""
    text = welcome.decode("utf-8", "replace")
    text = _GREETING_PREFIX.sub("", text)
    text = re.sub(r"^\[[^\]]*\]\s*", "", text)
    return sanitize(text)  # the server's words: one safe line


def tls_error(
    exc: ssl.SSLError, host: str, port: int, ca_file: str | None, plain_hint: str | None = None
) -> MailTLSError:
    """A `MailTLSError` naming what was wrong with the server's certificate.

    ``plain_hint`` is the advice when the port answered in plaintext instead of TLS.
    """
    where = f"{host}:{port}"
    trust = f"the CA file {ca_file}" if ca_file else "the system's trusted CAs"
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", None)
        detail = getattr(exc, "verify_message", "") or ""
        if code == 62 or "hostname" in detail.lower() or "IP address mismatch" in detail:
            return MailTLSError(
                f"TLS certificate of {where} is not valid for the name {host!r}",
                reason="hostname",
                advice="Connect using a host name the certificate lists.",
            )
        if code == 10 or "expired" in detail.lower():
            return MailTLSError(
                f"TLS certificate of {where} has expired",
                reason="expired",
                advice="The server's administrator must renew it.",
            )
        if code == 9 or "not yet valid" in detail.lower():
            return MailTLSError(f"TLS certificate of {where} is not yet valid", reason="expired")
        if code in (2, 18, 19, 20, 21) or "issuer" in detail.lower() or "self" in detail.lower():
            return MailTLSError(
                f"TLS certificate of {where} is not signed by a trusted CA ({trust})",
                reason="untrusted",
                advice="For a private or corporate CA, set the component's CA file.",
                next_step=NextStep(Action.EDIT_COMPONENT, field="ca_file"),
            )
        return MailTLSError(f"TLS certificate of {where} was rejected: {detail}", reason="other")
    reason = getattr(exc, "reason", None) or str(exc)
    if reason == "WRONG_VERSION_NUMBER":
        # A plaintext greeting ("* OK ...", "+OK", "220 ...") where TLS was expected.
        return MailTLSError(
            f"TLS handshake with {where} failed: the server does not speak TLS on this port",
            reason="other",
            advice=plain_hint or "this looks like a plaintext port: use STARTTLS or the TLS port",
            next_step=NextStep(Action.EDIT_COMPONENT, field="protocol"),
        )
    return MailTLSError(f"TLS handshake with {where} failed: {reason}", reason="other")


def network_error(
    exc: BaseException,
    settings: ConnectionSettings,
    *,
    secrets: Iterable[str] = (),
    doing: str = "",
    service: str = "mail",
    plain_hint: str | None = None,
) -> MailError | None:
    """The `MailError` for a socket/ssl/OS exception, or None for any other exception.

    ``settings`` name the server, its timeout and CA file; ``service`` names the server in
    hints (IMAP, POP3, SMTP); ``plain_hint`` is the advice when a TLS port answered in
    plaintext.
    """
    host, port = settings.host, settings.port
    where = f"{host}:{port}"
    what = f" while {doing}" if doing else ""
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, socket.gaierror):
        return MailDNSError(
            f"cannot resolve the host name {host!r}",
            advice="Check the host name and your network/DNS.",
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailConnectionRefused(
            f"connection to {where} refused",
            advice=f"Check the host and port; is the {service} server running?",
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailTimeout(f"no answer from {where} within {settings.timeout:g} s{what}")
    if isinstance(exc, ssl.SSLError):
        return tls_error(exc, host, port, settings.ca_file, plain_hint)
    if isinstance(exc, EOFError):
        return MailProtocolError(f"connection to {where} lost{what}")
    if isinstance(exc, OSError):
        text = exc.strerror or str(exc)
        return MailProtocolError(f"network error with {where}{what}: {redact(text, secrets)}")
    return None


class Guard:
    """One connection's lock, cancellation flag, secrets and error mapping.

    ``settings`` name the server (for errors) and the component and environment (for an
    error's next step); ``socket`` returns the live socket, for `abort`. ``translate``
    maps an exception the protocol library raised to a `MailError` (protocol-specific
    errors first, then `network_error`).
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        translate: Callable[[BaseException, str], MailError],
        socket: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.secrets: list[str] = []
        """Everything redacted from error texts (passwords, tokens, SASL responses)."""
        self.aborted = False
        self.lock = threading.RLock()
        self._translate = translate
        self.socket = socket
        """Returns the live socket, so `abort` can shut it down."""
        self.budget = Budget(settings.host, settings.timeout)
        """This operation's bounds (started by `op`)."""

    @contextmanager
    def op(self, doing: str) -> Iterator[None]:
        """Serialize an operation and translate its failures into `MailError`s."""
        with self.lock:
            if self.aborted:
                raise MailCancelled("the mail operation was cancelled")
            self.budget.start(doing)
            try:
                yield
            except ReauthorizationNeeded:
                raise
            except MailError as exc:
                self._about(exc)
                raise
            except Exception as exc:
                if self.aborted:
                    raise MailCancelled("the mail operation was cancelled") from None
                raise self._about(self._translate(exc, doing)) from None

    def _about(self, error: MailError) -> MailError:
        """``error`` with its next step naming this connection's component and environment
        (the transport and the protocol code do not know them)."""
        step, name = error.next_step, self.settings.component
        if step is not None and name:
            error.next_step = step.about(name, self.settings.env)
        return error

    def network_error(
        self, exc: BaseException, doing: str, service: str, plain_hint: str | None = None
    ) -> MailError | None:
        """`network_error` with this connection's place, timeout, CA file and secrets."""
        return network_error(
            exc,
            self.settings,
            secrets=self.secrets,
            doing=doing,
            service=service,
            plain_hint=plain_hint,
        )

    def abort(self) -> None:
        """Cancel from any thread: shut the socket so a blocked call returns at once."""
        self.aborted = True
        get = self.socket
        if get is None:
            return
        try:
            get().shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass


class Stream:
    """A connected socket with bounded line reads (CRLF lines of at most `MAX_LINE`)."""

    def __init__(self, sock: socket.socket, host: str, budget: Budget | None = None) -> None:
        self.sock = sock
        self.host = host
        self._budget = budget
        self._file = self._reader()

    def _reader(self) -> io.BufferedIOBase:
        # Under a budget every read checks the operation's deadline and byte cap: the
        # socket timeout alone never fires while a server keeps trickling.
        if self._budget is None:
            return self.sock.makefile("rb")
        return io.BufferedReader(BoundedReader(self.sock, self._budget), 65536)

    def readline(self) -> bytes:
        """One line without its CRLF; a longer line or a closed connection is an error."""
        line = self._file.readline(MAX_LINE + 2)
        if not line:
            raise EOFError("connection closed by the server")
        if not line.endswith(b"\n"):
            raise MailProtocolError(
                f"{self.host} sent a line longer than {MAX_LINE} bytes; giving up"
            )
        return line.rstrip(b"\r\n")

    def read_piece(self) -> bytes:
        """A line with its line break, or (for a longer line) its next `MAX_LINE` bytes
        without one: multi-line data may have lines of any length, read in pieces."""
        piece = self._file.readline(MAX_LINE)
        if not piece:
            raise EOFError("connection closed by the server")
        return piece

    def send(self, data: bytes) -> None:
        """Write ``data`` (a whole command line, CRLF included)."""
        self.sock.sendall(data)

    def starttls(self, ctx: ssl.SSLContext) -> None:
        """Wrap the socket in TLS (after the server agreed to STARTTLS/STLS)."""
        self._file.close()
        self.sock = ctx.wrap_socket(self.sock, server_hostname=self.host)
        self._file = self._reader()

    def close(self) -> None:
        """Close the connection (no goodbye)."""
        try:
            self._file.close()
        finally:
            self.sock.close()


def open_stream(
    host: str,
    port: int,
    timeout: float,
    ctx: ssl.SSLContext | None,
    budget: Budget | None = None,
) -> Stream:
    """Connect to ``host:port`` within ``timeout``; with ``ctx``, handshake TLS at once;
    with ``budget`` (a `Guard`'s), every read is bounded by the operation's deadline."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if ctx is not None:
            sock = ctx.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    return Stream(sock, host, budget)
