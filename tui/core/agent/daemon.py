"""The agent's work: keep every token fresh, answer token requests, notice vault changes.

``Agent`` holds the unlocked ``Session``. Its loop (``run_loop``) asks ``Schedule`` what is
due and refreshes through ``fresh_token`` — the same locked, rotation-safe path the CLI and
the TUI use — so the agent and any other process never spend the same refresh token. Before
every decision it compares the vault file's identity (inode, size, mtime) with the last one
seen and re-reads it when another process wrote it.

``handle(request)`` answers the socket (see ``tui.core.agent.server``): ``token``, ``mail``
(``tui.core.agent.mail_access``), ``status``, ``lock``, ``stop`` and ``ping``. Token replies
carry only what ``token`` prints, mail replies what a login needs; nothing can ask for a
refresh token or a client secret.

Events (needs sign-in, refresh failed, recovered) run the user's notify command without a
shell, with ``TOKENDESK_EVENT``, ``TOKENDESK_COMPONENT``, ``TOKENDESK_ENVIRONMENT`` and
``TOKENDESK_MESSAGE`` set and every passphrase variable removed from its environment.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from tui.core.agent import client
from tui.core.agent.notify import Notifier
from tui.core.agent.schedule import Due, Schedule, TokenInfo, clock_jumped, token_infos
from tui.core.errors import (
    Failure,
    NotFoundError,
    ReauthorizationNeeded,
    TokendeskError,
    describe,
)
from tui.core.models.oauth import TokenRecord
from tui.core.oauth.tokens import fresh_token, resolve
from tui.core.session import Session, default_vault_path
from tui.core.text import one_line
from vault import VaultError, WrongPassphrase

MAX_SLEEP = 30.0
"""The loop wakes at least this often (and re-checks the wall clock and the vault file)."""
MIN_GAP = 5.0
"""After a refresh, a token is not refreshed again by the loop sooner than this."""
SASL_MECHANISMS = ("xoauth2", "oauthbearer")


class Agent:
    """The unlocked vault, the refresh schedule, and the answers to socket requests."""

    def __init__(
        self,
        session: Session,
        *,
        keep_alive: float = 0.0,
        notify_command: Sequence[str] = (),
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.session: Session | None = session
        self.vault_path = os.path.realpath(session.path)
        self.is_default_vault = self.vault_path == os.path.realpath(default_vault_path())
        self.started_at = time.time()
        self.schedule = Schedule(keep_alive=keep_alive)
        self._log = log or (lambda _line: None)
        self.notifier = Notifier(notify_command, log=self._log)
        self.locked_reason = ""
        self.refreshes = 0
        self.refused = 0
        """Connections from other users refused at the socket (kept by the server)."""
        self.events: collections.deque[dict[str, Any]] = collections.deque(maxlen=20)
        self._stat: tuple[int, int, int] | None = self._vault_stat()
        self._refresh_lock = threading.Lock()  # one vault transaction at a time here
        self._wake = threading.Event()
        self.stopped = threading.Event()
        self._last_gap: dict[tuple[str, str], float] = {}
        self._clocks = (time.time(), time.monotonic())

    # --------------------------------------------------------------- control
    def stop(self) -> None:
        """End the loop (and, through the caller, the server)."""
        self.stopped.set()
        self._wake.set()

    def lock(self, reason: str = "locked on request") -> None:
        """Forget the key: overwrite it, drop the session and its records."""
        with self._refresh_lock:
            session, self.session = self.session, None
            if session is not None:
                session.forget()
            self.locked_reason = reason
        self._event("locked", "", "", reason)

    def count_refused(self) -> None:
        """Called by the server for each connection from another user."""
        self.refused += 1

    # ------------------------------------------------------------ vault file
    def _vault_stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.vault_path)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def check_vault(self) -> bool:
        """Re-read the vault if another process replaced it since the last look; True when
        the records were re-read (or the agent locked itself over a new passphrase)."""
        current = self._vault_stat()
        if current == self._stat or current is None:
            return False
        if not self._refresh_lock.acquire(blocking=False):
            return False  # a refresh is saving right now; it leaves the records current
        changed_passphrase = reread = False
        try:
            if self.session is not None:
                self.session.reload()
                self._stat = self._vault_stat()
                reread = True
        except WrongPassphrase:
            changed_passphrase = True
        except VaultError as exc:
            self._log(f"cannot re-read the vault: {exc.message}")
        finally:
            self._refresh_lock.release()
        if changed_passphrase:
            self.lock("the vault's passphrase was changed; start the agent again")
        return reread or changed_passphrase

    # -------------------------------------------------------------- schedule
    def infos(self) -> list[TokenInfo]:
        """Every token in every environment, as the schedule sees it."""
        return [] if self.session is None else token_infos(self.session.records)

    def run_loop(self) -> None:
        """Refresh whatever is due until ``stop()``."""
        # The HTTP stack (httpx, authlib) loads in a second or so: do it now, off the loop,
        # rather than on the first refresh that falls due.
        threading.Thread(target=_load_http_stack, name="agent-warm-up", daemon=True).start()
        self._clocks = (time.time(), time.monotonic())
        while not self.stopped.is_set():
            self._wake.wait(self.tick())
            self._wake.clear()

    def tick(self) -> float:
        """One pass: notice a clock jump and vault changes, refresh what is due; returns
        how long to sleep before the next pass."""
        now_wall, now_mono = time.time(), time.monotonic()
        wall, mono = self._clocks
        if clock_jumped(now_wall - wall, now_mono - mono):
            self._log("the clock jumped (suspend/resume?): refreshing what is due now")
            self.schedule.woke_after_jump()
            self._last_gap.clear()
        self._clocks = (now_wall, now_mono)
        if self.session is None:
            return MAX_SLEEP
        self.check_vault()
        infos = self.infos()
        self.schedule.forget_missing(infos)
        for due in self.schedule.due(infos, time.time()):
            if self.stopped.is_set() or self.session is None:
                break
            if time.time() < self._last_gap.get((due.environment, due.name), 0.0):
                continue  # refreshed moments ago and still due: the lifetime is too short
            self.refresh(due)
        nxt = self.schedule.next_wake(self.infos())
        if nxt is None:
            return MAX_SLEEP
        now = time.time()
        if nxt <= now:
            gaps = [t for t in self._last_gap.values() if t > now]
            nxt = min(gaps) if gaps else now
        return min(MAX_SLEEP, max(0.05, nxt - now))

    def refresh(self, due: Due) -> None:
        """Refresh one slot through the locked path and record the outcome."""
        env, name = due.environment, due.name
        session = self.session
        if session is None:
            return
        try:
            with self._refresh_lock:
                if self.session is None:
                    return
                tok = fresh_token(session, name, env, force=due.keep_alive)
                self._stat = self._vault_stat()
        except NotFoundError:
            return  # removed meanwhile; the next look drops the slot
        except ReauthorizationNeeded as exc:
            self.schedule.rejected(env, name, one_line(exc.message))
            self._event("needs_signin", name, env, exc.message)
            return
        except (TokendeskError, VaultError) as exc:
            self._failed(env, name, exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - the agent must outlive any one refresh
            self._failed(env, name, f"unexpected error ({type(exc).__name__})")
            return
        if tok.last_error:  # a transient failure, the old token still valid for a while
            self._failed(env, name, tok.last_error)
            return
        self.refreshes += 1
        # A token whose lifetime is shorter than its refresh delay is due again at once:
        # refresh it at most every MIN_GAP seconds (failures have their own back-off).
        self._last_gap[(env, name)] = time.time() + MIN_GAP
        if self.schedule.succeeded(env, name):
            self._event("recovered", name, env, "the token was refreshed again")

    def _failed(self, env: str, name: str, message: str) -> None:
        first = self.schedule.state(env, name).failures == 0
        retry = self.schedule.failed(env, name, one_line(message), time.time())
        self._log(f"refresh of {name} in {env} failed; retry in {retry - time.time():.0f} s")
        if first:
            self._event("refresh_failed", name, env, message)

    def _event(self, event: str, name: str, env: str, message: str) -> None:
        text = one_line(message)
        entry: dict[str, Any] = {
            "at": time.time(),
            "event": event,
            "component": name,
            "environment": env,
            "message": text,
        }
        self.events.append(entry)
        self._log(f"{event}: {name} {env}: {text}")
        if name:
            self.notifier.notify(event, name, env, text)

    # ------------------------------------------------------------- requests
    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one socket request (never raises)."""
        op = request.get("op")
        try:
            if op == "token":
                return self._token(request)
            if op == "mail":
                return self._mail(request)
            if op == "status":
                # A face that leaves refreshing to the agent asks this every few seconds:
                # an edit it just saved (a new sign-in, a removed component) is planned now
                # rather than at the loop's next wake-up.
                if self.check_vault():
                    self._wake.set()
                return {"ok": True, "status": self.status()}
            if op == "ping":
                return {"ok": True, "locked": self.session is None, "pid": os.getpid()}
            if op == "lock":
                self.lock()
                return {"ok": True}
            if op == "stop":
                self.stop()
                return {"ok": True}
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the agent
            return _error(Failure(f"the agent failed ({type(exc).__name__})"))
        return _error(Failure("unknown request to the agent", exit_code=2))

    def _token(self, req: dict[str, Any]) -> dict[str, Any]:
        name, env = req.get("name"), req.get("env")
        sasl, user, force = req.get("sasl"), req.get("user") or "", req.get("force", False)
        valid = (
            client.valid_target(req)
            and (sasl is None or sasl in SASL_MECHANISMS)
            and isinstance(user, str)
            and len(user) <= client.NAME_LIMIT
        )
        if not valid or not isinstance(name, str):
            return _error(Failure("malformed token request to the agent", exit_code=2))

        def answer(session: Session) -> dict[str, Any]:
            tok = self._fresh(name, env, force)
            if sasl and not (user or tok.account):
                return {"ok": False, "fallback": "no user"}  # the CLI says what to add
            from tui.core.agent.view import token_view

            return {"ok": True, "view": token_view(tok, sasl=sasl, user=user)}

        return self._serve(req, answer)

    def _mail(self, req: dict[str, Any]) -> dict[str, Any]:
        from tui.core.agent import mail_access

        if not mail_access.valid_request(req):
            return _error(Failure("malformed mail request to the agent", exit_code=2))
        return self._serve(req, lambda session: mail_access.mail_reply(session, req, self._fresh))

    def _serve(
        self, req: dict[str, Any], answer: Callable[[Session], dict[str, Any]]
    ) -> dict[str, Any]:
        """``answer`` a valid request from the unlocked vault it names; the client opens the
        vault itself (a ``fallback`` reply) when this agent is locked or holds another one."""
        if self.session is None:
            return {"ok": False, "fallback": "locked"}
        if not self._same_vault(req.get("vault"), req):
            return {"ok": False, "fallback": "another vault"}
        self.check_vault()  # may lock the agent (the passphrase was changed)
        session = self.session
        try:
            if session is None:
                return {"ok": False, "fallback": "locked"}
            reply = answer(session)
        except (TokendeskError, VaultError) as exc:
            if self.session is None:  # locked while answering: the client opens the vault
                return {"ok": False, "fallback": "locked"}
            return _error(describe(exc))
        self._wake.set()  # a refresh may have happened: the loop re-plans
        return reply

    def _same_vault(self, vault: str | None, req: dict[str, Any]) -> bool:
        if vault is None:  # the client's default vault: is it this process's default too?
            here = client.default_inputs()
            return self.is_default_vault and all(req.get(k) == v for k, v in here.items())
        return os.path.realpath(vault) == self.vault_path

    def _fresh(self, name: str, env: str | None, force: bool) -> TokenRecord:
        session = self.session
        if session is None:
            raise VaultError("the agent was locked")
        if not force:
            # A fresh token needs no lock: clients are not held up by a refresh elsewhere.
            records = session.records
            comp = resolve(records, name)
            tok = records.token(
                records.require_environment(env or records.current_environment), comp.name
            )
            if tok is not None and tok.is_fresh(comp.refresh_delay):
                return tok
        with self._refresh_lock:
            if self.session is None:
                raise VaultError("the agent was locked")
            tok = fresh_token(session, name, env, force=force)
            self._stat = self._vault_stat()
            return tok

    def status(self) -> dict[str, Any]:
        """The non-secret state ``agent status`` shows."""
        items = []
        if self.session is not None:
            for info in self.infos():
                plan = self.schedule.plan(info)
                st = self.schedule.state(info.environment, info.name)
                items.append(
                    {
                        "environment": info.environment,
                        "component": info.name,
                        "state": plan.state,
                        "next_refresh": plan.at,
                        "keep_alive": plan.keep_alive,
                        "expires_at": info.expires_at,
                        "failures": st.failures,
                        "last_error": st.last_error,
                    }
                )
        return {
            "pid": os.getpid(),
            "since": self.started_at,
            "vault": self.vault_path,
            "locked": self.session is None,
            "locked_reason": self.locked_reason,
            "keep_alive": self.schedule.keep_alive,
            "refreshes": self.refreshes,
            "refused": self.refused,
            "tokens": items,
            "events": list(self.events),
        }


def _load_http_stack() -> None:
    import tui.core.oauth.protocol  # noqa: F401 - imported for its side effect: loaded


def _error(failure: Failure) -> dict[str, Any]:
    """An error reply: the core formatter's fields; the CLI renders the next step."""
    step = failure.next_step.to_dict() if failure.next_step else None
    error = {"message": failure.message, "advice": failure.advice or "", "next_step": step}
    return {"ok": False, "error": {**error, "exit": failure.exit_code}}
