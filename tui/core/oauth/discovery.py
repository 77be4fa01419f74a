"""Provider discovery: an issuer URL in, the endpoints of an OAuth2 component out.

``discover(issuer)`` reads OpenID Connect discovery (``/.well-known/openid-configuration``
appended to the issuer) and falls back to RFC 8414 authorization server metadata
(``/.well-known/oauth-authorization-server`` inserted before the issuer's path, RFC 8414
section 3.1). Metadata whose ``issuer`` is not the URL asked for is refused (RFC 8414
section 3.3: otherwise anyone who can serve a document could claim another provider's
endpoints). Every endpoint must be https (plain http only on loopback), the body is capped
and the whole exchange has a deadline; texts from the document are shown only sanitized.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tui.core.errors import ConfigurationError, OperationFailed, TransientError, ValidationError
from tui.core.models.base import check_url
from tui.core.text import is_safe, one_line

MAX_METADATA_BYTES = 256 * 1024
"""Real metadata documents are a few KB; more than this is not a metadata document."""
HEADER_ROOM = 32 * 1024
"""The transport's byte cap counts the response headers too."""
OIDC_SUFFIX = "/.well-known/openid-configuration"
RFC8414_PREFIX = "/.well-known/oauth-authorization-server"

# metadata member -> component field
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("authorization_endpoint", "authorization_url"),
    ("token_endpoint", "token_url"),
    ("device_authorization_endpoint", "device_authorization_url"),
    ("revocation_endpoint", "revocation_url"),
    ("introspection_endpoint", "introspection_url"),
)


@dataclass(frozen=True)
class ProviderMetadata:
    """What discovery found: the endpoints (already checked) and where they came from."""

    issuer: str
    """The issuer, identical to the one asked for."""
    source: str
    """The metadata document's URL."""
    endpoints: dict[str, str] = field(default_factory=dict)
    """Component field (``token_url``...) -> URL, for the endpoints the document names."""
    auth_methods: tuple[str, ...] = ()
    """``token_endpoint_auth_methods_supported`` (empty when the document does not say)."""
    scopes: tuple[str, ...] = ()
    """``scopes_supported`` (empty when the document does not say)."""

    @property
    def missing(self) -> list[str]:
        """Component fields of endpoints the document does not name."""
        return [name for _, name in ENDPOINTS if name not in self.endpoints]

    def component_fields(self) -> dict[str, str]:
        """The component fields to set: the issuer and every endpoint (absent ones empty)."""
        fields = {"issuer": self.issuer}
        for _, name in ENDPOINTS:
            fields[name] = self.endpoints.get(name, "")
        return fields

    def auth_method_for(self, has_secret: bool, current: str) -> str:
        """The client authentication to use: ``current`` unless the provider lacks it."""
        if not has_secret:
            return current
        # RFC 8414 section 2: when the member is omitted, client_secret_basic is the default.
        supported = self.auth_methods or ("client_secret_basic",)
        if current in supported:
            return current
        for method in ("client_secret_basic", "client_secret_post"):
            if method in supported:
                return method
        return current


