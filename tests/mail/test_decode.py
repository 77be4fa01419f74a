"""Unit tests of the lenient mail decoding (no server needed)."""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.policy import compat32

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import mailgen
from tui.core.mail.decode import (
    body_and_attachments,
    clean_line,
    clean_text,
    decode_bytes,
    decode_rfc2047,
    format_address,
    header_text,
    html_to_text,
)


def test_rfc2047_joins_split_multibyte_words():
    raw = "Grüße".encode()
    words = [base64.b64encode(raw[:3]).decode(), base64.b64encode(raw[3:]).decode()]
    text = f"=?UTF-8?B?{words[0]}?= =?UTF-8?B?{words[1]}?="
    assert decode_rfc2047(text) == "Grüße"


def test_rfc2047_keeps_spacing_around_plain_text():
    assert decode_rfc2047("Re: =?utf-8?q?a?= =?utf-8?q?b?= tail") == "Re: ab tail"
    assert decode_rfc2047("pre =?iso-8859-1?q?caf=E9?= post") == "pre café post"


def test_rfc2047_unknown_charset_and_bad_base64_do_not_crash():
    assert decode_rfc2047("=?x-nothing?Q?Broken_=E9?=") == "Broken é"
    assert decode_rfc2047("=?utf-8?B?@@@?=") in ("=?utf-8?B?@@@?=", "")


def test_header_text_handles_raw_8bit_and_controls():
    raw = "Subject \udcc3\udca9t\udce9 \x1b[31mred\x07"  # surrogate-escaped bytes from the parser
    text = header_text(raw)
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("Subject ")


def test_decode_bytes_fallbacks():
    assert decode_bytes("Привет".encode("koi8-r"), "koi8-r") == "Привет"
    assert decode_bytes("会議".encode("shift_jis"), "x-sjis") == "会議"
    assert decode_bytes(b"caf\xe9", "us-ascii") == "café"  # mislabelled 8-bit "ascii"
    assert decode_bytes(b"caf\xe9", "no-such-charset") == "café"
    assert decode_bytes(b"ok \xc3\x28", "utf-8") == "ok \ufffd("


def test_clean_removes_terminal_escapes_but_keeps_layout():
    assert clean_text("a\tb\r\nc\x1b]0;title\x07d") == "a\tb\nc]0;titled"
    assert clean_line(" a \n\t b ") == "a b"


def test_format_address():
    assert (
        format_address(b"=?utf-8?q?J=C3=B6rg?=", b"j", b"example.test") == "Jörg <j@example.test>"
    )
    assert format_address(None, b"bob", b"example.test") == "bob@example.test"


def test_html_to_text_drops_scripts_and_styles():
    text = html_to_text("<style>p{}</style><script>evil()</script><p>Hello <b>you</b></p>")
    assert "Hello you" in text
    assert "evil" not in text and "p{}" not in text


def test_every_corpus_message_decodes_as_expected():
    for item in mailgen.corpus():
        msg = message_from_bytes(item.raw, policy=compat32)
        body, _type, attachments = body_and_attachments(msg)
        assert item.body_snippet in body, item.key
        assert [(a[0], a[2]) for a in attachments] == list(item.attachments), item.key
        if "absent" in item.extra:
            assert item.extra["absent"] not in body


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "koi8-r", "bogus", "us-ascii"]))
def test_decode_bytes_never_raises(data, charset):
    assert isinstance(decode_bytes(data, charset), str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_header_text_never_raises_and_has_no_controls(text):
    out = header_text(text)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in out)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_into_a_view(data):
    msg = message_from_bytes(data, policy=compat32)
    body, _type, _atts = body_and_attachments(msg)
    assert isinstance(body, str)


def test_bodystructure_parts_and_size_estimate():
    from tui.core.mail.reading import estimate_size, leaf_parts

    text = (b"text", b"plain", None, None, None, b"7bit", 22, 1, None, None, None, None)
    pdf = (b"application", b"pdf", None, None, None, b"base64", 7800, None, None, None, None)
    inner = ([text, pdf], b"mixed", None, None, None, None)
    structure = ([inner, text], b"mixed", None, None, None, None)
    assert [n for n, _ in leaf_parts(structure)] == ["1.1", "1.2", "2"]
    assert estimate_size(structure, "1.2") == 5700  # 76-column base64 + CRLF: 57 of 78 bytes
    assert estimate_size(structure, "2") == 22
    assert [n for n, _ in leaf_parts(text)] == ["1"]


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe broken", "caf\u00e9 =?utf-8?q?d=C3=A9j=C3=A0?=".encode(), b"plain =?x-bad?q?a?="],
)
def test_a_parsed_8bit_header_reads_as_the_raw_bytes_do(raw):
    """POP3 parses headers (compat32 wraps 8-bit ones in a Header); IMAP's ENVELOPE gives the
    raw bytes: the same message must show the same subject either way."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    parsed = BytesHeaderParser(policy=compat32).parsebytes(b"Subject: " + raw + b"\r\n\r\n")
    assert header_text(parsed.get("Subject")) == header_text(raw)
    assert "\ufffd" not in header_text(parsed.get("Subject"))
