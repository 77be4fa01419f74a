"""A stand-in web browser for ``$BROWSER`` in tests (stdlib only, runs as a script).

Usage: ``BROWSER="<python> /path/to/tests/support/browser.py %s"`` (see ``command()``);
Python's ``webbrowser`` then runs ``browser.py URL``. Like a real browser the command
returns at once: it forks, because ``webbrowser`` waits for a ``$BROWSER`` program to exit
and a caller serving its callback on the same thread would otherwise deadlock. The child then
GETs the authorization URL, takes the IdP's redirect and GETs the loopback callback, the way
a signed-in user's browser does.

Environment:

* ``TOKENDESK_TEST_BROWSER_LOG``: append one JSON line per visit to this file:
  ``{"opened": url, "redirect": location or null, "status": int or null, "body": text,
  "error": text or null, "second_status": ..., "second_error": ...}``.
* ``TOKENDESK_TEST_BROWSER_MODE``:
  ``follow`` (default) - follow the redirect to the callback;
  ``tamper-state`` - change ``state`` in the redirect before following it;
  ``tamper-iss`` - change ``iss`` in the redirect;
  ``double`` - follow the callback, then send the same callback again;
  ``record`` - only log where the IdP redirects (for paste-flow tests), do not call back;
  ``fail`` - exit 1 at once like a broken browser command.
* ``TOKENDESK_TEST_BROWSER_NOFORK=1``: do the work in the foreground (debugging).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def _get(url: str, timeout: float = 10.0) -> tuple[int, dict[str, str], str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request("GET", path, headers={"Host": parts.netloc, "User-Agent": "TestBrowser"})
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def _rewrite(url: str, key: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, value if k == key else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def visit(url: str, mode: str) -> dict[str, object]:
    """Do what a browser would do with ``url``; returns the log record."""
    record: dict[str, object] = {"opened": url, "redirect": None, "status": None, "body": ""}
    record["error"] = None
    try:
        status, headers, body = _get(url)
    except OSError as exc:
        record["error"] = f"authorize: {exc}"
        return record
    location = headers.get("location")
    record["redirect"] = location
    if status not in (301, 302, 303, 307) or not location:
        record.update(status=status, body=body)
        return record
    if mode == "record":
        return record
    if mode == "tamper-state":
        location = _rewrite(location, "state", "tampered-state")
    elif mode == "tamper-iss":
        location = _rewrite(location, "iss", "https://evil.example")
    try:
        status, _, body = _get(location)
        record.update(status=status, body=body)
    except OSError as exc:
        record["error"] = f"callback: {exc}"
    if mode == "double":
        try:
            status, _, body = _get(location, timeout=3)
            record.update(second_status=status, second_body=body, second_error=None)
        except OSError as exc:
            record.update(second_status=None, second_error=str(exc))
    return record


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: browser.py URL", file=sys.stderr)
        return 2
    url, mode = argv[1], os.environ.get("TOKENDESK_TEST_BROWSER_MODE", "follow")
    if mode == "fail":
        return 1
    if not os.environ.get("TOKENDESK_TEST_BROWSER_NOFORK") and os.fork() != 0:
        return 0  # parent: return at once, like a real browser
    if not os.environ.get("TOKENDESK_TEST_BROWSER_NOFORK"):
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # do not hold the caller's pipes open
            os.dup2(devnull, fd)
    record = visit(url, mode)
    log = os.environ.get("TOKENDESK_TEST_BROWSER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    if not os.environ.get("TOKENDESK_TEST_BROWSER_NOFORK"):
        os._exit(0)
    return 0


def command() -> str:
    """The ``$BROWSER`` value that runs this script with the current interpreter."""
    import shlex

    # "%s" makes webbrowser split the command line (without it, the whole string is
    # taken as one executable name).
    return f"{shlex.quote(sys.executable)} {shlex.quote(os.path.abspath(__file__))} %s"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
