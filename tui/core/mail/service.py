"""Mail components meet the vault: credentials, username defaults, and opening a client.

`open_client(session, name, env)` is what the CLI and the TUI call: it resolves the
component, gets its password or a fresh access token for the environment (through the
OAuth service, which refreshes under the vault lock), connects, logs in (an OAuth
rejection refreshes once and retries once), and returns a logged-in client: a
`MailClient` for IMAP, a `Pop3Client` for POP3 (both have the same reading methods).
`open_sender` does the same for an outbound component and returns an `SmtpSender`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui.core.errors import ReauthorizationNeeded
from tui.core.mail.client import Credential, MailClient
from tui.core.mail.settings import ConnectionSettings
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import TokenRecord
from tui.core.models.outbound import OutboundComponent

if TYPE_CHECKING:
    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.smtp import SmtpSender
    from tui.core.session import Session

AnyMailComponent = MailComponent | OutboundComponent

# Who issues tokens for which IMAP hosts (to catch "a Microsoft token against Gmail").
_PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (issuer/token-endpoint host suffixes, IMAP host suffixes)
    "Microsoft": (
        ("microsoftonline.com", "login.live.com", "microsoft.com", "windows.net"),
        ("office365.com", "outlook.com", "office.com", "hotmail.com", "live.com"),
    ),
    "Google": (
        ("google.com", "googleapis.com"),
        ("gmail.com", "googlemail.com", "google.com"),
    ),
    "Yahoo": (("yahoo.com",), ("yahoo.com",)),
    "AOL": (("aol.com",), ("aol.com",)),
    "Fastmail": (("fastmail.com",), ("fastmail.com",)),
}


def _family(host: str, index: int) -> str | None:
    host = host.lower().rstrip(".")
    for name, suffixes in _PROVIDERS.items():
        if any(host == s or host.endswith("." + s) for s in suffixes[index]):
            return name
    return None


def issuer_warning(
    comp: AnyMailComponent, token_url: str = "", token: TokenRecord | None = None
) -> str | None:
    """A warning when the token's issuer clearly belongs to another provider than the host.

    ``token_url`` is the OAuth2 component's token endpoint; an ``iss`` claim in the
    token's id_token claims wins over it.
    """
    if comp.auth != "oauth":
        return None
    issuer = ""
    if token is not None:
        issuer = str(token.id_claims.get("iss") or "")
    issuer_host = urlsplit(issuer or token_url).hostname or ""
    issued_by = _family(issuer_host, 0)
    serves = _family(comp.host, 1)
    if issued_by and serves and issued_by != serves:
        return (
            f"{comp.token_ref} holds a {issued_by} token, but {comp.host} is a {serves} "
            "server: the login will most likely fail"
        )
    return None


def mail_component(session: Session, name: str) -> MailComponent:
    """The inbound email component called ``name`` (NotFoundError otherwise)."""
    return session.records.get_mail(name)


def username_for(comp: AnyMailComponent, token: TokenRecord | None) -> str:
    """The login name: the component's, else (OAuth) the token's email/username claim."""
    if comp.username.strip():
        return comp.username.strip()
    return token.account if token is not None else ""


def credential_for(
    session: Session, comp: AnyMailComponent, env: str | None = None
) -> tuple[Credential, TokenRecord | None]:
    """The login credential of ``comp`` in ``env`` (and the token record used, for OAuth).

    Raises:
        ReauthorizationNeeded: no token yet, or its refresh token is revoked/expired.
        TransientError, ConfigurationError: the refresh could not be done.
    """
    if comp.auth == "password":
        return Credential.password(comp.password), None
    from tui.core.oauth.tokens import fresh_token

    ref = comp.token_ref
    try:
        tok = fresh_token(session, ref, env)
    except ReauthorizationNeeded as exc:
        raise _reauth(comp, exc, "") from None

    def refreshed() -> str:
        try:
            return fresh_token(session, ref, env, force=True).access_token
        except ReauthorizationNeeded as exc:
            raise _reauth(comp, exc, "the mail server rejected the token and ") from None

    return Credential.token(tok.access_token, refresh=refreshed), tok


def _reauth(comp: AnyMailComponent, exc: ReauthorizationNeeded, why: str) -> ReauthorizationNeeded:
    from tui.core.oauth.tokens import NotAuthorizedYet

    if isinstance(exc, NotAuthorizedYet):
        return NotAuthorizedYet(
            f"{exc.message} (mail component {comp.name!r} logs in with {comp.token_ref})",
            advice=exc.advice,
            next_step=exc.next_step,
        )
    return ReauthorizationNeeded(
        f"re-authorization needed for {comp.token_ref} (mail component {comp.name!r}): "
        f"{why}{exc.message}",
        advice=exc.advice,
        next_step=exc.next_step,
    )


def client_for(
    session: Session, name: str, env: str | None = None
) -> tuple[MailClient | Pop3Client, Credential]:
    """An unconnected client for component ``name`` and its credential for ``env``."""
    comp = mail_component(session, name)
    credential, tok = credential_for(session, comp, env)
    settings = ConnectionSettings.from_component(comp, username_for(comp, tok), env)
    if comp.is_pop3:
        from tui.core.mail.pop3 import Pop3Client

        return Pop3Client(settings), credential
    return MailClient(settings), credential


def sender_for(
    session: Session, name: str, env: str | None = None
) -> tuple[SmtpSender, Credential]:
    """An unconnected sender for outbound component ``name`` and its credential."""
    from tui.core.mail.smtp import SmtpSender

    comp = session.records.get_outbound(name)
    credential, tok = credential_for(session, comp, env)
    settings = ConnectionSettings.from_component(comp, username_for(comp, tok), env)
    return SmtpSender(settings, comp.from_address), credential


def open_sender(session: Session, name: str, env: str | None = None) -> SmtpSender:
    """Connect and log in with outbound component ``name``; the caller closes it."""
    sender, credential = sender_for(session, name, env)
    try:
        sender.connect()
        sender.login(credential)
    except BaseException:
        sender.close()
        raise
    return sender


def open_client(session: Session, name: str, env: str | None = None) -> MailClient | Pop3Client:
    """Connect and log in with component ``name``; the caller closes the client.

    Raises:
        MailError subclasses (connection, TLS, timeout, refused login...),
        ReauthorizationNeeded (exit code 3) when a refresh says the grant is gone.
    """
    client, credential = client_for(session, name, env)
    try:
        client.connect()
        client.login(credential)
    except BaseException:
        client.close()
        raise
    return client
