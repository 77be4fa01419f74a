"""A private Dovecot IMAP server for tests and benchmarks.

`Dovecot` writes a configuration into a directory of its own, generates a private CA and a
server certificate for ``127.0.0.1``/``localhost`` with ``openssl``, and runs
``dovecot -F -c <conf>`` on free loopback ports:

- ``imaps_port``: implicit TLS;
- ``imap_port``: plain IMAP that offers STARTTLS;
- ``plain_port`` (only with ``no_starttls=True``): plain IMAP that does NOT offer STARTTLS.
  Dovecot 2.3 cannot switch TLS off per listener, so this port belongs to a second master
  process with ``ssl = no`` that serves the same maildirs.
- with ``pop3=True``: ``pop3s_port`` (implicit TLS), ``pop3_port`` (offers STLS) and, with
  ``no_starttls``, ``plain_pop3_port`` (no STLS). UIDLs are ``%08Xu%08Xv``.
- with ``relay_port`` (an SMTP server on 127.0.0.1 that receives what is submitted, e.g.
  `tests.support.smtpsink.SmtpSink`): ``submissions_port`` (implicit TLS),
  ``submission_port`` (offers STARTTLS) and, with ``no_starttls``,
  ``plain_submission_port``. Dovecot's submission service authenticates like IMAP and
  relays every message to the relay.

Users: every entry of ``passwords`` logs in with PLAIN/LOGIN (passwd-file); any other user
logs in with XOAUTH2/OAUTHBEARER, checked by Dovecot's ``oauth2`` passdb with RFC 7662
introspection against ``introspection_url`` (a URL whose userinfo holds the resource
server's client credentials, sent as HTTP Basic). The introspection reply's
``username_attribute`` claim must equal the SASL user.

The auth penalty and failure delay are off, so failed logins answer at once. Mail lives in
``maildir(user)``; after writing files there call `resync`.

Example::

    with Dovecot(tmp_path, introspection_url="http://rs:secret@127.0.0.1:8000/introspect") as d:
        imapclient.IMAPClient(d.host, d.imaps_port, ssl_context=d.ssl_context())

Raises `DovecotMissing` (never skips) when the ``dovecot`` binary is not installed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from pathlib import Path

from tests.support.dovecot_conf import oauth_conf, write_conf
from tests.support.loopback import HOST, free_port, make_ca, make_server_cert

DEFAULT_PASSWORDS = {"pat@example.test": "correct horse battery staple"}


class DovecotMissing(RuntimeError):
    """The ``dovecot``/``doveadm`` binaries are not installed (tests must fail, not skip)."""


class DovecotFailed(RuntimeError):
    """Dovecot did not start or a doveadm command failed; the message includes its log tail."""


def find_binary(name: str) -> str:
    """Return the path of a Dovecot binary or raise `DovecotMissing`."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not found:
        raise DovecotMissing(
            f"{name!r} not found: install Debian's dovecot-imapd (apt-get install -y dovecot-imapd)"
        )
    return found


