"""The agent's Unix socket: same-uid peers only, one bounded JSON line each way.

The socket lives in ``client.runtime_dir()``: ``$XDG_RUNTIME_DIR/tokendesk`` (the user's own
tmpfs), else ``/tmp/tokendesk-UID``. The directory must be ours and 0700 (we create it so; an
existing one owned by someone else, or a symlink, is refused rather than trusted), the
socket is 0600, and each connection's peer credentials (``SO_PEERCRED``) must carry our uid:
file modes alone would let root-owned or misconfigured directories through.

A request is one JSON object on one line of at most ``MAX_LINE`` bytes, read within
``REQUEST_TIMEOUT`` seconds; the reply is one JSON line. At most ``MAX_CLIENTS`` connections
are served at once; more are closed unanswered (the client then opens the vault itself).
An ``flock`` on ``agent.lock`` next to the socket is held for the agent's life, so two agents
never fight over the socket.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from tui.core.agent.client import MAX_LINE, read_message, runtime_dir, socket_path
from tui.core.errors import OperationFailed

REQUEST_TIMEOUT = 5.0
"""Seconds a client has to send its whole request line."""
MAX_CLIENTS = 64
"""Connections served at the same time."""
_PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class AgentRunning(OperationFailed):
    """Another agent already holds the socket."""


def ensure_private_dir(path: str) -> None:
    """Create ``path`` as a 0700 directory of ours, or check that an existing one is."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise OperationFailed(f"cannot create the agent directory {path}: {exc.strerror}") from None
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise OperationFailed(f"{path} is not a directory of this user: refusing to use it")
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, 0o700)  # ours but too open (an old umask): tighten rather than refuse


def peer_uid(conn: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket (None if unknown)."""
    try:
        raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    except OSError:
        return None
    return int(_PEERCRED.unpack(raw)[1])


class AgentServer:
    """Accepts connections on the agent socket and answers each request with ``handler``."""

    def __init__(
        self,
        handler: Handler,
        path: str | None = None,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self.handler = handler
        self.path = path or socket_path()
        self._on_refused = on_refused or (lambda: None)
        self._sock: socket.socket | None = None
        self._lock_fd: int | None = None
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._stopping = threading.Event()

    def bind(self) -> None:
        """Take the agent lock and listen on the socket (mode 0600)."""
        directory = os.path.dirname(self.path)
        if directory == runtime_dir():
            ensure_private_dir(directory)
        lock_path = os.path.join(directory, "agent.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AgentRunning(f"an agent is already running (socket {self.path})") from None
        self._lock_fd = fd
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # left by an agent that was killed: we hold the lock now
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is created 0600, never briefly wider
        try:
            sock.bind(self.path)
        except OSError as exc:
            sock.close()
            self.close()
            if exc.errno == errno.ENAMETOOLONG or "too long" in str(exc):
                raise OperationFailed(f"the socket path {self.path} is too long") from None
            raise OperationFailed(f"cannot listen on {self.path}: {exc.strerror}") from None
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(MAX_CLIENTS)
        sock.settimeout(0.5)  # wake up now and then to notice a stop
        self._sock = sock

    def serve_forever(self) -> None:
        """Accept and answer connections until ``shutdown()``."""
        sock = self._sock
        if sock is None:
            raise RuntimeError("bind() first")
        while not self._stopping.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                continue
            if not self._slots.acquire(blocking=False):
                conn.close()  # too busy: the client falls back to the vault
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def shutdown(self) -> None:
        """Stop accepting; ``serve_forever`` returns within half a second."""
        self._stopping.set()

    def drain(self, timeout: float = REQUEST_TIMEOUT) -> None:
        """Wait (at most ``timeout`` seconds) until the connections being answered are done,
        so a reply (to ``stop`` above all) is not cut off by the process ending."""
        deadline = time.monotonic() + timeout
        taken = 0
        while taken < MAX_CLIENTS and self._slots.acquire(
            timeout=max(0.0, deadline - time.monotonic())
        ):
            taken += 1
        for _ in range(taken):
            self._slots.release()

    def close(self) -> None:
        """Remove the socket and release the agent lock."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn:
                if peer_uid(conn) != os.getuid():
                    self._on_refused()
                    return  # another user: not a word
                conn.settimeout(REQUEST_TIMEOUT)
                request = read_message(conn)
                if request is None:
                    reply: dict[str, Any] = {"ok": False, "error": _bad_request()}
                else:
                    reply = self.handler(request)
                data = json.dumps(reply, separators=(",", ":")).encode() + b"\n"
                if len(data) > MAX_LINE:
                    # A command that can do the work itself (token, mail) opens the vault
                    # on "fallback", as the vault path has no such limit; others see the error.
                    error = {"message": "the agent's reply is too large", "exit": 1}
                    too_large = {"ok": False, "fallback": "reply too large", "error": error}
                    data = json.dumps(too_large).encode() + b"\n"
                conn.sendall(data)
        except OSError:
            pass  # the client went away or was too slow; it falls back on its own
        finally:
            self._slots.release()


def _bad_request() -> dict[str, Any]:
    return {"message": "malformed request to the agent", "exit": 2}
