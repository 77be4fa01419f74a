"""The outbound email component: where to submit mail (SMTP submission) and how to log in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from tui.core.errors import ValidationError
from tui.core.models.base import set_field
from tui.core.models.mail import ServerComponent

SmtpProtocol = Literal["smtps", "smtp"]
SMTP_PROTOCOLS: tuple[str, ...] = ("smtps", "smtp")


@dataclass(frozen=True)
class OutboundComponent(ServerComponent):
    """An outbound email component: SMTP submission (RFC 6409) with OAuth or a password."""

    KIND: ClassVar[str] = "smtp"
    PROTOCOLS: ClassVar[tuple[str, ...]] = SMTP_PROTOCOLS

    protocol: SmtpProtocol = "smtps"
    """``smtps`` (implicit TLS, port 465) or ``smtp`` (STARTTLS, port 587)."""
    from_address: str = ""
    """The sender address (From and envelope); empty: the login name."""

    def __post_init__(self) -> None:
        super().__post_init__()
        address = self.from_address.strip()
        if address and (
            address.count("@") != 1 or any(c.isspace() or c in '<>,;"' for c in address)
        ):
            raise ValidationError(
                f"From address {address!r} is not a plain address (user@example.com)",
                field="from_address",
            )
        set_field(self, "from_address", address)
