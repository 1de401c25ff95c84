"""Seal personal data field by field (AES-256-GCM) and look it up by exact match through a blind index.

A sealed value is a token ``v1.<key id>.<base64url(nonce | ciphertext and tag)>``:

- a fresh 96-bit random nonce per value, so equal names seal to different tokens;
- the column's name is the associated data, so a token copied into another column (a document number pasted
  where a name belongs) does not open there;
- the key id says which key of the ring opens it, so keys can rotate: the current key seals, older keys keep
  opening what they sealed until :meth:`Vault.needs_reseal` has found and resealed every such value.

Sealed values cannot be searched, so an exact-match lookup (by document number) stores beside the token a
blind index: HMAC-SHA256 of the normalised value under a separate index key, separated by kind so that equal
strings of two kinds (a passport number equal to a permit number) never share an index.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from telreg.config import Settings
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.pii_keys import KeyRing, load_key_ring

__all__ = ["TOKEN_VERSION", "SealedValueUnreadable", "Vault", "load_vault"]

TOKEN_VERSION = "v1"
NONCE_BYTES = 12  # 96 bits: the size GCM is specified for; random nonces are safe far beyond our volumes
TAG_BYTES = 16
_TOKEN = re.compile(r"v1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]+)")
_KIND = re.compile(r"[a-z0-9][a-z0-9._-]*")


class SealedValueUnreadable(DomainError):
    """A stored protected value does not open: altered, moved from another column, or its key is gone."""

    status_code = 500
    code = "sealed_value_unreadable"


class Vault:
    """Seal, open and blind-index personal data with one key ring."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys.items()}

    def __repr__(self) -> str:
        return f"Vault({self._ring!r})"

    @property
    def current_key_id(self) -> str:
        return self._ring.current_key_id

    def seal(self, field: str, value: str) -> str:
        """Encrypt a text value for the column ``field`` with the current key."""
        return self.seal_bytes(field, value.encode("utf-8"))

    def open(self, field: str, token: str) -> str:
        """Decrypt a token sealed for ``field`` by :meth:`seal`, with whichever key of the ring sealed it."""
        data = self.open_bytes(field, token)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise SealedValueUnreadable(N_("The protected value of '%(field)s' holds bytes, not text; open "
                                           "it with open_bytes."), field=field) from None

    def seal_bytes(self, field: str, data: bytes) -> str:
        """Encrypt raw bytes (a document image) for the column ``field`` with the current key."""
        _check_field(field)
        key_id = self._ring.current_key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, data, field.encode("utf-8"))
        encoded = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{TOKEN_VERSION}.{key_id}.{encoded}"

    def open_bytes(self, field: str, token: str) -> bytes:
        """Decrypt a token sealed for ``field`` by :meth:`seal_bytes`."""
        _check_field(field)
        key_id, raw = _parse(token, field=field)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealedValueUnreadable(
                N_("A protected value of '%(field)s' was sealed with key '%(key_id)s', which is not in the "
                   "key ring (it holds %(key_ids)s); restore that key to the key file to read it."),
                field=field, key_id=key_id, key_ids=", ".join(sorted(self._ciphers)),
            )
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode("utf-8"))
        except InvalidTag:
            raise SealedValueUnreadable(
                N_("A protected value of '%(field)s' (key '%(key_id)s') fails its integrity check: it was "
                   "altered, or it belongs to another column."), field=field, key_id=key_id,
            ) from None

    def needs_reseal(self, token: str) -> bool:
        """Tell whether a token was sealed with a key other than the current one (due for re-encryption)."""
        key_id, _ = _parse(token, field=None)
        return key_id != self._ring.current_key_id

    def blind_index(self, kind: str, normalised: str) -> str:
        """Return the hex HMAC-SHA256 of a normalised value under the index key, separated by ``kind``.

        The caller normalises (upper case, no brackets or spaces...) so that every spelling of one document
        gives one index. The index key cannot rotate like the encryption keys: a new index key changes every
        index, so rotating it means recomputing the index of every stored value (open, normalise, re-index).
        """
        if not _KIND.fullmatch(kind):
            raise ValueError(f"blind-index kind {kind!r} must be lower-case letters, digits, '.', '-' or '_'")
        # The kind cannot contain NUL, so "kind NUL value" is unambiguous: no (kind, value) pair can collide
        # with another pair's message.
        message = kind.encode("ascii") + b"\x00" + normalised.encode("utf-8")
        return hmac.new(self._ring.index_key, message, hashlib.sha256).hexdigest()


def load_vault(settings: Settings) -> Vault:
    """Build the deployment's vault from its key ring (see :func:`telreg.core.pii_keys.load_key_ring`)."""
    return Vault(load_key_ring(settings))


def _check_field(field: str) -> None:
    if not field:
        raise ValueError("a sealed value needs the name of its field (the associated data)")


def _parse(token: str, *, field: str | None) -> tuple[str, bytes]:
    # The message never quotes the token: a caller who passes plaintext by mistake must not see it logged.
    match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if match is None:
        not_sealed = N_("The stored value of '%(field)s' is not a sealed value (expected "
                        "%(version)s.<key id>.<data>).") if field else \
            N_("The stored value is not a sealed value (expected %(version)s.<key id>.<data>).")
        raise SealedValueUnreadable(not_sealed, field=field, version=TOKEN_VERSION)
    encoded = match.group(2)
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    # Only the canonical spelling is accepted, so no two different tokens carry the same sealed bytes.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != encoded:
        raw = b""
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        damaged = N_("The protected value of '%(field)s' is truncated or damaged.") if field else \
            N_("The protected value is truncated or damaged.")
        raise SealedValueUnreadable(damaged, field=field)
    return match.group(1), raw
