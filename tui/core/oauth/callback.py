"""The loopback redirect target: a tiny HTTP server on 127.0.0.1 and the redirect URIs.

No library does this part (authlib leaves the redirect to the application), so it is written
here on ``http.server``: it binds 127.0.0.1 only (answering requests addressed to
``localhost`` too), hands each request on its path to the owner's ``on_request`` callback, and
is closed by the owner after one valid response, which frees the port at once.
"""

from __future__ import annotations

import contextlib
import html
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tui.core.errors import OperationFailed
from tui.core.models.oauth import OAuthComponent

HOST = "127.0.0.1"
CALLBACK_PATH = "/"
SUCCESS_TEXT = "OAuth2 token received with success! You can close this window."
IDLE_TIMEOUT = 10.0
"""Seconds a connection may sit without sending: an idle peer must not hold a thread."""

OnRequest = Callable[[dict[str, str]], tuple[int, str]]
"""Called with the query parameters of a request to the callback path; returns
``(http_status, html_page)``. It may block (the code exchange runs meanwhile)."""


def redirect_host(component: OAuthComponent) -> str:
    """``localhost`` for Microsoft (what its app registration accepts over http), else the
    loopback IP literal RFC 8252 recommends."""
    return "localhost" if component.type == "microsoft" else HOST


def redirect_uri_for(component: OAuthComponent, port: int) -> str:
    """The redirect URI sent in an authorization request on ``port``."""
    return f"http://{redirect_host(component)}:{port}{CALLBACK_PATH}"


def registration_redirect_uri(component: OAuthComponent) -> str:
    """The redirect URI to register with the provider.

    With a fixed port it is exactly the one sent. With an automatic port it is the URI
    without a port: loopback redirect URIs match on any port (RFC 8252 section 7.3;
    Microsoft ignores the port of ``http://localhost``; Google's desktop clients need none).
    """
    if component.redirect_port:
        return redirect_uri_for(component, component.redirect_port)
    if component.type == "microsoft":
        return "http://localhost"
    return f"http://{redirect_host(component)}{CALLBACK_PATH}"


def page(title: str, text: str, *, ok: bool) -> str:
    """A small self-contained HTML page for the browser (text is escaped)."""
    colour = "#1a7f37" if ok else "#cf222e"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>tokendesk: {html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;"
        f"padding:0 1em}}h1{{color:{colour};font-size:1.4em}}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    server_version = "tokendesk"
    protocol_version = "HTTP/1.0"  # one request per connection: closing is immediate

    def setup(self) -> None:
        # A timed-out read ends the request without an answer (IDLE_TIMEOUT is read per
        # connection so tests can shorten it).
        super().setup()
        self.connection.settimeout(IDLE_TIMEOUT)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the query carries the authorization code: never log it

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        owner: CallbackServer = self.server.owner  # type: ignore[attr-defined]
        with owner.busy():
            self._serve(owner)

    def _serve(self, owner: CallbackServer) -> None:
        parts = urlsplit(self.path)
        if parts.path != owner.path:
            self._reply(404, page("Not found", "This is tokendesk's sign-in callback.", ok=False))
            return
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            status, body = owner.on_request(params)
        except Exception:  # noqa: BLE001 - the browser gets a page, the owner its error
            status, body = 500, page("Error", "tokendesk could not handle this request.", ok=False)
        self._reply(status, body)

    def _reply(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the browser went away


class CallbackServer:
    """Listens on 127.0.0.1:``port`` (0 = a free port) from construction until ``close()``."""

    def __init__(self, on_request: OnRequest, *, port: int = 0, path: str = CALLBACK_PATH):
        self.on_request = on_request
        self.path = path
        try:
            self._server = ThreadingHTTPServer((HOST, port), _Handler)
        except OSError as exc:
            raise OperationFailed(
                f"cannot listen on {HOST}:{port} for the redirect: {exc.strerror}",
                advice="another program uses that port: close it, or change the redirect port "
                "(0 picks a free one where the provider allows any loopback port)",
            ) from None
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="tokendesk-callback",
            daemon=True,
        )
        self._closed = False
        self._close_lock = threading.Lock()
        self._idle = threading.Condition()
        self._in_flight = 0
        self._thread.start()

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Marks a request being answered, so ``close`` lets its page reach the browser."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def close(self, drain: float = 2.0) -> None:
        """Stop listening and free the port (idempotent, callable from any thread).

        Requests already being answered get up to ``drain`` seconds to send their page
        (a CLI exits right after, which would cut the success page off).
        """
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=drain)
        with self._close_lock:  # a second caller returns only once the port is free
            if self._closed:
                return
            self._server.shutdown()
            self._server.server_close()
            self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed
