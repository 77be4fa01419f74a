"""Field checks shared by every model, and rebuilding models from the vault."""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from tui.core.errors import ValidationError
from tui.core.models.field_help import FIELD_HELP

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
VARIABLE_REF = re.compile(r"@(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
M = TypeVar("M")
TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*")


def is_loopback_host(host: str) -> bool:
    """True for exactly ``localhost`` and literal loopback addresses (127.0.0.0/8, ::1).

    ``*.localhost`` names are not: a resolver may send them to DNS like any other name.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(value: str, field_name: str, *, required: bool = True) -> None:
    """Require an https URL with a host; plain http only for loopback hosts."""
    label = FIELD_HELP.get(field_name, (field_name, ""))[0]
    if not value:
        if required:
            raise ValidationError(f"{label} is required", field=field_name)
        return
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise ValidationError(f"{label} is not a valid URL: {value!r}", field=field_name) from None
    if parts.scheme not in ("https", "http") or not host or any(c.isspace() for c in value):
        raise ValidationError(
            f"{label} must be an https:// URL with a host, got {value!r}", field=field_name
        )
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValidationError(
            f"{label} must use https (plain http is only accepted for loopback hosts)",
            field=field_name,
        )


def is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return False


def parse_variable_ref(ref: str) -> str:
    """Return the variable name of ``@Name`` or ``@{Name}``; raise ValidationError otherwise."""
    m = VARIABLE_REF.fullmatch(ref.strip())
    if not m:
        raise ValidationError(
            f"not a variable reference: {ref!r} (expected @Name or @{{Name}})", field="token_ref"
        )
    return m.group(1) or m.group(2)


def check_name(name: str) -> None:
    if not name or not name.strip():
        raise ValidationError("Name is required", field="name")
    if name != name.strip() or len(name) > 64 or not name.isprintable() or name.startswith("@"):
        raise ValidationError(
            "Name must be 1-64 printable characters, without surrounding spaces or a leading @",
            field="name",
        )


def default_variable(name: str) -> str:
    """The variable a component gets when none is given: its name, made an identifier."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return ident if IDENTIFIER.fullmatch(ident) else f"_{ident}"


def set_field(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@functools.cache
def field_defaults(cls: Any) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((f.name, f.default, f.default_factory) for f in dataclasses.fields(cls))


def known_fields(cls: Any, d: dict[str, Any]) -> dict[str, Any]:
    """The items of ``d`` that are fields of dataclass ``cls`` (a newer version may have
    written more)."""
    names = {name for name, _, _ in field_defaults(cls)}
    return {k: v for k, v in d.items() if k in names}


def trusted(cls: type[M], d: dict[str, Any]) -> M:
    """Rebuild a model from the vault without re-validating it.

    The vault's authenticated encryption guarantees the record is exactly what a save
    wrote, and saves only hold validated models; skipping validation keeps loading 500
    components in a few milliseconds.
    """
    obj = object.__new__(cls)
    for name, default, factory in field_defaults(cast(Any, cls)):
        if name in d:
            value = d[name]
        elif default is not dataclasses.MISSING:
            value = default
        else:
            value = factory()
        object.__setattr__(obj, name, value)
    return obj


def fields_dict(obj: Any) -> dict[str, Any]:
    # Shallow, unlike dataclasses.asdict: the result is serialized to JSON at once.
    cls: type = type(obj)
    return {name: getattr(obj, name) for name, _, _ in field_defaults(cls)}
