"""The outbound email component: where to submit mail (SMTP submission) and how to log in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tui.core.errors import ValidationError
from tui.core.models.base import check_name, fields_dict, parse_variable_ref, trusted
from tui.core.models.mail import MailAuth, Sasl, check_server

SmtpProtocol = Literal["smtps", "smtp"]
SMTP_PROTOCOLS: tuple[str, ...] = ("smtps", "smtp")


@dataclass(frozen=True)
class OutboundComponent:
    """An outbound email component: SMTP submission (RFC 6409) with OAuth or a password."""

    KIND: ClassVar[str] = "smtp"

    name: str
    """Unique component name."""
    host: str
    """Submission server host."""
    protocol: SmtpProtocol = "smtps"
    """``smtps`` (implicit TLS, port 465) or ``smtp`` (STARTTLS, port 587)."""
    port: int = 0
    """Server port; 0 becomes the protocol's default (465 / 587)."""
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
    from_address: str = ""
    """The sender address (From and envelope); empty: the login name."""
    ca_file: str = ""
    """PEM file of extra CA certificates, optional."""
    timeout: float = 30.0
    """Network timeout in seconds."""
    allow_plaintext: bool = False
    """Log in without TLS when STARTTLS is missing; only for loopback hosts."""

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.protocol not in SMTP_PROTOCOLS:
            raise ValidationError("Protocol must be smtps or smtp", field="protocol")
        check_server(self)
        address = self.from_address.strip()
        if address and (
            address.count("@") != 1 or any(c.isspace() or c in '<>,;"' for c in address)
        ):
            raise ValidationError(
                f"From address {address!r} is not a plain address (user@example.com)",
                field="from_address",
            )
        object.__setattr__(self, "from_address", address)

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
    def from_dict(cls, d: dict[str, Any]) -> OutboundComponent:
        """Build from the vault form, ignoring unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> OutboundComponent:
        """Rebuild a component the vault stored (validated when it was saved)."""
        return trusted(cls, d)
