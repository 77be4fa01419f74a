"""The email components' shared base, and the inbound one: where to read mail.

`ServerComponent` holds the fields and checks every mail component shares (host, port,
login, TLS rules); `MailComponent` (IMAP, POP3) here and
`tui.core.models.outbound.OutboundComponent` (SMTP submission) build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

from tui.core.errors import ValidationError
from tui.core.models.base import (
    check_name,
    fields_dict,
    is_ipv6,
    is_loopback_host,
    known_fields,
    parse_variable_ref,
    set_field,
    trusted,
)

Protocol = Literal["imaps", "imap", "pop3s", "pop3"]
MailAuth = Literal["oauth", "password"]
Sasl = Literal["xoauth2", "oauthbearer"]
Content = Literal["both", "body", "attachments"]


PROTOCOLS: tuple[str, ...] = ("imaps", "imap", "pop3s", "pop3")
POP3_PROTOCOLS: tuple[str, ...] = ("pop3s", "pop3")
STARTTLS_PROTOCOLS: tuple[str, ...] = ("imap", "pop3", "smtp")
"""Protocols that upgrade a plaintext connection (the only ones that may allow plaintext)."""
MAIL_AUTHS: tuple[str, ...] = ("oauth", "password")
SASL_MECHANISMS: tuple[str, ...] = ("xoauth2", "oauthbearer")
CONTENTS: tuple[str, ...] = ("both", "body", "attachments")
DEFAULT_PORTS = {"imaps": 993, "imap": 143, "pop3s": 995, "pop3": 110, "smtps": 465, "smtp": 587}


@dataclass(frozen=True, init=False, repr=False, eq=False)
class ServerComponent:
    """What every email component has: a server, its TLS rules, and a login.

    A subclass names its ``KIND`` and its ``PROTOCOLS`` (and redeclares ``protocol`` with
    its own type and default); its own fields come after these. Only the subclasses are
    built, so only they get ``__init__``, ``__repr__`` and ``__eq__``: generating them here
    too would cost every ``mail list`` half a millisecond at start-up.
    """

    KIND: ClassVar[str]
    PROTOCOLS: ClassVar[tuple[str, ...]]

    name: str
    """Unique component name."""
    host: str
    """Server host name or address."""
    protocol: str
    """The protocol (the subclass lists them); the ``s`` ones are implicit TLS."""
    port: int = 0
    """Server port; 0 becomes the protocol's default."""
    username: str = ""
    """Login name; for OAuth it may default to the token's email claim."""
    auth: MailAuth = "oauth"
    """``oauth`` (an access token from an OAuth2 component) or ``password``."""
    token_ref: str = ""
    """``@Variable`` (or ``@{Variable}``) of the OAuth2 component, for ``oauth``."""
    password: str = field(default="", repr=False)
    """Password for ``password`` authentication. Never shown."""
    sasl: Sasl = "xoauth2"
    """SASL mechanism for OAuth: ``xoauth2`` or ``oauthbearer``."""
    ca_file: str = ""
    """PEM file of extra CA certificates, optional."""
    timeout: float = 30.0
    """Network timeout in seconds."""
    allow_plaintext: bool = False
    """Log in without TLS when STARTTLS is missing; only for loopback hosts."""

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.protocol not in self.PROTOCOLS:
            *most, last = self.PROTOCOLS
            raise ValidationError(f"Protocol must be {', '.join(most)} or {last}", field="protocol")
        self._check_host()
        self._check_login()
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float):
            raise ValidationError("Timeout must be a number of seconds", field="timeout")
        if not 0 < self.timeout <= 600:
            raise ValidationError("Timeout must be between 0 and 600 seconds", field="timeout")
        plain_ok = self.protocol in STARTTLS_PROTOCOLS and is_loopback_host(self.host)
        if self.allow_plaintext and not plain_ok:
            raise ValidationError(
                f"plaintext login is only allowed for protocol {self.protocol.rstrip('s')} "
                "on a loopback host",
                field="allow_plaintext",
            )

    def _check_host(self) -> None:
        """Host (trimmed) and port (0 -> the protocol's default)."""
        host = self.host.strip()
        if not host:
            raise ValidationError("Host is required (a host name or address)", field="host")
        if any(c.isspace() or c in "/@:" for c in host.strip("[]")) and not is_ipv6(host):
            raise ValidationError(
                f"Host {host!r} is not a host name or address (no scheme, port or spaces)",
                field="host",
            )
        set_field(self, "host", host)
        if type(self.port) is not int or not 0 <= self.port <= 65535:
            raise ValidationError("Port must be from 1 to 65535", field="port")
        if self.port == 0:
            set_field(self, "port", DEFAULT_PORTS[self.protocol])

    def _check_login(self) -> None:
        """OAuth: the token reference (normalised to ``@Name``) and the SASL mechanism;
        password: a username and a password."""
        if self.auth not in MAIL_AUTHS:
            raise ValidationError("Authentication Type must be oauth or password", field="auth")
        if self.auth == "oauth":
            var = parse_variable_ref(self.token_ref)
            set_field(self, "token_ref", f"@{var}")
            if self.sasl not in SASL_MECHANISMS:
                raise ValidationError("SASL mechanism must be xoauth2 or oauthbearer", field="sasl")
        else:
            if not self.username.strip():
                raise ValidationError("Username is required for password login", field="username")
            if not self.password:
                raise ValidationError("Password is required for password login", field="password")

    @property
    def variable(self) -> str | None:
        """The referenced OAuth variable name, for ``oauth`` authentication."""
        return parse_variable_ref(self.token_ref) if self.auth == "oauth" else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form for the vault."""
        d = fields_dict(self)
        d["kind"] = self.KIND
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Build from the vault form, ignoring unknown keys."""
        return cls(**known_fields(cls, d))

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> Self:
        """Rebuild a component the vault stored (validated when it was saved)."""
        return trusted(cls, d)


@dataclass(frozen=True)
class MailComponent(ServerComponent):
    """An inbound email (IMAP or POP3) component."""

    KIND: ClassVar[str] = "mail"
    PROTOCOLS: ClassVar[tuple[str, ...]] = PROTOCOLS

    protocol: Protocol = "imaps"
    """``imaps``/``pop3s`` (implicit TLS) or ``imap``/``pop3`` (STARTTLS / STLS); the
    default ports are 993 / 143 / 995 / 110."""
    folder: str = "INBOX"
    """Folder to read (POP3 has only INBOX)."""
    content: Content = "both"
    """What reading a message gives: ``body``, ``attachments`` or ``both``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.folder.strip():
            raise ValidationError("Folder is required", field="folder")
        if self.protocol in POP3_PROTOCOLS and self.folder.strip().upper() != "INBOX":
            raise ValidationError("POP3 has one folder: INBOX", field="folder")
        if self.content not in CONTENTS:
            raise ValidationError("Content must be both, body or attachments", field="content")

    @property
    def is_pop3(self) -> bool:
        """True for protocols pop3 and pop3s."""
        return self.protocol in POP3_PROTOCOLS
