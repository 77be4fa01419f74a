"""The inbound email component: where to read mail and how to log in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tui.core.errors import ValidationError
from tui.core.models.base import (
    check_name,
    fields_dict,
    is_ipv6,
    is_loopback_host,
    parse_variable_ref,
    set_field,
    trusted,
)

Protocol = Literal["imaps", "imap"]
MailAuth = Literal["oauth", "password"]
Sasl = Literal["xoauth2", "oauthbearer"]


PROTOCOLS: tuple[str, ...] = ("imaps", "imap")
MAIL_AUTHS: tuple[str, ...] = ("oauth", "password")
SASL_MECHANISMS: tuple[str, ...] = ("xoauth2", "oauthbearer")
DEFAULT_PORTS = {"imaps": 993, "imap": 143}


@dataclass(frozen=True)
class MailComponent:
    """An inbound email (IMAP) component."""

    KIND: ClassVar[str] = "mail"

    name: str
    """Unique component name."""
    host: str
    """IMAP server host."""
    protocol: Protocol = "imaps"
    """``imaps`` (implicit TLS) or ``imap`` (STARTTLS)."""
    port: int = 0
    """Server port; 0 becomes the protocol's default (993 / 143)."""
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
    folder: str = "INBOX"
    """Folder to read."""
    ca_file: str = ""
    """PEM file of extra CA certificates, optional."""
    timeout: float = 30.0
    """Network timeout in seconds."""
    allow_plaintext: bool = False
    """Log in without TLS when STARTTLS is missing; only for loopback hosts."""

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.protocol not in PROTOCOLS:
            raise ValidationError("Protocol must be imaps or imap", field="protocol")
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
        if not self.folder.strip():
            raise ValidationError("Folder is required", field="folder")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float):
            raise ValidationError("Timeout must be a number of seconds", field="timeout")
        if not 0 < self.timeout <= 600:
            raise ValidationError("Timeout must be between 0 and 600 seconds", field="timeout")
        if self.allow_plaintext and not (self.protocol == "imap" and is_loopback_host(host)):
            raise ValidationError(
                "plaintext login is only allowed for protocol imap on a loopback host",
                field="allow_plaintext",
            )

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
    def from_dict(cls, d: dict[str, Any]) -> MailComponent:
        """Build from the vault form, ignoring unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> MailComponent:
        """Rebuild a component the vault stored (validated when it was saved)."""
        return trusted(cls, d)
