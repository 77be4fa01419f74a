"""The OAuth2 credential component and the tokens it holds per environment."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tui.core.errors import Action, NextStep, ValidationError
from tui.core.models.base import (
    IDENTIFIER,
    TENANT,
    check_name,
    check_url,
    default_variable,
    fields_dict,
    known_fields,
    set_field,
    trusted,
)
from tui.core.models.presets import (
    GOOGLE_AUTHORIZATION_URL,
    GOOGLE_ISSUER,
    GOOGLE_PARAMS,
    GOOGLE_REVOCATION_URL,
    GOOGLE_SCOPE,
    GOOGLE_TOKEN_URL,
    MICROSOFT_BASE,
    MICROSOFT_DEFAULT_SCOPE,
    MICROSOFT_ISSUER,
)

AuthMethod = Literal["client_secret_post", "client_secret_basic", "none"]
CredentialsType = Literal["custom", "microsoft", "google"]

CREDENTIALS_TYPES: tuple[str, ...] = ("custom", "microsoft", "google")
AUTH_METHODS: tuple[str, ...] = ("client_secret_post", "client_secret_basic", "none")
DEFAULT_REFRESH_DELAY = 25
# How vaults written before the structured next step ended a token's hint: "...; run: <cmd>".
_OLD_COMMAND = re.compile(r"(?:^|;\s*)run: .*$")

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


def parse_params(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``key=value`` items (one per form line or ``--param``) -> pairs; blank items are skipped.

    Keys and values are stripped; ``key=`` gives an empty value (an edit removes ``key``).

    Raises:
        ValidationError: an item has no ``=`` or an empty key (its number is in the message).
    """
    pairs = []
    for number, item in enumerate(items, 1):
        text = item.strip()
        if not text:
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                f"extra parameter {number} is not KEY=VALUE: {text!r}", field="extra_params"
            )
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


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
    issuer: str = ""
    """The provider's issuer identifier (discovery URL, id_token ``iss``); optional."""
    revocation_url: str = ""
    """Token revocation endpoint (RFC 7009), optional."""
    introspection_url: str = ""
    """Token introspection endpoint (RFC 7662), optional."""

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.type not in CREDENTIALS_TYPES:
            raise ValidationError(
                f"Credentials Type must be one of {', '.join(CREDENTIALS_TYPES)}", field="type"
            )
        set_field(self, "extra_params", tuple((str(k), str(v)) for k, v in self.extra_params))
        if self.type == "microsoft":
            tenant = self.tenant.strip() or "common"
            if not TENANT.fullmatch(tenant):
                raise ValidationError(f"not a valid Microsoft tenant: {tenant!r}", field="tenant")
            base = MICROSOFT_BASE.format(tenant=tenant)
            set_field(self, "tenant", tenant)
            set_field(self, "authorization_url", f"{base}/authorize")
            set_field(self, "token_url", f"{base}/token")
            set_field(self, "device_authorization_url", f"{base}/devicecode")
            # Microsoft offers no RFC 7009 revocation or RFC 7662 introspection endpoint.
            set_field(self, "issuer", MICROSOFT_ISSUER.format(tenant=tenant))
            set_field(self, "revocation_url", "")
            set_field(self, "introspection_url", "")
            if not self.scope.strip():
                set_field(self, "scope", MICROSOFT_DEFAULT_SCOPE)
        elif self.type == "google":
            set_field(self, "authorization_url", GOOGLE_AUTHORIZATION_URL)
            set_field(self, "token_url", GOOGLE_TOKEN_URL)
            # Google's device flow does not allow the Gmail scope: no device URL.
            set_field(self, "device_authorization_url", "")
            set_field(self, "issuer", GOOGLE_ISSUER)
            set_field(self, "revocation_url", GOOGLE_REVOCATION_URL)
            set_field(self, "introspection_url", "")
            if not self.scope.strip():
                set_field(self, "scope", GOOGLE_SCOPE)
            keys = {k for k, _ in self.extra_params}
            set_field(
                self,
                "extra_params",
                self.extra_params + tuple(p for p in GOOGLE_PARAMS if p[0] not in keys),
            )
        if not self.variable:
            set_field(self, "variable", default_variable(self.name))
        set_field(self, "scope", " ".join(self.scope.split()))
        self._validate()

    def _validate(self) -> None:
        check_url(self.token_url, "token_url")
        check_url(
            self.authorization_url, "authorization_url", required=not self.device_authorization_url
        )
        check_url(self.device_authorization_url, "device_authorization_url", required=False)
        for optional in ("issuer", "revocation_url", "introspection_url"):
            check_url(getattr(self, optional), optional, required=False)
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
        if not IDENTIFIER.fullmatch(self.variable):
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
        d = fields_dict(self)
        d["extra_params"] = [list(p) for p in self.extra_params]
        d["kind"] = self.KIND
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OAuthComponent:
        """Build from the vault form, ignoring unknown keys (written by newer versions)."""
        kwargs = known_fields(cls, d)
        kwargs["extra_params"] = tuple(tuple(p) for p in d.get("extra_params", ()))
        return cls(**kwargs)

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> OAuthComponent:
        """Rebuild a component the vault stored (validated when it was saved)."""
        d = dict(d)
        d["extra_params"] = tuple(tuple(p) for p in d.get("extra_params", ()))
        if d.get("type") == "google":
            # Vaults written before the preset had these fields get them on load.
            d.setdefault("issuer", GOOGLE_ISSUER)
            d.setdefault("revocation_url", GOOGLE_REVOCATION_URL)
        return trusted(cls, d)


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
    """When the last successful refresh happened (the refresh token's last use)."""
    refresh_token_rotations: int = 0
    """How many times the provider replaced the refresh token since the authorization."""
    refresh_token_expires_at: float | None = None
    """Absolute end of the refresh token, when the provider said (``refresh_token_expires_in``)."""
    last_error: str = ""
    """The last refresh/authorization error message ("" after a success)."""
    last_error_advice: str = ""
    """The advice that came with ``last_error`` (the provider's own included)."""
    last_next_action: str = ""
    """The ``Action`` of ``last_error``'s next step ("" when none); the component and
    environment are the record's own, so a renamed component keeps a correct step."""
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
        d = fields_dict(self)
        d["id_claims"] = dict(self.id_claims)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TokenRecord:
        """Build from the vault form, ignoring unknown keys."""
        return cls(**known_fields(cls, d))

    def next_step(self, component: str, env: str) -> NextStep | None:
        """``last_error``'s next step for this record's component in ``env``, if any."""
        try:
            action = Action(self.last_next_action)
        except ValueError:
            return None
        return NextStep(action, component, env)

    @classmethod
    def from_vault(cls, d: dict[str, Any]) -> TokenRecord:
        """Rebuild a token record the vault stored.

        Records written before the next step was structured have ``last_error_hint``: a text
        that may end in a command line. The command is dropped (the faces render their own)
        and, for a grant that is gone, the next step is to authorize again.
        """
        if "last_error_hint" in d:
            d = dict(d)
            old = str(d.pop("last_error_hint") or "")
            advice = _OLD_COMMAND.sub("", old).strip(" ;")
            d.setdefault("last_error_advice", advice)
            if d.get("needs_reauthorization") and old:
                d.setdefault("last_next_action", Action.AUTHORIZE.value)
        return trusted(cls, d)
