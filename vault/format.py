"""The vault's bytes on disk: encoding and decoding, with no file-system access.

Layout (all integers big-endian; see ``vault/FORMAT.md``)::

    magic      8 bytes   b"TKDVAULT"
    version    2 bytes   format version (1)
    hlen       4 bytes   length of the header
    header     hlen      canonical JSON: KDF, wrapped data key, payload nonce
    sealed     rest      AEAD(data key, payload nonce, payload, ad = every byte before it)

Randomness (salt, data key, nonces) is passed in by the caller, so known-answer tests
can pin the format. Parsing checks structure and parameter bounds before any key
derivation runs. A failure to unwrap the data key is one opaque ``WrongPassphrase`` (wrong
passphrase, or a changed KDF section); once the key is unwrapped the passphrase is known to
be right, so a payload that fails authentication is ``CorruptVault``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from .errors import CorruptVault, NotAVault, UnsafeParameters, UnsupportedVersion, WrongPassphrase

MAGIC = b"TKDVAULT"
VERSION = 1
_PREFIX = struct.Struct(">8sHI")
PREFIX_SIZE = _PREFIX.size
MAX_HEADER = 64 * 1024
KEY_SIZE = 32
NONCE_SIZE = 12
SALT_SIZE = 16
TAG_SIZE = 16
_WRAP_AD = b"tokendesk-vault/data-key/v1"

# Bounds on KDF parameters read from a file: refuse both a key derivation too weak to
# protect anything and one so costly that opening the file becomes a denial of service.
MIN_MEMORY_KIB = 8 * 1024
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_ITERATIONS = 64
MAX_LANES = 64
# Within those bounds a planted file could still ask for 4 GiB x 64 passes (minutes of work
# before "wrong passphrase"): the cost (memory x passes) is also capped at a small multiple
# of the default, unless the caller opts in (the user chose costlier parameters).
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_ITERATIONS = 3
MAX_COST_FACTOR = 4
MAX_COST = MAX_COST_FACTOR * DEFAULT_MEMORY_KIB * DEFAULT_ITERATIONS


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters; stored in the header so they can be raised later."""

    memory_kib: int = DEFAULT_MEMORY_KIB
    """Memory cost in KiB (RFC 9106 second recommended option: 64 MiB)."""
    iterations: int = DEFAULT_ITERATIONS
    """Number of passes over memory."""
    lanes: int = 4
    """Degree of parallelism."""

    def check(self) -> None:
        """Raise ``UnsafeParameters`` unless every parameter lies within the accepted bounds."""
        ok = (
            MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB
            and 1 <= self.iterations <= MAX_ITERATIONS
            and 1 <= self.lanes <= MAX_LANES
            and self.memory_kib >= 8 * self.lanes
        )
        if not ok:
            raise UnsafeParameters(
                "the vault asks for key-derivation parameters outside the accepted range "
                f"(memory {self.memory_kib} KiB, iterations {self.iterations}, lanes {self.lanes})"
            )

    @property
    def cost(self) -> int:
        """Memory x passes, in KiB: what one derivation costs."""
        return self.memory_kib * self.iterations

    def check_cost(self, *, allow_costly: bool = False) -> None:
        """Raise ``UnsafeParameters`` when the cost exceeds ``MAX_COST`` without opt-in."""
        self.check()
        if self.cost > MAX_COST and not allow_costly:
            raise UnsafeParameters(
                f"the vault asks for a key derivation of {self.memory_kib // 1024} MiB x "
                f"{self.iterations} passes, more than {MAX_COST_FACTOR} times the default "
                f"({DEFAULT_MEMORY_KIB // 1024} MiB x {DEFAULT_ITERATIONS}); it was not run"
            )

    def derive(self, passphrase: str, salt: bytes, *, allow_costly: bool = False) -> bytes:
        """Derive the 32-byte key-encryption key from a passphrase.

        Raises:
            UnsafeParameters: parameters out of bounds, or costlier than ``MAX_COST``
                without ``allow_costly``.
        """
        self.check_cost(allow_costly=allow_costly)
        kdf = Argon2id(
            salt=salt,
            length=KEY_SIZE,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(passphrase.encode("utf-8"))


@dataclass(frozen=True)
class Header:
    """The parsed header: everything needed to unwrap the data key and open the payload."""

    kdf: KdfParams
    salt: bytes
    wrap_nonce: bytes
    wrapped_key: bytes
    payload_nonce: bytes

    def key_section(self) -> tuple[KdfParams, bytes, bytes, bytes]:
        """What identifies the wrapped data key (changes only with the passphrase)."""
        return (self.kdf, self.salt, self.wrap_nonce, self.wrapped_key)

    def to_bytes(self) -> bytes:
        """Canonical JSON encoding of the header."""
        doc = {
            "kdf": {
                "alg": "argon2id",
                "memory_kib": self.kdf.memory_kib,
                "iterations": self.kdf.iterations,
                "lanes": self.kdf.lanes,
                "salt": _b64(self.salt),
            },
            "key": {
                "alg": "aes-256-gcm",
                "nonce": _b64(self.wrap_nonce),
                "wrapped": _b64(self.wrapped_key),
            },
            "payload": {
                "alg": "aes-256-gcm",
                "encoding": "json",
                "nonce": _b64(self.payload_nonce),
            },
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise CorruptVault("the vault header is damaged")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptVault("the vault header is damaged") from None
    if size is not None and len(data) != size:
        raise CorruptVault("the vault header is damaged")
    return data


def _wrap_ad(kdf: KdfParams, salt: bytes) -> bytes:
    return _WRAP_AD + struct.pack(">III", kdf.memory_kib, kdf.iterations, kdf.lanes) + salt


def wrap_key(
    kek: bytes, data_key: bytes | bytearray, kdf: KdfParams, salt: bytes, nonce: bytes
) -> bytes:
    """Encrypt the data key under the key-encryption key."""
    return AESGCM(kek).encrypt(nonce, data_key, _wrap_ad(kdf, salt))


def unwrap_key(kek: bytes, header: Header) -> bytes:
    """Recover the data key; any failure is a wrong passphrase or a tampered header."""
    try:
        key = AESGCM(kek).decrypt(
            header.wrap_nonce, header.wrapped_key, _wrap_ad(header.kdf, header.salt)
        )
    except InvalidTag:
        raise WrongPassphrase(
            "wrong passphrase, or the vault file was damaged or tampered with"
        ) from None
    if len(key) != KEY_SIZE:
        raise WrongPassphrase("wrong passphrase, or the vault file was damaged or tampered with")
    return key


def new_header(
    kek: bytes,
    data_key: bytes | bytearray,
    kdf: KdfParams,
    salt: bytes,
    *,
    wrap_nonce: bytes | None = None,
    payload_nonce: bytes | None = None,
) -> Header:
    """Build a header that wraps ``data_key`` under ``kek``."""
    wrap_nonce = wrap_nonce if wrap_nonce is not None else os.urandom(NONCE_SIZE)
    return Header(
        kdf=kdf,
        salt=salt,
        wrap_nonce=wrap_nonce,
        wrapped_key=wrap_key(kek, data_key, kdf, salt, wrap_nonce),
        payload_nonce=payload_nonce if payload_nonce is not None else os.urandom(NONCE_SIZE),
    )


def encode_payload(payload: Any) -> bytes:
    """The payload's plaintext: compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_payload(plaintext: bytes) -> Any:
    """Parse a payload plaintext; damage here means the writer was broken."""
    try:
        return json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CorruptVault("the vault's contents are damaged") from None


def seal_plaintext(header: Header, data_key: bytes | bytearray, plaintext: bytes) -> bytes:
    """Encode the whole file: prefix, header, and the plaintext sealed with the data key."""
    head = header.to_bytes()
    prefix = _PREFIX.pack(MAGIC, VERSION, len(head)) + head
    return prefix + AESGCM(data_key).encrypt(header.payload_nonce, plaintext, prefix)


def seal(header: Header, data_key: bytes | bytearray, payload: Any) -> bytes:
    """Encode the whole file for a JSON-compatible payload."""
    return seal_plaintext(header, data_key, encode_payload(payload))


def parse(blob: bytes) -> tuple[Header, bytes, bytes]:
    """Check structure and bounds; return the header, the associated data and the sealed part.

    Raises:
        NotAVault, UnsupportedVersion, CorruptVault, UnsafeParameters: in that order of checks.
    """
    if len(blob) < len(MAGIC):
        if MAGIC.startswith(blob):
            raise CorruptVault("the vault file is truncated" if blob else "the vault file is empty")
        raise NotAVault("this file is not a tokendesk vault")
    if blob[: len(MAGIC)] != MAGIC:
        raise NotAVault("this file is not a tokendesk vault")
    if len(blob) < PREFIX_SIZE:
        raise CorruptVault("the vault file is truncated")
    _, version, hlen = _PREFIX.unpack_from(blob)
    if version > VERSION:
        raise UnsupportedVersion(
            f"the vault was written by a newer tokendesk (format {version}; "
            f"this version reads format {VERSION})",
            hint="upgrade tokendesk to open it",
        )
    if version < 1:
        raise CorruptVault("the vault header is damaged")
    if hlen > MAX_HEADER or PREFIX_SIZE + hlen + TAG_SIZE > len(blob):
        raise CorruptVault("the vault file is truncated or damaged")
    end = PREFIX_SIZE + hlen
    header = _parse_header(blob[PREFIX_SIZE:end])
    return header, blob[:end], blob[end:]


def _parse_header(raw: bytes) -> Header:
    try:
        doc = json.loads(raw.decode("ascii"))
        kdf_doc, key_doc, pay_doc = doc["kdf"], doc["key"], doc["payload"]
        algs = (kdf_doc["alg"], key_doc["alg"], pay_doc["alg"], pay_doc["encoding"])
        params = (kdf_doc["memory_kib"], kdf_doc["iterations"], kdf_doc["lanes"])
        encoded = (kdf_doc["salt"], key_doc["nonce"], key_doc["wrapped"], pay_doc["nonce"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise CorruptVault("the vault header is damaged") from None
    if algs != ("argon2id", "aes-256-gcm", "aes-256-gcm", "json"):
        raise CorruptVault("the vault header names an unknown algorithm")
    if not all(type(p) is int for p in params):
        raise CorruptVault("the vault header is damaged")
    kdf = KdfParams(memory_kib=params[0], iterations=params[1], lanes=params[2])
    header = Header(
        kdf=kdf,
        salt=_unb64(encoded[0], SALT_SIZE),
        wrap_nonce=_unb64(encoded[1], NONCE_SIZE),
        wrapped_key=_unb64(encoded[2], KEY_SIZE + TAG_SIZE),
        payload_nonce=_unb64(encoded[3], NONCE_SIZE),
    )
    if header.to_bytes() != raw:
        # Only the canonical encoding is valid: no second spelling of the same header.
        raise CorruptVault("the vault header is damaged")
    kdf.check()
    return header


def open_plaintext(data_key: bytes | bytearray, header: Header, ad: bytes, sealed: bytes) -> bytes:
    """Decrypt the payload.

    The data key was already unwrapped, which proves the passphrase right: a failure here
    means the header or payload changed after it was written, so it is reported as damage.
    """
    try:
        return AESGCM(data_key).decrypt(header.payload_nonce, sealed, ad)
    except InvalidTag:
        raise CorruptVault(
            "the vault file is damaged or was tampered with (its contents fail authentication)"
        ) from None


def open_sealed(data_key: bytes | bytearray, header: Header, ad: bytes, sealed: bytes) -> Any:
    """Decrypt and decode the payload."""
    return decode_payload(open_plaintext(data_key, header, ad, sealed))
