"""`ConnectionSettings`: where one mail connection goes and how it logs in.

Built once from an inbound (IMAP, POP3) or outbound (SMTP submission) component with
`ConnectionSettings.from_component`, and taken as it is by `MailClient`, `Pop3Client` and
`SmtpSender` (through their base, `tui.core.mail.connection.Connection`), so that the three
protocols read their host, port, TLS rules and login name from one typed record rather than
each repeating them. The credential (password or token) is not part of it: it is handed to
``login`` and never stored next to the settings, so a settings object may be shown or logged.

A named tuple rather than a frozen dataclass for the reason `tui.core.mail.models` gives:
every ``mail list`` loads this module, and a named tuple costs a tenth of the start-up time.
Use ``_replace`` for a changed copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from tui.core.models.mail import DEFAULT_PORTS

if TYPE_CHECKING:
    from tui.core.models.mail import ServerComponent

__all__ = ["IMPLICIT_TLS_PROTOCOLS", "ConnectionSettings"]

IMPLICIT_TLS_PROTOCOLS: tuple[str, ...] = ("imaps", "pop3s", "smtps")
"""Protocols that speak TLS from the first byte; the others upgrade with STARTTLS/STLS."""


class ConnectionSettings(NamedTuple):
    """One mail connection's server, TLS rules and login name (never its secret)."""

    host: str
    """Server host name or address."""
    port: int
    """Server port (`from_component` puts the protocol's default for 0)."""
    protocol: str
    """``imaps``/``imap``, ``pop3s``/``pop3`` or ``smtps``/``smtp``."""
    username: str = ""
    """Login name."""
    sasl: str = "xoauth2"
    """SASL mechanism for an OAuth login: ``xoauth2`` or ``oauthbearer``."""
    ca_file: str | None = None
    """PEM file of the only CAs to trust; None (or empty): the system's CAs."""
    timeout: float = 30.0
    """Network timeout in seconds (also the budget of one operation)."""
    allow_plaintext: bool = False
    """Log in without TLS when STARTTLS is missing (`transport.secure_mode` also
    requires a loopback host)."""
    component: str = ""
    """The mail component's name, when known (an error's next step names it)."""
    env: str | None = None
    """The environment the connection logs in for."""

    @classmethod
    def from_component(
        cls, comp: ServerComponent, username: str | None = None, env: str | None = None
    ) -> ConnectionSettings:
        """The settings of a mail component (``username``, when given, overrides its own)."""
        return cls(
            comp.host,
            comp.port or DEFAULT_PORTS[comp.protocol],
            comp.protocol,
            username=comp.username if username is None else username,
            sasl=comp.sasl,
            ca_file=comp.ca_file or None,
            timeout=comp.timeout,
            allow_plaintext=comp.allow_plaintext,
            component=comp.name,
            env=env,
        )

    @property
    def implicit_tls(self) -> bool:
        """True when TLS starts with the connection (``imaps``, ``pop3s``, ``smtps``)."""
        return self.protocol in IMPLICIT_TLS_PROTOCOLS

    @property
    def secure_protocol(self) -> str:
        """The implicit-TLS variant of this protocol (what to use when STARTTLS is missing)."""
        return self.protocol if self.implicit_tls else f"{self.protocol}s"