def metadata_urls(issuer: str) -> list[str]:
    """The documents to try for ``issuer``, in order: OpenID Connect, then RFC 8414."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    oidc = urlunsplit((parts.scheme, parts.netloc, path + OIDC_SUFFIX, "", ""))
    rfc8414 = urlunsplit((parts.scheme, parts.netloc, RFC8414_PREFIX + path, "", ""))
    return [oidc, rfc8414]


def check_issuer(issuer: str) -> str:
    """The issuer URL, checked: https (http for loopback), no query or fragment.

    Raises:
        ValidationError: not such a URL (exit 2).
    """
    issuer = issuer.strip()
    check_url(issuer, "issuer")
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or "?" in issuer or "#" in issuer:
        raise ValidationError(
            "Issuer must not have a query or fragment (RFC 8414 section 2)", field="issuer"
        )
    return issuer


def discover(issuer: str, *, timeout: float | None = None) -> ProviderMetadata:
    """Read and check the provider metadata of ``issuer``.

    Args:
        issuer: the issuer URL (``https://login.example.com`` or with a path).
        timeout: seconds for the whole discovery (default ``TOKENDESK_HTTP_TIMEOUT`` or 30).

    Raises:
        ValidationError: the issuer is not an acceptable URL.
        ConfigurationError: the document is not metadata, names another issuer, lacks the
            token endpoint or names an endpoint that is not an acceptable URL.
        TransientError: the network failed or the provider answered with an error.
    """
    from tui.core.oauth import protocol

    issuer = check_issuer(issuer)
    seconds = timeout or protocol.http_timeout()
    deadline = time.monotonic() + seconds
    failures: list[str] = []
    for url in metadata_urls(issuer):
        status, body = _fetch(url, deadline, seconds)
        if status == 200:
            document = _parse(url, body)
            if document is not None:
                return _metadata(issuer, url, document)
            failures.append(f"{url} is not a JSON object")
        else:
            failures.append(f"{url} answered HTTP {status}")
    raise OperationFailed(
        f"no provider metadata for {one_line(issuer, 200)}: {'; '.join(failures)}",
        advice="check the issuer URL (the provider's documentation names it), or set the "
        "endpoints yourself",
    )


def _fetch(url: str, deadline: float, seconds: float) -> tuple[int, bytes]:
    """GET ``url``: status and body, the body cut off at ``MAX_METADATA_BYTES``."""
    import httpx

    from tui.core.oauth.bounded import ReplyTooLarge, bounded_transport, limit_hit
    from tui.core.oauth.network import network_failure

    left = deadline - time.monotonic()
    if left <= 0:
        raise TransientError(f"no provider metadata within {seconds:g} s")
    too_large = ConfigurationError(
        f"the provider metadata at {one_line(url, 200)} is larger than "
        f"{MAX_METADATA_BYTES // 1024} KB: not a metadata document"
    )
    try:
        # The transport ends the exchange at the deadline and stops reading past the cap.
        with httpx.Client(
            transport=bounded_transport(left, MAX_METADATA_BYTES + HEADER_ROOM),
            timeout=left,
            follow_redirects=False,
            headers={"User-Agent": "tokendesk", "Accept": "application/json"},
        ) as client:
            resp = client.get(url)
    except httpx.HTTPError as exc:
        if isinstance(limit_hit(exc), ReplyTooLarge):
            raise too_large from None
        detail, hint = network_failure(exc, url, seconds)
        raise TransientError(
            f"reading the provider metadata failed: {detail}", advice=hint
        ) from None
    if len(resp.content) > MAX_METADATA_BYTES:
        raise too_large
    return resp.status_code, resp.content


def _parse(url: str, body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _metadata(issuer: str, url: str, doc: dict[str, Any]) -> ProviderMetadata:
    claimed = doc.get("issuer")
    # RFC 8414 3.3: identical. A trailing slash typed by the user is not a different issuer.
    if not isinstance(claimed, str) or claimed not in (issuer, issuer.rstrip("/")):
        shown = one_line(claimed, 200) if isinstance(claimed, str) else "none"
        raise ConfigurationError(
            f"the metadata at {one_line(url, 200)} names the issuer {shown!r}, not "
            f"{one_line(issuer, 200)!r}: refused (RFC 8414 section 3.3)",
            advice="check the issuer URL; if the provider documents the issuer the metadata "
            "names, use exactly that URL",
        )
    endpoints: dict[str, str] = {}
    for member, name in ENDPOINTS:
        value = doc.get(member)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not is_safe(value):
            raise ConfigurationError(f"the metadata's {member} is not a URL")
        try:
            check_url(value, name)
        except ValidationError as exc:
            raise ConfigurationError(
                f"the metadata's {member} is not acceptable: {exc.message}"
            ) from None
        endpoints[name] = value
    if "token_url" not in endpoints:
        raise ConfigurationError(
            f"the metadata at {one_line(url, 200)} has no token_endpoint",
            advice="set the token URL yourself",
        )
    if "authorization_url" not in endpoints and "device_authorization_url" not in endpoints:
        raise OperationFailed(
            f"the metadata at {one_line(url, 200)} has neither an authorization_endpoint nor "
            "a device_authorization_endpoint",
            advice="set the authorization URL yourself",
        )
    return ProviderMetadata(
        issuer=claimed,
        source=url,
        endpoints=endpoints,
        auth_methods=_strings(doc.get("token_endpoint_auth_methods_supported")),
        scopes=_strings(doc.get("scopes_supported")),
    )


def _strings(value: object) -> tuple[str, ...]:
    """A list of short safe strings from the document (anything else is ignored)."""
    if not isinstance(value, list):
        return ()
    return tuple(one_line(v, 200) for v in value[:100] if isinstance(v, str))
