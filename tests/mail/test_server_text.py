"""Server replies shown to users: redacted before they are made one line and cut."""

from __future__ import annotations

from tui.core.mail.decode import clean_line, clean_text
from tui.core.mail.errors import server_text


def test_a_secret_is_redacted_before_the_cut_and_before_spaces_collapse():
    secret = "pass  word\twith spaces"
    raw = ("x" * 290 + secret + " tail").encode()
    shown = server_text(raw, [secret], limit=300)
    assert len(shown) == 300 and shown.endswith("…")
    assert "pass" not in shown and "word" not in shown  # no half secret at the cut
    assert server_text(f"NO [AUTH] {secret} rejected", [secret]) == "NO [AUTH] [redacted] rejected"


def test_server_text_drops_terminal_controls_and_bidi_overrides():
    assert server_text(b"NO \x1b]52;c;ZXZpbA==\x07 bad \xe2\x80\xae txt") == (
        "NO ]52;c;ZXZpbA== bad txt"
    )


def test_mail_cleaners_are_the_core_sanitizer():
    assert clean_line("Subject:\x1b[31m red\u202e\u2028x") == "Subject: [31m red x"
    assert clean_text("a\r\nb\u2028c\x0cd") == "a\nbcd"
