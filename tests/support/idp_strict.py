"""Request rules of the test IdP that every endpoint shares, as strict as real servers.

Real authorization servers (Microsoft, Okta, Keycloak, Auth0) refuse requests that our
first test server let through, so the client was broken against them while its tests
passed. ``TestIdP``'s HTTP handler runs every request through ``check_query`` (GET) or
``check_form`` (POST), before any endpoint sees it, so endpoints added later are covered too:

* a parameter given more than once (RFC 6749 section 3.1), in the query or the body;
* a POST body that is not ``application/x-www-form-urlencoded`` (RFC 6749 section 3.2) or
  not UTF-8;
* more than one client authentication method in one request (RFC 6749 section 2.3: HTTP
  Basic together with ``client_secret`` or ``client_assertion`` in the body), and a body
  ``client_id`` that differs from the Basic one.

Endpoint-specific rules (a ``redirect_uri`` at the token endpoint that differs from the
authorization request's, unknown grant types) live with the endpoints in ``idp.py``.
Every refusal is also appended to ``TestIdP.violations`` so a test fixture can assert that
the client under test never broke a rule (``idp.violations == []``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY = 64 * 1024
"""Token requests are small; a real server refuses a huge body too (413)."""


class StrictViolation(Exception):
    """A request that a standards-strict server refuses (``error`` is the OAuth code)."""

    def __init__(self, description: str, error: str = "invalid_request", status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def parse_params(raw: str) -> dict[str, str]:
    """Parse a query string or form body; a repeated parameter is refused."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        if key in params:
            raise StrictViolation(f"'{key}' parameter must not be provided twice")
        params[key] = value
    return params


def check_query(query: str) -> dict[str, str]:
    """The parameters of a GET request (authorization, device page)."""
    return parse_params(query)


def check_form(headers: Any, body: bytes) -> dict[str, str]:
    """The parameters of a POST to an OAuth endpoint, after the shared checks."""
    ctype = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype != FORM_TYPE:
        raise StrictViolation(f"the request body must be {FORM_TYPE}, not {ctype or 'none'}")
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        raise StrictViolation("the request body is not UTF-8") from None
    form = parse_params(raw)
    check_client_auth(headers, form)
    return form


def basic_credentials(headers: Any) -> tuple[str, str] | None:
    """``(client_id, secret)`` from an HTTP Basic header (form-urlencoded, RFC 6749 2.3.1)."""
    auth = headers.get("Authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(auth[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise StrictViolation("malformed Basic credentials", "invalid_client", 401) from None
    cid, sep, secret = raw.partition(":")
    if not sep:
        raise StrictViolation("malformed Basic credentials", "invalid_client", 401)
    return unquote(cid), unquote(secret)


def check_client_auth(headers: Any, form: dict[str, str]) -> None:
    """At most one client authentication method, and one client in the request."""
    basic = basic_credentials(headers)
    # RFC 6749 3.1: a parameter without a value counts as omitted (Dovecot's introspection
    # sends an empty client_secret next to its Basic credentials).
    methods = [name for name in ("client_secret", "client_assertion") if form.get(name)]
    if basic is not None:
        methods.insert(0, "HTTP Basic")
    if len(methods) > 1:
        raise StrictViolation(
            f"the client must not use more than one authentication method ({' and '.join(methods)})"
        )
    if basic is not None and form.get("client_id") and form["client_id"] != basic[0]:
        raise StrictViolation("client_id differs from the authenticated client", "invalid_client")
