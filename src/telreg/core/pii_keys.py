"""Find, validate and generate the key ring that seals personal data (names, documents, dates, images).

A key ring is JSON, read from the file ``TELREG_PII_KEY_FILE`` or given inline in ``TELREG_PII_KEYS``::

    {"current": "k2026a",
     "keys": {"k2026a": "<base64 of 32 bytes>", "k2025b": "<base64 of 32 bytes>"},
     "index_key": "<base64 of 32 bytes>"}

``current`` seals new values; every other key only opens values sealed before a rotation. ``index_key`` keys
the blind index and is deliberately not one of the encryption keys (see :mod:`telreg.core.vault`).

Outside production, when neither setting is given, a ring is generated once under ``data_dir`` (as the
session secret is) with permissions 0600 and reused afterwards. Production refuses to start without one: a
generated key living next to the data it protects would protect nothing, and losing it would lose the data.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from telreg.config import Settings
from telreg.core.errors import DomainError
from telreg.core.i18n import N_, Message
from telreg.core.secret_files import write_once

__all__ = [
    "DEV_KEY_FILE_NAME",
    "KEY_BYTES",
    "KeyRing",
    "PiiKeysRefused",
    "generate_key_ring",
    "load_key_ring",
    "parse_key_ring",
]

KEY_BYTES = 32  # AES-256 and HMAC-SHA256 keys alike
DEV_KEY_FILE_NAME = "pii_keys.json"
_FIELDS = ("current", "keys", "index_key")
# The key id travels inside every sealed token ("v1.<key id>.<data>"), so it must not contain the separator.
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class PiiKeysRefused(DomainError):
    """The personal-data keys are missing or malformed; nothing personal can be stored or read until fixed."""

    status_code = 500
    code = "pii_keys_refused"


@dataclass(frozen=True, repr=False)
class KeyRing:
    current_key_id: str
    keys: Mapping[str, bytes]
    index_key: bytes

    def __repr__(self) -> str:  # never the key material, even in a traceback or a debugger
        return f"KeyRing(current_key_id={self.current_key_id!r}, key_ids={sorted(self.keys)!r})"


def generate_key_ring(*, key_id: str | None = None) -> dict[str, Any]:
    """Return a fresh key ring as the JSON-ready dict a key file holds (one current key, one index key)."""
    key_id = key_id or f"k{secrets.token_hex(4)}"
    return {
        "current": key_id,
        "keys": {key_id: _b64(secrets.token_bytes(KEY_BYTES))},
        "index_key": _b64(secrets.token_bytes(KEY_BYTES)),
    }


def parse_key_ring(text: str, *, source: str) -> KeyRing:
    """Validate a key ring's JSON text; ``source`` names where it came from in every error message."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg only describes the fault ("Expecting ',' delimiter"); it never quotes the key material.
        raise PiiKeysRefused(N_("%(source)s is not valid JSON (%(problem)s at line %(line)s, column "
                                "%(column)s)."), source=source, problem=exc.msg, line=exc.lineno,
                             column=exc.colno) from None
    fields = ", ".join(_FIELDS)
    if not isinstance(document, dict):
        raise PiiKeysRefused(N_("%(source)s must be a JSON object with the fields %(fields)s."),
                             source=source, fields=fields)
    unknown = sorted(set(document) - set(_FIELDS))
    if unknown:
        raise PiiKeysRefused(N_("%(source)s has unknown field(s) %(unknown)s; the fields are %(fields)s."),
                             source=source, unknown=", ".join(unknown), fields=fields)
    missing = [name for name in _FIELDS if name not in document]
    if missing:
        raise PiiKeysRefused(N_("%(source)s lacks the field(s) %(missing)s."), source=source,
                             missing=", ".join(missing))

    keys = document["keys"]
    if not isinstance(keys, dict) or not keys:
        raise PiiKeysRefused(N_("%(source)s: 'keys' must be an object mapping key ids to base64 keys, with "
                                "at least one key."), source=source)
    decoded: dict[str, bytes] = {}
    for key_id, value in keys.items():
        if not _KEY_ID.fullmatch(key_id):
            raise PiiKeysRefused(N_("%(source)s: key id '%(key_id)s' may only use letters, digits, '-' and "
                                    "'_' (at most 64 characters)."), source=source, key_id=key_id)
        what = Message(N_("key '%(key_id)s'"), key_id=key_id)
        decoded[key_id] = _decode_key(value, what=what, source=source)
    current = document["current"]
    if not isinstance(current, str) or current not in decoded:
        raise PiiKeysRefused(N_("%(source)s: 'current' names key %(current)s, which is not among its keys "
                                "(%(key_ids)s)."), source=source, current=repr(current),
                             key_ids=", ".join(sorted(decoded)))
    index_key = _decode_key(document["index_key"], what="'index_key'", source=source)
    if index_key in decoded.values():
        raise PiiKeysRefused(N_("%(source)s: 'index_key' must differ from every encryption key."),
                             source=source)
    return KeyRing(current_key_id=current, keys=MappingProxyType(decoded), index_key=index_key)


def load_key_ring(settings: Settings) -> KeyRing:
    """Return the deployment's key ring: TELREG_PII_KEYS, else TELREG_PII_KEY_FILE, else (not in production) a
    ring generated once under data_dir."""
    if settings.pii_keys and settings.pii_key_file:
        raise PiiKeysRefused(N_("Both TELREG_PII_KEYS and TELREG_PII_KEY_FILE are set; set one of them, so "
                                "that there is no doubt which keys seal personal data."))
    if settings.pii_keys:
        return parse_key_ring(settings.pii_keys, source="TELREG_PII_KEYS")
    if settings.pii_key_file:
        if settings.is_production:  # a key file others can read protects nothing (core/secret_files.py)
            from telreg.core.secret_files import check_private

            check_private(Path(settings.pii_key_file), setting="pii_key_file")
        return _read_key_file(Path(settings.pii_key_file))
    if settings.is_production:
        raise PiiKeysRefused(N_("Personal-data keys are missing: set TELREG_PII_KEY_FILE to a key file, or "
                                "TELREG_PII_KEYS to its JSON. Production never generates these keys "
                                "itself."))
    return _read_key_file(_ensure_dev_key_file(Path(settings.data_dir)))


def _read_key_file(path: Path) -> KeyRing:
    source = Message(N_("The personal-data key file %(path)s"), path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PiiKeysRefused(N_("%(source)s does not exist."), source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        # The reason is the operating system's (or the decoder's) English words.
        raise PiiKeysRefused(N_("%(source)s cannot be read: %(reason)s."), source=source, reason=str(exc)) \
            from None
    return parse_key_ring(text, source=source)


def _ensure_dev_key_file(data_dir: Path) -> Path:
    """Create the development key file unless it exists (core.secret_files.write_once); return its path."""
    return write_once(data_dir / DEV_KEY_FILE_NAME, lambda: json.dumps(generate_key_ring(), indent=2))


def _decode_key(value: object, *, what: str, source: str) -> bytes:
    if not isinstance(value, str):
        raise PiiKeysRefused(N_("%(source)s: %(what)s must be a base64 string."), source=source, what=what)
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise PiiKeysRefused(N_("%(source)s: %(what)s is not valid base64."), source=source,
                             what=what) from None
    if len(key) != KEY_BYTES:
        raise PiiKeysRefused(N_("%(source)s: %(what)s is %(size)s bytes; every key must be exactly "
                                "%(needed)s bytes (256 bits), base64-encoded."), source=source, what=what,
                             size=len(key), needed=KEY_BYTES)
    return key


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
