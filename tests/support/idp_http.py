"""The HTTP face of the test IdP: one request handler over ``tests.support.idp.TestIdP``.

GET /authorize, /device, /introspect (bearer), the discovery documents and the admin
stats; POST /token (with the fault modes), /device_authorization, /introspect, /revoke and
the JSON admin API. Every request first passes ``tests.support.idp_strict``; refusals are
answered as OAuth errors and kept in ``idp.violations``.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from tests.support import idp_faults
from tests.support.idp_records import OAuthError
from tests.support.idp_strict import MAX_BODY, StrictViolation, check_form, check_query

if TYPE_CHECKING:
    from tests.support.idp import TestIdP

__all__ = ["Handler", "add_query", "page"]


def add_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` appended to its query (a redirect's parameters)."""
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def page(title: str, text: str) -> str:
    """A minimal HTML page (the IdP's error and device pages)."""
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"


class Handler(BaseHTTPRequestHandler):
    """One request to the IdP in ``self.server.idp``."""

    protocol_version = "HTTP/1.1"
    server_version = "TestIdP/1.0"

    @property
    def idp(self) -> TestIdP:
        return self.server.idp  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # requests are kept in idp.request_log instead of stderr

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            raise StrictViolation("request body too large", status=413)
        return self.rfile.read(length) if length else b""

    def _form(self, path: str) -> dict[str, Any]:
        body = self._body()
        if path.startswith("/_admin/"):  # the test-only admin API speaks JSON
            return json.loads(body or b"{}")  # type: ignore[no-any-return]
        return check_form(self.headers, body)

    def _refuse(self, exc: StrictViolation, path: str) -> None:
        """Answer a strict-rule violation (JSON OAuth error) and remember it."""
        with self.idp._lock:
            self.idp.violations.append(f"{self.command} {path}: {exc.description}")
        body = {"error": exc.error, "error_description": exc.description}
        headers = {"WWW-Authenticate": "Basic"} if exc.status == 401 else None
        self._json(exc.status, body, headers)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        parts = urlsplit(self.path)
        self.idp.request_log.append(f"GET {parts.path}")
        try:
            query = check_query(parts.query)
        except StrictViolation as exc:
            with self.idp._lock:
                self.idp.violations.append(f"GET {parts.path}: {exc.description}")
            html = page("Invalid request", f"AADSTS90015: {exc.description}").encode()
            self._send(400, html, "text/html; charset=utf-8")
            return
        if parts.path == "/authorize":
            status, headers, body = self.idp.authorize(query)
            self._send(status, body.encode(), "text/html; charset=utf-8", headers)
        elif parts.path == "/device":
            code = query.get("user_code", "")
            if code and query.get("action") in ("approve", "deny"):
                try:
                    if query["action"] == "approve":
                        self.idp.approve_device(code)
                    else:
                        self.idp.deny_device(code)
                except KeyError:
                    self._send(404, page("Unknown code", code).encode(), "text/html")
                    return
                self._send(200, page("Done", "You may close this window.").encode(), "text/html")
            else:
                self._send(200, page("Enter code", code).encode(), "text/html")
        elif parts.path == "/introspect":
            auth = self.headers.get("Authorization", "")
            if not auth.lower().startswith("bearer "):
                self._json(401, {"error": "invalid_token"})
            else:
                result = self.idp.introspect(auth[7:].strip())
                self._json(200 if result["active"] else 401, result)
        elif parts.path.startswith("/.well-known/") or "/.well-known/" in parts.path:
            doc = self.idp.metadata_for(parts.path)
            if doc is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._json(200, doc)
        elif parts.path == "/_admin/stats":
            self._json(200, dict(self.idp.stats))
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = urlsplit(self.path).path
        self.idp.request_log.append(f"POST {path}")
        try:
            form = self._form(path)
        except StrictViolation as exc:
            self._refuse(exc, path)
            return
        except ValueError:
            self._json(400, {"error": "invalid_request", "error_description": "bad body"})
            return
        try:
            if path == "/token":
                if self._fault():
                    return
                self._json(200, self.idp.token_endpoint(self.headers, form))
            elif path == "/device_authorization":
                self._json(200, self.idp.device_authorization(self.headers, form))
            elif path == "/introspect":
                if self.idp.check_resource_server(self.headers):
                    self._json(200, self.idp.introspect(form.get("token", "")))
                else:  # a client asking about its own token (or a 401 invalid_client)
                    self._json(200, self.idp.client_introspect(self.headers, form))
            elif path == "/revoke":
                self._json(*self.idp.revocation_endpoint(self.headers, form))
            elif path.startswith("/_admin/"):
                self._admin(path, form)
            else:
                self._send(404, b"not found", "text/plain")
        except OAuthError as err:
            body: dict[str, Any] = {"error": err.error, **err.extra}
            if err.description:
                body["error_description"] = err.description
            headers = {"WWW-Authenticate": "Basic"} if err.status == 401 else None
            self._json(err.status, body, headers)

    def _fault(self) -> bool:
        fault = self.idp.token_fault
        if not fault:
            return False
        with self.idp._lock:
            self.idp.stats["faults"] += 1
        if fault == "500":
            self._json(500, {"error": "server_error"})
        elif fault == "html":
            html = page("Service unavailable", "Our servers are busy.").encode()
            self._send(200, html, "text/html")
        elif fault == "invalid_json":
            self._send(200, b'{"access_token": "trunc', "application/json")
        elif fault == "hang":
            self.idp._release.wait(self.idp.hang_seconds)
            self.close_connection = True
        elif fault == "disconnect":
            self.close_connection = True  # nothing sent: the client sees a closed connection
        elif fault in idp_faults.FAULTS:
            idp_faults.serve(self, fault)
        else:
            raise ValueError(f"unknown token_fault {fault!r}")
        return True

    def _admin(self, path: str, form: dict[str, Any]) -> None:
        idp = self.idp
        if path == "/_admin/issue":
            # Fields left out take issue_token's defaults.
            keys = ("user", "scope", "client_id")
            given: dict[str, Any] = {k: form[k] for k in keys if k in form}
            if form.get("lifetime"):
                given["lifetime"] = int(form["lifetime"])
            tok = idp.issue_token(**given)
            self._json(200, idp._token_response(tok))
        elif path == "/_admin/revoke":
            idp.revoke(form["token"])
            self._json(200, {"ok": True})
        elif path == "/_admin/expire":
            idp.expire(form["token"])
            self._json(200, {"ok": True})
        elif path == "/_admin/config":
            try:
                idp.configure(**form)
            except AttributeError as exc:
                self._json(400, {"error": str(exc)})
                return
            self._json(200, {"ok": True})
        else:
            self._send(404, b"not found", "text/plain")
