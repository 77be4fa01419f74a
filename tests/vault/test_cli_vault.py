"""The vault verbs of the CLI, run as real processes: messages and exit codes, no tracebacks."""

from __future__ import annotations

import json
import struct

from tests.support.fixtures_vault import PASSPHRASE, cli_env, run_cli


def assert_clean_failure(result, code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("tokendesk: hint")]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_init_then_use(cli, vault_path):
    result = cli("init")
    assert result.returncode == 0, result.stderr
    assert vault_path.exists()
    assert PASSPHRASE not in result.stdout + result.stderr
    assert cli("env", "list").stdout.splitlines() == ["* Test", "  Production"]
    assert cli("env", "add", "Staging").returncode == 0
    assert cli("env", "use", "Staging").returncode == 0
    listed = json.loads(cli("env", "list", "--json").stdout)
    assert listed == {"current": "Staging", "environments": ["Test", "Production", "Staging"]}
    assert_clean_failure(cli("env", "rm", "Staging"), 2, "current environment")
    assert_clean_failure(cli("env", "add", "staging"), 2, "exists already")
    assert_clean_failure(cli("env", "use", "Nope"), 2, "no environment named 'Nope'")
    assert cli("env", "use", "Test").returncode == 0
    assert cli("env", "rm", "Staging").returncode == 0
    assert json.loads(cli("components", "--json").stdout) == []


def test_init_refuses_existing_vault(cli, vault_path):
    assert cli("init").returncode == 0
    before = vault_path.read_bytes()
    assert_clean_failure(cli("init", passphrase="another one"), 1, "already exists")
    assert vault_path.read_bytes() == before


def test_wrong_passphrase(cli, make_vault):
    make_vault()
    result = cli("env", "list", passphrase="wrong guess")
    assert_clean_failure(result, 1, "wrong passphrase")
    assert "wrong guess" not in result.stderr


def test_missing_vault(cli):
    assert_clean_failure(cli("components"), 1, "no vault at", "tokendesk init")


def test_missing_vault_named_with_option_hints_init_with_it(tmp_path):
    missing = tmp_path / "my vault.tokendesk"
    result = run_cli("--vault", str(missing), "components", env=cli_env(None))
    assert_clean_failure(result, 1, "no vault at")
    # Plain `tokendesk init` would create the default vault, not this one.
    assert f"run: tokendesk init --vault '{missing}'" in result.stderr


def test_components_columns_line_up(cli, make_vault):
    from tui.core.models.mail import MailComponent
    from tui.core.models.oauth import OAuthComponent
    from tui.core.records import Records

    records = Records()
    records.add(OAuthComponent(name="MS", type="microsoft", client_id="c"))
    records.add(
        OAuthComponent(
            name="Custom",
            authorization_url="https://idp.example.com/a",
            token_url="https://idp.example.com/t",
            client_id="c",
        )
    )
    records.add(MailComponent(name="Inbox", host="imap.example.com", token_ref="@MS"))
    make_vault(records)
    lines = cli("components").stdout.splitlines()
    assert len(lines) == 3
    # The third column starts at the same place on every row.
    thirds = ("@MS", "@Custom", "imap.")
    starts = {line.index(third) for line, third in zip(lines, thirds, strict=True)}
    assert len(starts) == 1, lines


def test_bad_vault_path(tmp_path):
    env = cli_env(None)
    assert_clean_failure(
        run_cli("--vault", str(tmp_path), "components", env=env), 2, "is a directory"
    )
    assert_clean_failure(run_cli("--vault", "", "components", env=env), 2, "empty")
    not_dir = tmp_path / "file"
    not_dir.write_text("x")
    assert_clean_failure(run_cli("--vault", str(not_dir / "v"), "init", env=env), 1)


def test_vault_env_variable_and_option(tmp_path):
    a, b = tmp_path / "a.tokendesk", tmp_path / "b.tokendesk"
    assert run_cli("init", env=cli_env(a)).returncode == 0
    assert run_cli("--vault", str(b), "init", env=cli_env(a)).returncode == 0
    assert a.exists() and b.exists()


def test_newer_format_version(cli, make_vault, vault_path):
    make_vault()
    blob = bytearray(vault_path.read_bytes())
    blob[8:10] = struct.pack(">H", 3)
    vault_path.write_bytes(bytes(blob))
    assert_clean_failure(cli("components"), 1, "newer tokendesk")


def test_not_a_vault(cli, vault_path):
    vault_path.parent.mkdir(parents=True)
    vault_path.write_text("hello\n")
    assert_clean_failure(cli("components"), 1, "not a tokendesk vault")


def test_no_tty_and_no_passphrase_source(cli, make_vault):
    make_vault()
    assert_clean_failure(cli("components", passphrase=None), 2, "TOKENDESK_PASSPHRASE")


def test_passphrase_command(cli, make_vault):
    make_vault()
    ok = cli(
        "components",
        passphrase=None,
        env={"TOKENDESK_PASSPHRASE_COMMAND": f"printf '%s\\nurl: example\\n' '{PASSPHRASE}'"},
    )
    assert ok.returncode == 0, ok.stderr
    failed = cli("components", passphrase=None, env={"TOKENDESK_PASSPHRASE_COMMAND": "false"})
    assert_clean_failure(failed, 1, "passphrase command exited with status 1")
    missing = cli(
        "components", passphrase=None, env={"TOKENDESK_PASSPHRASE_COMMAND": "/nonexistent/helper"}
    )
    assert_clean_failure(missing, 1, "could not run")


def test_passwd(cli, make_vault, vault_path):
    make_vault()
    assert cli("env", "add", "Staging").returncode == 0  # makes a backup generation
    assert vault_path.with_name(vault_path.name + ".bak").exists()
    result = cli("passwd", env={"TOKENDESK_NEW_PASSPHRASE": "brand new"})
    assert result.returncode == 0, result.stderr
    assert not vault_path.with_name(vault_path.name + ".bak").exists()
    assert_clean_failure(cli("env", "list"), 1, "wrong passphrase")
    assert "Staging" in cli("env", "list", passphrase="brand new").stdout


def test_usage_errors_exit_2(cli):
    result = cli("frobnicate")
    assert_clean_failure(result, 2, "invalid choice")
    assert_clean_failure(cli("env"), 2)


def test_version():
    result = run_cli("--version", env=cli_env(None))
    assert result.returncode == 0
    assert result.stdout.startswith("tokendesk ")


def test_output_errors_are_clean(cli, make_vault, vault_path):
    import subprocess
    import sys

    from tests.support.fixtures_vault import REPO

    make_vault()
    env = cli_env(vault_path)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "tui", "env", "list"],
            env=env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
    assert_clean_failure(result, 1, "cannot write to standard output: No space left")
    closed = subprocess.run(
        [sys.executable, "-m", "tui", "env", "list"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        pass_fds=(),
        close_fds=True,
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert_clean_failure(closed, 1, "standard output: it is closed")
    # A reader that goes away (`| head`): no message, the SIGPIPE status.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "env", "list"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert stderr == ""


def test_abbreviations_refused_and_vault_after_the_verb(cli, make_vault, vault_path):
    make_vault()
    assert_clean_failure(
        cli("env", "list", "--js"), 2, "unrecognized arguments: --js", "tokendesk env list --help"
    )
    result = run_cli("env", "list", "--vault", str(vault_path), env=cli_env(None))
    assert result.returncode == 0, result.stderr
    assert "* Test" in result.stdout
