"""Talking to a running agent: the socket's place, one request, one reply.

This module is what ``tokendesk token`` loads before anything else, so it imports only
``os``, ``time`` (both loaded with the interpreter), the C socket module and
``tui.core.agent.wire`` (JSON without ``import json``):
asking the agent must cost far less than unlocking the vault, and within twice the
interpreter's own start. ``request()`` returns None whenever there is no agent to ask (no
socket, nobody listening, a broken reply), so the caller simply opens the vault itself.

Wire format (see ``tui.core.agent.server``): one JSON object per line each way, at most
``MAX_LINE`` bytes.
"""

from __future__ import annotations

import _socket
import os
import time

from tui.core.agent import wire

TYPE_CHECKING = False
if TYPE_CHECKING:  # the typing module costs milliseconds this path cannot spare
    from typing import Any

NO_AGENT_ENV = "TOKENDESK_NO_AGENT"
"""Set (non-empty) to make commands open the vault themselves even when an agent runs."""
VAULT_ENV = "TOKENDESK_VAULT"
NAME_LIMIT = 256
"""Longest component, environment or user name a request may carry."""
MAX_LINE = 64 * 1024
"""Largest request or reply line either side accepts."""
SOCKET_NAME = "agent.sock"
CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a connection and for a quick reply (status, lock, stop)."""
TOKEN_TIMEOUT = 150.0
"""Seconds to wait for a token: the agent may be refreshing (lock wait + HTTP)."""


def runtime_dir() -> str:
    """The directory of the agent's socket: ``$XDG_RUNTIME_DIR/tokendesk``, else a 0700
    directory of ours under the system's temporary directory."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base):
        return os.path.join(base, "tokendesk")
    tmp = os.environ.get("TMPDIR", "")
    tmp = tmp if tmp and os.path.isabs(tmp) else "/tmp"
    return os.path.join(tmp, f"tokendesk-{os.getuid()}")


def enabled() -> bool:
    """Whether commands may ask an agent (``TOKENDESK_NO_AGENT`` is not set)."""
    return not os.environ.get(NO_AGENT_ENV)


def vault_argument(given: str | None) -> str | None | bool:
    """The vault to name in a request: the given path (else ``$TOKENDESK_VAULT``) made
    absolute, None for the default vault, or False for an empty path (let the command
    line say what is wrong with it)."""
    vault = given if given is not None else os.environ.get(VAULT_ENV)
    if vault is None:
        return None
    if not vault.strip():
        return False
    return os.path.abspath(os.path.expanduser(vault))


DEFAULT_FROM = ("XDG_DATA_HOME", "HOME")
"""The variables the default vault's place comes from (platformdirs' user data directory)."""


def default_inputs() -> dict[str, str | None]:
    """What the default vault's place depends on in this process, as request fields: the
    same user with another ``HOME`` or ``XDG_DATA_HOME`` has another default vault, and the
    agent must not answer for it (comparing the inputs spares this path platformdirs;
    unequal inputs naming the same place only cost a vault open)."""
    return {f"default_{name.lower()}": os.environ.get(name) for name in DEFAULT_FROM}


def valid_target(req: dict[str, Any]) -> bool:
    """Whether the fields every token or mail request shares are well formed: ``name``,
    ``env`` and ``vault`` (strings within bounds, the last two optional) and ``force``."""
    name, env, vault = req.get("name"), req.get("env"), req.get("vault")
    return (
        isinstance(name, str)
        and 0 < len(name) <= NAME_LIMIT
        and (env is None or (isinstance(env, str) and len(env) <= NAME_LIMIT))
        and (vault is None or isinstance(vault, str))
        and isinstance(req.get("force", False), bool)
    )


def socket_path() -> str:
    """Where the agent listens."""
    return os.path.join(runtime_dir(), SOCKET_NAME)


def request(message: dict[str, Any], timeout: float = CONNECT_TIMEOUT) -> dict[str, Any] | None:
    """Send one request to the agent and return its reply, or None if no agent answered."""
    path = socket_path()
    try:
        if os.lstat(path).st_uid != os.getuid():
            return None  # not our socket: never send a request to someone else's
    except OSError:
        return None
    try:
        line = wire.dumps(message).encode() + b"\n"
    except ValueError:
        return None
    if len(line) > MAX_LINE:
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        sock.settimeout(timeout)
        sock.sendall(line)
        return read_message(sock)
    except OSError:
        return None
    finally:
        sock.close()


def read_message(sock: _socket.socket) -> dict[str, Any] | None:
    """One JSON object on one line of at most ``MAX_LINE`` bytes from ``sock``, or None
    (closed early, too long, not JSON, not an object). Used by both ends.

    The socket's timeout bounds the whole line, not each read (a peer sending a byte now
    and then would otherwise hold the reader for hours); past it, ``TimeoutError``.
    """
    line = _read_line(sock)
    if line is None:
        return None
    try:
        value = wire.loads(line.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError too
        return None
    return value if isinstance(value, dict) else None


def _read_line(sock: _socket.socket) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    limit = sock.gettimeout()
    deadline = None if limit is None else time.monotonic() + limit
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no whole line in time")
            sock.settimeout(left)
        chunk = sock.recv(8192)
        if not chunk:
            return None  # closed before a whole line: no usable reply
        end = chunk.find(b"\n")
        if end >= 0:
            chunks.append(chunk[:end])
            return b"".join(chunks) if size + end <= MAX_LINE else None
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_LINE:
            return None


def token_text(view: dict[str, Any], *, sasl: bool, as_json: bool) -> tuple[str, str]:
    """What ``token`` prints for a token ``view`` (see ``tui.core.agent.view``).

    Returns (standard output, a warning line for standard error or ""). Shared by the
    command line and the agent's fast path so both print exactly the same.
    """
    warning = ""
    if view.get("last_error"):
        from tui.core.text import human_duration  # only on this rare path: it imports re

        remaining = view.get("expires_in")
        left = f", still valid for {human_duration(remaining)}" if remaining is not None else ""
        warning = f"refresh failed, using the current token{left}: {view['last_error']}"
        if view.get("needs_signin"):
            warning += " (the provider refused the refresh token: sign in again before then)"
    if sasl:
        out = f"{view['sasl']}\n"
    elif as_json:
        import json  # only for --json: its output must be json.dumps's, byte for byte

        doc = {k: view[k] for k in ("access_token", "token_type", "expires_at", "scope")}
        out = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        out = f"{view['access_token']}\n"
    return out, warning