def _mail_owner() -> tuple[int, int, str, str]:
    """uid, gid and their names for mail processes (Dovecot refuses to run them as root)."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        group = "nogroup"
        try:
            import grp

            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            gid, group = nobody.pw_gid, str(nobody.pw_gid)
        return nobody.pw_uid, gid, "nobody", group
    import grp

    me = pwd.getpwuid(os.getuid())
    try:
        group = grp.getgrgid(me.pw_gid).gr_name
    except KeyError:
        group = str(me.pw_gid)
    return me.pw_uid, me.pw_gid, me.pw_name, group


class Dovecot:
    """One private Dovecot server (see the module docstring). Use as a context manager."""

    host = HOST

    def __init__(
        self,
        root: Path,
        *,
        introspection_url: str | None = None,
        username_attribute: str = "email",
        passwords: dict[str, str] | None = None,
        no_starttls: bool = False,
        pop3: bool = False,
        relay_port: int | None = None,
        debug: bool = False,
    ) -> None:
        self.root = Path(root)
        self.introspection_url = introspection_url
        self.username_attribute = username_attribute
        self.passwords = dict(DEFAULT_PASSWORDS if passwords is None else passwords)
        self.no_starttls = no_starttls
        self.debug = debug
        self.imaps_port = 0
        self.imap_port = 0
        self.plain_port: int | None = None
        self.pop3 = pop3
        self.relay_port = relay_port
        self.pop3_port = self.pop3s_port = 0
        self.submission_port = self.submissions_port = 0
        self.plain_pop3_port: int | None = None
        self.plain_submission_port: int | None = None
        self._procs: list[subprocess.Popen[bytes]] = []
        self._confs: list[Path] = []
        self.uid, self.gid, self.user_name, self.group_name = _mail_owner()
        self.instance = f"tokendesk-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tls = self.root / "tls"
        self.ca_file = tls / "ca.crt"
        self.cert_file = tls / "server.crt"
        self.key_file = tls / "server.key"

    # -- paths -----------------------------------------------------------------------------

    @property
    def mail_root(self) -> Path:
        return self.root / "mail"

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        """The Maildir++ directory of ``folder`` for ``user`` (INBOX is the user's root)."""
        base = self.mail_root / user
        return base if folder.upper() == "INBOX" else base / ("." + folder.replace("/", "."))

    @property
    def conf_file(self) -> Path:
        return self._confs[0]

    @property
    def log_file(self) -> Path:
        return self.root / "log" / "dovecot.log"

    def log(self, tail: int = 60) -> str:
        """The last ``tail`` lines of Dovecot's log (all instances), for failure messages."""
        lines: list[str] = []
        for f in sorted((self.root / "log").glob("*.log")):
            lines += f.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def ssl_context(self, ca_file: Path | None = None) -> ssl.SSLContext:
        """A verifying client context that trusts this server's private CA."""
        return ssl.create_default_context(cafile=str(ca_file or self.ca_file))

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Write config, certificates and users, then run Dovecot until its ports answer."""
        dovecot = find_binary("dovecot")
        find_binary("doveadm")
        for sub in ("tls", "log", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._check_traversable()
        # Auth and mail processes run unprivileged and must reach files below root.
        self.root.chmod(0o755)
        for sub in ("mail", "home"):
            os.chown(self.root / sub, self.uid, self.gid)
        if not self.cert_file.exists():
            ca = make_ca(self.root / "tls")
            make_server_cert(self.root / "tls", ca)
            self.key_file.chmod(0o644)  # read by Dovecot's config process as root anyway
        users = self.root / "users"
        users.write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.passwords.items()))
        users.chmod(0o644)
        oauth = self.root / "oauth2.conf.ext"
        oauth.write_text(oauth_conf(self))
        oauth.chmod(0o644)

        last_error: Exception | None = None
        for _attempt in range(3):  # a port picked as free may be taken before Dovecot binds it
            self.imaps_port, self.imap_port = free_port(), free_port()
            self.plain_port = free_port() if self.no_starttls else None
            ports = [self.imaps_port, self.imap_port]
            if self.pop3:
                self.pop3_port, self.pop3s_port = free_port(), free_port()
                ports += [self.pop3_port, self.pop3s_port]
                self.plain_pop3_port = free_port() if self.no_starttls else None
            if self.relay_port:
                self.submission_port, self.submissions_port = free_port(), free_port()
                ports += [self.submission_port, self.submissions_port]
                self.plain_submission_port = free_port() if self.no_starttls else None
            ports += [
                p for p in (self.plain_port, self.plain_pop3_port, self.plain_submission_port) if p
            ]
            self._confs = [write_conf(self, "main", tls=True)]
            if self.no_starttls:
                self._confs.append(write_conf(self, "plain", tls=False))
            try:
                for conf in self._confs:
                    self._procs.append(
                        subprocess.Popen(
                            [dovecot, "-F", "-c", str(conf)],
                            stdout=subprocess.DEVNULL,
                            stderr=open(self.root / "log" / "stderr.log", "ab"),  # noqa: SIM115
                        )
                    )
                self._wait_for(ports)
                return
            except DovecotFailed as e:
                last_error = e
                self.stop()
        raise DovecotFailed(f"Dovecot did not start: {last_error}")

    def _check_traversable(self) -> None:
        """Dovecot's auth and mail processes run unprivileged: every parent must be o+x."""
        if os.geteuid() != 0:
            return
        for parent in self.root.resolve().parents:
            if not parent.stat().st_mode & 0o001:
                raise DovecotFailed(
                    f"{parent} is not searchable by others (mode "
                    f"{parent.stat().st_mode & 0o777:o}); Dovecot's unprivileged processes "
                    "could not reach the server directory: use a directory under /tmp "
                    "(e.g. tempfile.mkdtemp())"
                )

    def _wait_for(self, ports: list[int], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(ports)
        while pending:
            for proc in self._procs:
                if proc.poll() is not None:
                    raise DovecotFailed(f"dovecot exited with {proc.returncode}\n{self.log()}")
            try:
                with socket.create_connection((HOST, pending[0]), timeout=1):
                    pending.pop(0)
                    continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise DovecotFailed(f"port {pending[0]} never answered\n{self.log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop every master process and wait until each has exited."""
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._procs.clear()

    # -- mail ------------------------------------------------------------------------------

    def doveadm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``doveadm -c <conf> ARGS`` against this server's configuration."""
        result = subprocess.run(
            [find_binary("doveadm"), "-c", str(self.conf_file), *args],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise DovecotFailed(
                f"doveadm {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
            )
        return result

    def chown_mail(self, path: Path | None = None) -> None:
        """Give written maildir files to the mail user (no-op when not running as root)."""
        if os.geteuid() == 0:
            subprocess.run(
                ["chown", "-R", f"{self.uid}:{self.gid}", str(path or self.mail_root)], check=True
            )

    def resync(self, user: str, folder: str = "*") -> None:
        """Make Dovecot's index match files written directly into the user's maildirs."""
        self.chown_mail(self.mail_root / user)
        self.doveadm("force-resync", "-u", user, folder)
