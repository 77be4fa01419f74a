"""Mail components meet the vault: credentials, username defaults, and opening a client.

`access_for(session, name, env)` resolves a component into an `Access`: the component, the
login name, and its password or a fresh access token for the environment (through the OAuth
service, which refreshes under the vault lock). `connect(access)` connects and logs in (an
OAuth rejection refreshes once and retries once) and returns a logged-in client: a
`MailClient` for IMAP, a `Pop3Client` for POP3 (both have the same reading methods);
`connect_sender` does the same for an outbound component and returns an `SmtpSender`.
`open_client` and `open_sender` are both steps in one. A running agent can hand out the same
`Access` without the vault being opened (``tui.core.agent.mail_access``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from tui.core.errors import ReauthorizationNeeded
from tui.core.mail.client import Credential, MailClient
from tui.core.mail.settings import ConnectionSettings
from tui.core.models.mail import MailComponent

if TYPE_CHECKING:  # these cost milliseconds a short `mail list` does not need at run time
    from collections.abc import Callable
    from typing import Protocol, TypeVar

    from tui.core.mail.pop3 import Pop3Client
    from tui.core.mail.smtp import SmtpSender
    from tui.core.models.oauth import TokenRecord
    from tui.core.models.outbound import OutboundComponent
    from tui.core.session import Session

    AnyMailComponent = MailComponent | OutboundComponent
    FreshToken = Callable[[str, str | None, bool], TokenRecord]
    """``fresh(ref, env, force)``: a fresh token record (the agent passes its own)."""

    class _Session(Protocol):
        def connect(self) -> object: ...
        def login(self, credential: Credential) -> None: ...
        def close(self) -> None: ...

    _Client = TypeVar("_Client", bound=_Session)

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


def username_for(comp: AnyMailComponent, token: TokenRecord | None) -> str:
    """The login name: the component's, else (OAuth) the token's email/username claim."""
    if comp.username.strip():
        return comp.username.strip()
    return token.account if token is not None else ""


def credential_for(
    session: Session,
    comp: AnyMailComponent,
    env: str | None = None,
    *,
    fresh: FreshToken | None = None,
) -> tuple[Credential, TokenRecord | None]:
    """The login credential of ``comp`` in ``env`` (and the token record used, for OAuth).

    Raises:
        ReauthorizationNeeded: no token yet, or its refresh token is revoked/expired.
        TransientError, ConfigurationError: the refresh could not be done.
    """
    if comp.auth == "password":
        return Credential.password(comp.password), None
    if fresh is None:
        from tui.core.oauth.tokens import fresh_token

        def fresh(ref: str, env: str | None, force: bool) -> TokenRecord:
            return fresh_token(session, ref, env, force=force)

    ref = comp.token_ref
    try:
        tok = fresh(ref, env, False)
    except ReauthorizationNeeded as exc:
        raise _reauth(comp, exc, "") from None

    def refreshed() -> str:
        try:
            return fresh(ref, env, True).access_token
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


class Access(NamedTuple):
    """Everything a mail client needs to log in: the component, who, how, and where.

    Built from the vault (`access_for`) or from a running agent
    (``tui.core.agent.mail_access``); either way `connect` and `connect_sender` use it.
    """

    component: AnyMailComponent
    username: str
    credential: Credential
    environment: str


def access_for(
    session: Session,
    name: str,
    env: str | None = None,
    *,
    outbound: bool = False,
    fresh: FreshToken | None = None,
) -> Access:
    """How to log in with mail component ``name`` (outbound with ``outbound``) in ``env``.

    ``env`` None means the vault's current environment; an unknown one is a ValidationError.

    Raises:
        NotFoundError: no such component, or one of the other kind.
        ReauthorizationNeeded: no token yet, or its refresh token is revoked/expired.
    """
    records = session.records
    comp: AnyMailComponent = records.get_outbound(name) if outbound else records.get_mail(name)
    environment = records.require_environment(env or records.current_environment)
    credential, tok = credential_for(session, comp, environment, fresh=fresh)
    return Access(comp, username_for(comp, tok), credential, environment)


def unconnected(access: Access) -> MailClient | Pop3Client:
    """A not yet connected reading client (IMAP or POP3) for an inbound ``access``."""
    comp = access.component
    if not isinstance(comp, MailComponent):
        raise TypeError("an outbound component has no reading client")
    if comp.is_pop3:
        from tui.core.mail.pop3 import Pop3Client

        return Pop3Client(_settings(access))
    return MailClient(_settings(access))


def unconnected_sender(access: Access) -> SmtpSender:
    """A not yet connected sender for an outbound ``access``."""
    from tui.core.mail.smtp import SmtpSender
    from tui.core.models.outbound import OutboundComponent

    comp = access.component
    if not isinstance(comp, OutboundComponent):
        raise TypeError("an inbound component cannot send")
    return SmtpSender(_settings(access), comp.from_address)


def _settings(access: Access) -> ConnectionSettings:
    return ConnectionSettings.from_component(access.component, access.username, access.environment)


def connect(access: Access) -> MailClient | Pop3Client:
    """Connect and log in a reading client; the caller closes it.

    Raises:
        MailError subclasses (connection, TLS, timeout, refused login...),
        ReauthorizationNeeded (exit code 3) when a refresh says the grant is gone.
    """
    return _logged_in(unconnected(access), access.credential)


def connect_sender(access: Access) -> SmtpSender:
    """Connect and log in a sender; the caller closes it."""
    return _logged_in(unconnected_sender(access), access.credential)


def _logged_in(client: _Client, credential: Credential) -> _Client:
    try:
        client.connect()
        client.login(credential)
    except BaseException:
        client.close()
        raise
    return client


def client_for(
    session: Session, name: str, env: str | None = None
) -> tuple[MailClient | Pop3Client, Credential]:
    """An unconnected client for component ``name`` and its credential for ``env``."""
    access = access_for(session, name, env)
    return unconnected(access), access.credential


def sender_for(
    session: Session, name: str, env: str | None = None
) -> tuple[SmtpSender, Credential]:
    """An unconnected sender for outbound component ``name`` and its credential."""
    access = access_for(session, name, env, outbound=True)
    return unconnected_sender(access), access.credential


def open_sender(session: Session, name: str, env: str | None = None) -> SmtpSender:
    """Connect and log in with outbound component ``name``; the caller closes it."""
    return connect_sender(access_for(session, name, env, outbound=True))


def open_client(session: Session, name: str, env: str | None = None) -> MailClient | Pop3Client:
    """Connect and log in with component ``name``; the caller closes the client.

    Raises:
        MailError subclasses (connection, TLS, timeout, refused login...),
        ReauthorizationNeeded (exit code 3) when a refresh says the grant is gone.
    """
    return connect(access_for(session, name, env))
