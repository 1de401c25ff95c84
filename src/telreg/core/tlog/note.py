"""C2SP signed notes, tlog checkpoints and Ed25519 (co)signatures.

* signed-note: ``<text ending in \\n>\\n— <key name> <base64(4-byte key id || signature)>\\n…``;
  key id = SHA-256(name || 0x0A || type || public key)[:4]; verifier key ``name+hexid+base64(type || key)``.
* tlog-checkpoint: the text is ``<origin>\\n<size>\\n<base64 root>\\n``.
* tlog-cosignature v1 (type 0x04): the signature is over ``cosignature/v1\\ntime <t>\\n`` + the checkpoint text,
  and carries the 8-byte big-endian timestamp before the 64-byte signature.

Private keys are kept as one line ``PRIVATE+KEY+<name>+<hex key id>+<base64(type || 32-byte seed)>``, the
form golang.org/x/mod/sumdb/note uses, so a key can be checked with that tool too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from telreg.core.tlog.merkle import HASH_SIZE

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014"
MAX_SIGNATURES = 32


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed or does not verify (the message says which)."""


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    name: str
    sig_type: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([self.sig_type]) + self.public)}"

    def verify(self, text: str, signature: bytes) -> bool:
        """SIGNATURE: the bytes after the key id."""
        key = Ed25519PublicKey.from_public_bytes(self.public)
        if self.sig_type == COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            message, signature = cosigned_message(text, timestamp), signature[8:]
        else:
            message = text.encode()
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_vkey(vkey: str) -> Verifier:
    parts = vkey.strip().split("+", 2)  # base64 may itself contain "+"
    if len(parts) != 3:
        raise NoteError(f"verifier key {vkey!r} is not name+hexid+base64")
    name, hexid, material = parts
    _check_name(name)
    raw = _unb64(material, what="verifier key")
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError(f"verifier key {vkey!r} is not an Ed25519 key (type 0x01 or 0x04)")
    verifier = Verifier(name, raw[0], raw[1:])
    if verifier.key_id.hex() != hexid.lower():
        raise NoteError(f"verifier key {vkey!r}: key id {hexid} does not match the key")
    return verifier


@dataclass(frozen=True, repr=False)
class Signer:
    name: str
    sig_type: int
    private: Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"Signer({self.name!r}, key id {self.verifier.key_id.hex()})"

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.sig_type, _raw_public(self.private.public_key()))

    def sign_line(self, text: str, *, timestamp: int | None = None) -> str:
        """One signature line for the note TEXT (a cosignature needs the TIMESTAMP, POSIX seconds)."""
        if self.sig_type == COSIGNATURE_V1:
            if timestamp is None or not 0 < timestamp < 2**63:
                raise ValueError("a cosignature needs a positive timestamp")
            body = struct.pack(">Q", timestamp) + self.private.sign(cosigned_message(text, timestamp))
        else:
            body = self.private.sign(text.encode())
        return f"{DASH} {self.name} {_b64(self.verifier.key_id + body)}\n"

    def sign(self, text: str) -> str:
        """TEXT as a signed note with this key's signature."""
        return text + "\n" + self.sign_line(text)

    def private_line(self) -> str:
        seed = self.private.private_bytes_raw()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{_b64(bytes([self.sig_type]) + seed)}"


def generate_signer(name: str, sig_type: int = ED25519) -> Signer:
    _check_name(name)
    return Signer(name, sig_type, Ed25519PrivateKey.generate())


def parse_private_key(line: str) -> Signer:
    parts = line.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a private key line is PRIVATE+KEY+<name>+<hex key id>+<base64>")
    _, _, name, hexid, material = parts
    _check_name(name)
    raw = _unb64(material, what="private key")
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("the private key is not an Ed25519 seed of type 0x01 or 0x04")
    signer = Signer(name, raw[0], Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.verifier.key_id.hex() != hexid.lower():
        raise NoteError("the private key's id does not match its key")
    return signer


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # after the key id
    line: str


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]


def parse_note(note: str) -> Note:
    """Split a signed note into its text and signature lines (nothing verified yet)."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note must not contain control characters")
    if not note.endswith("\n"):
        raise NoteError("a note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a note needs a blank line before its signatures")
    text, block = note[: split + 1], note[split + 2:]
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    signatures = []
    for line in lines:
        prefix = f"{DASH} "
        if not line.startswith(prefix):
            raise NoteError(f"malformed signature line {line!r}")
        fields = line[len(prefix):].split(" ")
        if len(fields) != 2:
            raise NoteError(f"malformed signature line {line!r}")
        name, b64 = fields
        _check_name(name)
        raw = _unb64(b64, what="signature")
        if len(raw) < 5:
            raise NoteError("a signature is shorter than its key id")
        signatures.append(Signature(name, raw[:4], raw[4:], line + "\n"))
    if not signatures:
        raise NoteError("a signed note needs at least one signature")
    return Note(text, tuple(signatures))


def verify_note(note: str | Note, verifiers: list[Verifier]) -> tuple[Note, list[Signature]]:
    """Return the note and the signatures by VERIFIERS that verify; NoteError when one of them fails, or when
    none of them signed (signatures by unknown keys are ignored, as the spec requires)."""
    parsed = parse_note(note) if isinstance(note, str) else note
    good = []
    for sig in parsed.signatures:
        for verifier in verifiers:
            if verifier.name == sig.name and verifier.key_id == sig.key_id:
                if not verifier.verify(parsed.text, sig.signature):
                    raise NoteError(f"the signature by {sig.name} does not verify")
                good.append(sig)
    if not good:
        raise NoteError("the note is not signed by any trusted key")
    return parsed, good


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint in a note's TEXT (extension lines are allowed and ignored)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise NoteError("a checkpoint is at least three non-empty lines")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")) or not size_text.isascii():
        raise NoteError(f"checkpoint size {size_text!r} is not a decimal number")
    root = _unb64(root_text, what="root hash")
    if len(root) != HASH_SIZE:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, *, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"the {what} is not valid base64") from None


b64 = _b64
unb64 = _unb64
