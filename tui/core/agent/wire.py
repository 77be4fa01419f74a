"""JSON for the agent's wire, without importing ``json``.

``import json`` pulls in ``re`` and ``enum``, which together cost about as much as the
interpreter's own start: too much for ``tokendesk token`` through the agent, whose whole
budget is twice ``python -c pass``. These two functions use the C helpers behind the
``json`` module (``_json.scanstring`` and ``_json.encode_basestring_ascii``) and handle
exactly JSON: ``dumps`` flat objects of strings, numbers, booleans and null (the requests),
``loads`` any JSON text (the replies), nested at most ``MAX_DEPTH`` deep. Without ``_json``
(another Python implementation) they fall back to the ``json`` module.
"""

from __future__ import annotations

try:
    from _json import encode_basestring_ascii as _quote
    from _json import scanstring as _scanstring
except ImportError:  # pragma: no cover - CPython always has _json
    _quote = None  # type: ignore[assignment]
    _scanstring = None  # type: ignore[assignment]

MAX_DEPTH = 16
_WS = " \t\n\r"
_NUMBER = "+-0123456789.eE"
_CONSTANTS = {"true": True, "false": False, "null": None}


def dumps(message: dict[str, object]) -> str:
    """One flat JSON object (values: str, int, float, bool or None) on one line."""
    if _quote is None:  # pragma: no cover
        import json

        return json.dumps(message, separators=(",", ":"))
    parts = []
    for key, value in message.items():
        if value is None:
            text = "null"
        elif value is True or value is False:
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = _quote(value)
        elif isinstance(value, int | float) and value == value and abs(value) != float("inf"):
            text = repr(value)
        else:
            raise ValueError(f"cannot send a {type(value).__name__} to the agent")
        parts.append(f"{_quote(key)}:{text}")
    return "{" + ",".join(parts) + "}"


def loads(text: str) -> object:
    """Parse one JSON text; ValueError if it is not exactly that."""
    if _scanstring is None:  # pragma: no cover
        import json

        return json.loads(text)
    value, end = _value(text, _skip(text, 0), 0)
    if _skip(text, end) != len(text):
        raise ValueError("extra data after the JSON value")
    return value


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _value(text: str, i: int, depth: int) -> tuple[object, int]:
    if depth > MAX_DEPTH:
        raise ValueError("JSON nested too deeply")
    if i >= len(text):
        raise ValueError("JSON ends early")
    ch = text[i]
    if ch == '"':
        return _scanstring(text, i + 1, True)
    if ch == "{":
        return _object(text, i + 1, depth + 1)
    if ch == "[":
        return _array(text, i + 1, depth + 1)
    for word, constant in _CONSTANTS.items():
        if text.startswith(word, i):
            return constant, i + len(word)
    end = i
    while end < len(text) and text[end] in _NUMBER:
        end += 1
    token = text[i:end]
    if not _is_number(token):
        raise ValueError(f"not JSON at {i}")
    if any(c in token for c in ".eE"):
        return float(token), end
    return int(token), end


def _object(text: str, i: int, depth: int) -> tuple[dict[str, object], int]:
    result: dict[str, object] = {}
    i = _skip(text, i)
    if text[i : i + 1] == "}":
        return result, i + 1
    while True:
        if text[i : i + 1] != '"':
            raise ValueError(f"expected a key at {i}")
        key, i = _scanstring(text, i + 1, True)
        i = _skip(text, i)
        if text[i : i + 1] != ":":
            raise ValueError(f"expected ':' at {i}")
        result[key], i = _value(text, _skip(text, i + 1), depth)
        i = _skip(text, i)
        if text[i : i + 1] == "}":
            return result, i + 1
        if text[i : i + 1] != ",":
            raise ValueError(f"expected ',' or '}}' at {i}")
        i = _skip(text, i + 1)


def _array(text: str, i: int, depth: int) -> tuple[list[object], int]:
    result: list[object] = []
    i = _skip(text, i)
    if text[i : i + 1] == "]":
        return result, i + 1
    while True:
        item, i = _value(text, i, depth)
        result.append(item)
        i = _skip(text, i)
        if text[i : i + 1] == "]":
            return result, i + 1
        if text[i : i + 1] != ",":
            raise ValueError(f"expected ',' or ']' at {i}")
        i = _skip(text, i + 1)


def _digits(text: str, i: int) -> int:
    while i < len(text) and text[i] in "0123456789":
        i += 1
    return i


def _is_number(token: str) -> bool:
    """JSON's number grammar: ``-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?``."""
    i = 1 if token[:1] == "-" else 0
    if token[i : i + 1] == "0":
        i += 1
    elif token[i : i + 1] in ("1", "2", "3", "4", "5", "6", "7", "8", "9"):
        i = _digits(token, i + 1)
    else:
        return False
    if token[i : i + 1] == ".":
        start, i = i + 1, _digits(token, i + 1)
        if i == start:
            return False
    if token[i : i + 1] in ("e", "E"):
        i += 1
        if token[i : i + 1] in ("+", "-"):
            i += 1
        start, i = i, _digits(token, i)
        if i == start:
            return False
    return i == len(token)
