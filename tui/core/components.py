"""Typed, validated component models: OAuth2 credentials, inbound email, and tokens.

Models are frozen dataclasses validated in ``__post_init__``, so ``dataclasses.replace``
re-validates every change. Validation raises ``tui.core.errors.ValidationError`` naming the field.
Checks that span several components (unique names and variables, known ``@Variable``
references) live in ``tui.core.records.Records``. ``FIELD_HELP`` gives each field's label and
one-line help, shared by the CLI and the TUI forms.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from tui.core.errors import ValidationError

CredentialsType = Literal["custom", "microsoft", "google"]
AuthMethod = Literal["client_secret_post", "client_secret_basic", "none"]
Protocol = Literal["imaps", "imap"]
MailAuth = Literal["oauth", "password"]
Sasl = Literal["xoauth2", "oauthbearer"]

CREDENTIALS_TYPES: tuple[str, ...] = ("custom", "microsoft", "google")
AUTH_METHODS: tuple[str, ...] = ("client_secret_post", "client_secret_basic", "none")
PROTOCOLS: tuple[str, ...] = ("imaps", "imap")
MAIL_AUTHS: tuple[str, ...] = ("oauth", "password")
SASL_MECHANISMS: tuple[str, ...] = ("xoauth2", "oauthbearer")
DEFAULT_PORTS = {"imaps": 993, "imap": 143}
DEFAULT_REFRESH_DELAY = 25

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE_REF = re.compile(r"@(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*")
_RESERVED_PARAMS = frozenset(
    {
        "client_id",
        "client_secret",
        "redirect_uri",
        "response_type",
        "state",
        "code_challenge",
        "code_challenge_method",
        "scope",
    }
)

MICROSOFT_BASE = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
MICROSOFT_DEFAULT_SCOPE = (
    "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office.com/SMTP.Send"
)
GOOGLE_AUTHORIZATION_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_SCOPE = "https://mail.google.com/"
# Google returns a refresh token only for offline access, and only on consent.
GOOGLE_PARAMS: tuple[tuple[str, str], ...] = (("access_type", "offline"), ("prompt", "consent"))
PRESET_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {"google": GOOGLE_PARAMS}
"""Authorization parameters a preset needs; a component may change their values, not drop them."""

FIELD_HELP: dict[str, tuple[str, str]] = {
    "name": ("Name", "Unique name of this component"),
    "type": ("Credentials Type", "Custom, or a preset that fills the endpoints: Microsoft, Google"),
    "tenant": ("Tenant", "Microsoft tenant: common, organizations, consumers, or a tenant ID"),
    "authorization_url": (
        "Authorization URL",
        "URL used for first contact/authorization on the authorization server",
    ),
    "token_url": ("Token URL", "URL used to obtain and refresh tokens"),
    "device_authorization_url": (
        "Device authorization URL",
        "Optional: URL of the device authorization grant (sign in on another device)",
    ),
    "client_id": ("Client id", "Identifier of the application registered with the provider"),
    "client_secret": ("Client secret", "Secret of the registered application; empty for public"),
    "auth_method": (
        "Client authentication",
        "How the client authenticates at the token URL: POST body, HTTP Basic, or none",
    ),
    "scope": ("Scope", "Space-separated scopes to request"),
    "refresh_delay": (
        "Refresh token delay",
        "Seconds before expiry at which the token may be refreshed",
    ),
    "variable": (
        "Header name / Global variable",
        "Name other components use to reference the token, as @Name",
    ),
    "redirect_port": (
        "Redirect port",
        "Loopback port of the redirect URI; 0 picks a free one where the provider allows it",
    ),
    "extra_params": (
        "Extra parameters",
        "Additional authorization parameters, key=value (e.g. prompt=consent, login_hint=...)",
    ),
    "protocol": ("Protocol", "imaps (implicit TLS, port 993) or imap (STARTTLS, port 143)"),
    "host": ("Host", "IMAP server host name"),
    "port": ("Port", "IMAP server port; 0 uses the protocol's default"),
    "username": ("Username", "Mailbox login name, usually the email address"),
    "auth": ("Authentication Type", "OAuth (an access token) or Basic (a password)"),
    "token_ref": ("Access Token", "The OAuth2 component's variable, as @Name"),
    "password": ("Password", "Password for Basic authentication, kept in the vault"),
    "sasl": ("SASL mechanism", "XOAUTH2 (Microsoft, Google) or OAUTHBEARER (RFC 7628)"),
    "folder": ("Folder", "Mailbox folder to read"),
    "ca_file": ("CA file", "Optional PEM file of CA certificates for self-signed or corporate CAs"),
    "timeout": ("Timeout", "Seconds to wait for the server"),
    "allow_plaintext": (
        "Allow plaintext",
        "Log in without TLS when STARTTLS is not offered (loopback hosts only)",
    ),
}


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and literal loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(value: str, field_name: str, *, required: bool = True) -> None:
    """Require an https URL with a host; plain http only for loopback hosts."""
    label = FIELD_HELP.get(field_name, (field_name, ""))[0]
    if not value:
        if required:
            raise ValidationError(f"{label} is required", field=field_name)
        return
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise ValidationError(f"{label} is not a valid URL: {value!r}", field=field_name) from None
    if parts.scheme not in ("https", "http") or not host or any(c.isspace() for c in value):
        raise ValidationError(
            f"{label} must be an https:// URL with a host, got {value!r}", field=field_name
        )
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValidationError(
            f"{label} must use https (plain http is only accepted for loopback hosts)",
            field=field_name,
        )


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return False


def parse_variable_ref(ref: str) -> str:
    """Return the variable name of ``@Name`` or ``@{Name}``; raise ValidationError otherwise."""
    m = _VARIABLE_REF.fullmatch(ref.strip())
    if not m:
        raise ValidationError(
            f"not a variable reference: {ref!r} (expected @Name or @{{Name}})", field="token_ref"
        )
    return m.group(1) or m.group(2)


def _check_name(name: str) -> None:
    if not name or not name.strip():
        raise ValidationError("Name is required", field="name")
    if name != name.strip() or len(name) > 64 or not name.isprintable() or name.startswith("@"):
        raise ValidationError(
            "Name must be 1-64 printable characters, without surrounding spaces or a leading @",
            field="name",
        )


def default_variable(name: str) -> str:
    """The variable a component gets when none is given: its name, made an identifier."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return ident if _IDENTIFIER.fullmatch(ident) else f"_{ident}"


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@functools.cache
def _defaults(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((f.name, f.default, f.default_factory) for f in dataclasses.fields(cls))


def _trusted(cls: Any, d: dict[str, Any]) -> Any:
    """Rebuild a model from the vault without re-validating it.

    The vault's authenticated encryption guarantees the record is exactly what a save
    wrote, and saves only hold validated models; skipping validation keeps loading 500
    components in a few milliseconds.
    """
    obj = object.__new__(cls)
    for name, default, factory in _defaults(cls):
        if name in d:
            value = d[name]
        elif default is not dataclasses.MISSING:
            value = default
        else:
            value = factory()
        object.__setattr__(obj, name, value)
    return obj


def _fields_dict(obj: Any) -> dict[str, Any]:
    # Shallow, unlike dataclasses.asdict: the result is serialized to JSON at once.
    cls: type = type(obj)
    return {name: getattr(obj, name) for name, _, _ in _defaults(cls)}


@dataclass(frozen=True)
class OAuthComponent:
    """An OAuth2 credential: where to authorize, which client, and how tokens are named."""

    KIND: ClassVar[str] = "oauth"

    name: str
    """Unique component name."""
    type: CredentialsType = "custom"
    """``custom``, or a preset (``microsoft``, ``google``) that fills the endpoints."""
    tenant: str = "common"
    """Microsoft tenant (common, organizations, consumers, or an ID); unused otherwise."""
    authorization_url: str = ""
    """Authorization endpoint (https; http only on loopback)."""
    token_url: str = ""
    """Token endpoint."""
    device_authorization_url: str = ""
    """Device authorization endpoint (RFC 8628), optional."""
    client_id: str = ""
    """The registered client identifier."""
    client_secret: str = field(default="", repr=False)
    """The client secret; empty for a public client. Never shown."""
    auth_method: AuthMethod = "client_secret_post"
    """Client authentication at the token endpoint."""
    scope: str = ""
    """Space-separated scopes."""
    refresh_delay: int = DEFAULT_REFRESH_DELAY
    """Seconds before expiry at which the token may be refreshed."""
    variable: str = ""
    """Global variable name (``@variable``); defaults to the component name."""
    redirect_port: int = 0
    """Loopback redirect port; 0 = automatic (a free port) where the provider allows it."""
    extra_params: tuple[tuple[str, str], ...] = ()
    """Extra authorization request parameters."""

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.type not in CREDENTIALS_TYPES:
            raise ValidationError(
                f"Credentials Type must be one of {', '.join(CREDENTIALS_TYPES)}", field="type"
            )
        _set(self, "extra_params", tuple((str(k), str(v)) for k, v in self.extra_params))
        if self.type == "microsoft":
            tenant = self.tenant.strip() or "common"
            if not _TENANT.fullmatch(tenant):
                raise ValidationError(f"not a valid Microsoft tenant: {tenant!r}", field="tenant")
            base = MICROSOFT_BASE.format(tenant=tenant)
            _set(self, "tenant", tenant)
            _set(self, "authorization_url", f"{base}/authorize")
            _set(self, "token_url", f"{base}/token")
            _set(self, "device_authorization_url", f"{base}/devicecode")
            if not self.scope.strip():
                _set(self, "scope", MICROSOFT_DEFAULT_SCOPE)
        elif self.type == "google":
            _set(self, "authorization_url", GOOGLE_AUTHORIZATION_URL)
            _set(self, "token_url", GOOGLE_TOKEN_URL)
            # Google's device flow does not allow the Gmail scope: no device URL.
            _set(self, "device_authorization_url", "")
            if not self.scope.strip():
                _set(self, "scope", GOOGLE_SCOPE)
            keys = {k for k, _ in self.extra_params}
            _set(
                self,
                "extra_params",
                self.extra_params + tuple(p for p in GOOGLE_PARAMS if p[0] not in keys),
            )
        if not self.variable:
            _set(self, "variable", default_variable(self.name))
        _set(self, "scope", " ".join(self.scope.split()))
        self._validate()

    def _validate(self) -> None:
        check_url(self.token_url, "token_url")
        check_url(
            self.authorization_url, "authorization_url", required=not self.device_authorization_url
        )
        check_url(self.device_authorization_url, "device_authorization_url", required=False)
        if not self.client_id.strip():
            raise ValidationError("Client id is required", field="client_id")
        if self.auth_method not in AUTH_METHODS:
            raise ValidationError(
                f"Client authentication must be one of {', '.join(AUTH_METHODS)}",
                field="auth_method",
            )
        if type(self.refresh_delay) is not int or not 0 <= self.refresh_delay <= 86400:
            raise ValidationError(
                "Refresh token delay must be a whole number of seconds from 0 to 86400",
                field="refresh_delay",
            )
        if not _IDENTIFIER.fullmatch(self.variable):
            raise ValidationError(
                f"Global variable must be an identifier (letters, digits, _): {self.variable!r}",
                field="variable",
            )
        if type(self.redirect_port) is not int or not 0 <= self.redirect_port <= 65535:
            raise ValidationError(
                "Redirect port must be from 1 to 65535, or 0 for automatic", field="redirect_port"
            )
        for key, _ in self.extra_params:
            if not key or not key.isprintable() or "=" in key or " " in key:
                raise ValidationError(
                    f"bad extra parameter name {key!r} (expected key=value)", field="extra_params"
                )
            if key in _RESERVED_PARAMS:
                raise ValidationError(
                    f"extra parameter {key!r} is set by tokendesk itself", field="extra_params"
                )

    @property
    def effective_auth_method(self) -> AuthMethod:
        """The client authentication actually used: ``none`` when there is no secret."""
        return self.auth_method if self.client_secret else "none"

    @property
    def reference(self) -> str:
        """How other components refer to this one's token: ``@variable``."""
        return f"@{self.variable}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form for the vault."""
        d = _fields_dict(self)
        d["extra_params"] = [list(p) for p in self.extra_params]
        d["kind"] = self.KIND
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OAuthComponent:
        """Build from the vault form, ignoring unknown keys (written by newer versions)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in names}
        kwargs["extra_params"] = tuple(tuple(p) for p in d.get("extra_params", ()))
        return cls(**kwargs)

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> OAuthComponent:
        """Rebuild a component the vault stored (validated when it was saved)."""
        d = dict(d)
        d["extra_params"] = tuple(tuple(p) for p in d.get("extra_params", ()))
        return _trusted(cls, d)


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
        _check_name(self.name)
        if self.protocol not in PROTOCOLS:
            raise ValidationError("Protocol must be imaps or imap", field="protocol")
        host = self.host.strip()
        if not host:
            raise ValidationError("Host is required (a host name or address)", field="host")
        if any(c.isspace() or c in "/@:" for c in host.strip("[]")) and not _is_ipv6(host):
            raise ValidationError(
                f"Host {host!r} is not a host name or address (no scheme, port or spaces)",
                field="host",
            )
        _set(self, "host", host)
        if type(self.port) is not int or not 0 <= self.port <= 65535:
            raise ValidationError("Port must be from 1 to 65535", field="port")
        if self.port == 0:
            _set(self, "port", DEFAULT_PORTS[self.protocol])
        if self.auth not in MAIL_AUTHS:
            raise ValidationError("Authentication Type must be oauth or password", field="auth")
        if self.auth == "oauth":
            var = parse_variable_ref(self.token_ref)
            _set(self, "token_ref", f"@{var}")
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
        d = _fields_dict(self)
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
        return _trusted(cls, d)


Component = OAuthComponent | MailComponent
COMPONENT_TYPES: dict[str, type[OAuthComponent] | type[MailComponent]] = {
    "oauth": OAuthComponent,
    "mail": MailComponent,
}


@dataclass(frozen=True)
class TokenRecord:
    """The tokens of one OAuth2 component in one environment."""

    access_token: str = field(default="", repr=False)
    """The current access token ("" when none)."""
    refresh_token: str = field(default="", repr=False)
    """The current refresh token ("" when the provider gave none)."""
    token_type: str = "Bearer"
    """Token type from the token response."""
    expires_at: float | None = None
    """Absolute wall-clock expiry (UNIX seconds); None when the provider did not say."""
    scope: str = ""
    """Scopes actually granted."""
    id_claims: dict[str, Any] = field(default_factory=dict)
    """Claims of the id_token, if any (email, preferred_username, iss...)."""
    obtained_at: float | None = None
    """When the current access token was received."""
    refresh_token_issued_at: float | None = None
    """When the grant (first refresh token) was issued by an authorization."""
    refresh_token_rotated_at: float | None = None
    """When the provider last handed out a new refresh token."""
    last_refresh: float | None = None
    """When the last successful refresh happened."""
    last_error: str = ""
    """The last refresh/authorization error message ("" after a success)."""
    last_error_hint: str = ""
    """The next step for ``last_error``."""
    needs_reauthorization: bool = False
    """True once the provider rejected the refresh token."""

    @property
    def account(self) -> str:
        """The signed-in account (an email address or login name) from the id_token claims."""
        # Only claims that name a mailbox: the opaque ``sub`` would make a wrong login name.
        for key in ("email", "preferred_username", "upn", "unique_name"):
            value = self.id_claims.get(key)
            if isinstance(value, str) and value:
                return value
        return ""

    def is_fresh(self, refresh_delay: int, now: float | None = None) -> bool:
        """Fresh while ``now < expires_at - refresh_delay`` (no expiry known: fresh)."""
        if not self.access_token:
            return False
        if self.expires_at is None:
            return True
        now = time.time() if now is None else now
        return now < self.expires_at - refresh_delay

    def expires_in(self, now: float | None = None) -> float | None:
        """Seconds until expiry (negative once expired), or None when unknown."""
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def status(self, refresh_delay: int, now: float | None = None) -> str:
        """One of ``fresh``, ``expiring``, ``expired``, ``needs authorization``, ``error``."""
        now = time.time() if now is None else now
        if self.needs_reauthorization or not (self.access_token or self.refresh_token):
            return "needs authorization"
        if self.is_fresh(refresh_delay, now):
            return "error" if self.last_error else "fresh"
        if self.expires_at is not None and now >= self.expires_at:
            return "error" if self.last_error else "expired"
        return "error" if self.last_error else "expiring"

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form for the vault."""
        d = _fields_dict(self)
        d["id_claims"] = dict(self.id_claims)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TokenRecord:
        """Build from the vault form, ignoring unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> TokenRecord:
        """Rebuild a token record the vault stored."""
        return _trusted(cls, d)
