"""Hostile token-endpoint answers of the test IdP (``token_fault`` values beyond the basic ones).

* ``"trickle"``: a 200 reply whose JSON body arrives one byte every ``trickle_seconds``
  (0.5 s), for at most ``hang_seconds`` or until ``stop()``: per-read timeouts never fire.
* ``"huge"``: a 200 JSON reply announcing and sending ``huge_bytes`` (100 MB) until the client
  hangs up.
* ``"reply"``: ``fault_body`` (bytes) as a 200 ``application/json`` reply: any hostile value
  (``expires_in`` 1e300, an object as ``access_token``, JSON nested a million deep...).

None of them changes the IdP's state: the refresh token sent stays valid.

``changed_token_replies(idp, token_type=OMIT, ...)`` is the other kind: the IdP's real token
replies (every grant, real tokens) with fields replaced or left out, like a provider that
deviates from RFC 6749 section 5.1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

FAULTS = ("trickle", "huge", "reply")


def serve(handler: Any, fault: str) -> None:
    """Answer the current request of ``handler`` (a ``_Handler``) with ``fault``."""
    idp = handler.idp
    if fault == "reply":
        handler._send(200, idp.fault_body, "application/json")
        return
    body = b'{"access_token": "' + b"a" * 64 + b'", "token_type": "Bearer"}'
    size = idp.huge_bytes if fault == "huge" else len(body)
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    handler.close_connection = True
    try:
        if fault == "huge":
            chunk, sent = b" " * 65536, 0
            while sent < size and not idp._release.is_set():
                handler.wfile.write(chunk[: size - sent])
                sent += len(chunk)
            return
        waited = 0.0
        for byte in body:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            if idp._release.wait(idp.trickle_seconds) or waited > idp.hang_seconds:
                return
            waited += idp.trickle_seconds
    except OSError:
        return  # the client hung up, as it should


OMIT: Any = object()
"""A field value for ``changed_token_replies``: leave the field out."""


@contextlib.contextmanager
def changed_token_replies(idp: Any, **fields: Any) -> Iterator[None]:
    """For the block, every token reply of ``idp`` has ``fields`` set (or left out: OMIT)."""
    real = idp._token_response

    def changed(tok: Any) -> dict[str, Any]:
        body: dict[str, Any] = real(tok)
        for key, value in fields.items():
            if value is OMIT:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    idp._token_response = changed
    try:
        yield
    finally:
        del idp._token_response  # the class's method again
