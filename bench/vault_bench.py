"""Vault benchmark: unlock with the default KDF, save (no KDF) and open for 10/500 components.

Run: .venv/bin/python bench/vault_bench.py
Targets (issue 2): save of 500 components <= 20 ms; unlock <= 1 s on a 2-core machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.core.models.mail import MailComponent  # noqa: E402
from tui.core.models.oauth import OAuthComponent, TokenRecord  # noqa: E402
from tui.core.records import Records  # noqa: E402
from tui.core.session import Session  # noqa: E402
from vault import KdfParams, Vault  # noqa: E402

PASS = "benchmark passphrase"


def records_with(n: int) -> Records:
    r = Records()
    for i in range(n // 2):
        r.add(
            OAuthComponent(
                name=f"oauth{i}",
                type="microsoft",
                client_id=f"client-{i:08d}-aaaa-bbbb-cccc",
                client_secret="s" * 40,
                variable=f"Tok{i}",
            )
        )
        for env in ("Test", "Production"):
            r.set_token(
                env,
                f"oauth{i}",
                TokenRecord(
                    access_token="a" * 1500,
                    refresh_token="r" * 800,
                    expires_at=time.time() + 3600,
                    scope="offline_access https://outlook.office.com/IMAP.AccessAsUser.All",
                    id_claims={"email": f"user{i}@example.com"},
                ),
            )
    for i in range(n - n // 2):
        r.add(
            MailComponent(
                name=f"mail{i}", host="imap.example.com", token_ref=f"@Tok{i % max(1, n // 2)}"
            )
        )
    return r


def timeit(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def row(label: str, samples: list[float], target: str = "") -> None:
    print(
        f"{label:<38} {statistics.median(samples):>9.2f} {min(samples):>9.2f} "
        f"{max(samples):>9.2f}  {target}"
    )


def main() -> None:
    print(f"{'operation':<38} {'median ms':>9} {'min':>9} {'max':>9}  target")
    with tempfile.TemporaryDirectory() as tmp:
        kdf = KdfParams()
        row(
            f"KDF alone (Argon2id {kdf.memory_kib // 1024} MiB t={kdf.iterations} p={kdf.lanes})",
            timeit(lambda: kdf.derive(PASS, b"\0" * 16), 5),
        )
        for n in (10, 500):
            path = Path(tmp) / f"v{n}.tokendesk"
            Vault.create(path, PASS, records_with(n).to_payload())
            size = path.stat().st_size
            row(
                f"unlock (open + KDF), {n} components",
                timeit(lambda p=path: Session.open(p, PASS), 5),
                "<= 1000",
            )
            session = Session.open(path, PASS)

            def save(s=session):
                with s.edit() as records:
                    records.current_environment = "Production"

            row(
                f"save (locked re-read + write), {n}", timeit(save, 30), "<= 20" if n == 500 else ""
            )
            row(f"re-read without KDF, {n}", timeit(session.reload, 30))
            print(f"{'':<38} file size {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
