"""The agent's JSON without ``json``: it agrees with the ``json`` module."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.agent import wire

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(documents)
def test_loads_reads_what_json_writes(value):
    for text in (json.dumps(value), json.dumps(value, indent=2, ensure_ascii=False)):
        assert wire.loads(text) == value


@given(st.dictionaries(st.text(), scalars, max_size=8))
def test_dumps_writes_what_json_reads(message):
    assert json.loads(wire.dumps(message)) == message


@given(st.text(max_size=40) | st.text(alphabet='0123456789+-.eE[]{},: "', max_size=12))
def test_loads_never_accepts_what_json_rejects(text):
    try:
        ours = wire.loads(text)
    except ValueError:
        return
    assert json.loads(text) == ours


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"a":}',
        '{"a":1,}',
        "[1,]",
        "01",
        "+1",
        "1.",
        ".5",
        "-",
        "1e",
        "1e+",
        "-01",
        "1.e5",
        "NaN",
        "Infinity",
        '"\\x"',
        "1 2",
        '{"a" 1}',
        "tru",
        "[" * 40 + "]" * 40,
    ],
)
def test_malformed_is_refused(text):
    with pytest.raises(ValueError):
        wire.loads(text)


def test_dumps_refuses_nested_or_odd_values():
    for value in ([1], {"a": 1}, float("nan"), object()):
        with pytest.raises(ValueError):
            wire.dumps({"k": value})
