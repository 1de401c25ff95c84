"""Uploaded files: size-limited, type-checked by content, stored outside the database under their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from telreg.core.errors import InvalidInput

# Recognised by their first bytes, not by the name or the declared content type, which a client chooses freely.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


class UnacceptableFile(InvalidInput):
    code = "unacceptable_file"


@dataclass(frozen=True)
class StoredFile:
    filename: str
    path: str
    sha256: str
    size: int
    content_type: str


def sniff_type(content: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if content.startswith(prefixes):
            return content_type
    return None


def store_document(data_dir: Path, *, filename: str, content: bytes, max_bytes: int, area: str) -> StoredFile:
    """Check and store a document (PDF, PNG or JPEG); identical content is stored once."""
    if not content:
        raise UnacceptableFile(f"{filename!r} is empty.")
    if len(content) > max_bytes:
        raise UnacceptableFile(
            f"{filename!r} is {len(content):,} bytes; the limit is {max_bytes:,} bytes.", size=len(content)
        )
    content_type = sniff_type(content)
    if content_type is None:
        raise UnacceptableFile(f"{filename!r} is not a PDF, PNG or JPEG file.")
    digest = hashlib.sha256(content).hexdigest()
    target = Path(data_dir) / "uploads" / area / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, fsync, then rename: a crash never leaves a half-written document in place.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    safe_name = Path(filename).name[:255] or "upload"
    return StoredFile(safe_name, str(target), digest, len(content), content_type)


def read_capped(path: Path, *, limit: int) -> bytes:
    """Read a file a command was given, refusing one larger than LIMIT bytes before reading it into memory."""
    try:
        size = path.stat().st_size
        content = b"" if size > limit else path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}.") from None
    if size > limit:
        raise InvalidInput(f"{path.name} is {size:,} bytes; the limit is {limit:,} bytes.", size=size, limit=limit)
    return content


def decode_text_upload(content: bytes, *, source: str, max_bytes: int, verb: str) -> str:
    """Return an uploaded text file (UTF-8, a BOM allowed) as text, or raise InvalidInput saying what is wrong:
    too large, or the line holding the first byte that is not UTF-8 ("SOURCE was not VERB: line N …")."""
    if len(content) > max_bytes:
        raise InvalidInput(f"{source} is {len(content):,} bytes; the limit is {max_bytes:,} bytes.",
                           size=len(content), limit=max_bytes)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise InvalidInput(f"{source} was not {verb}: line {line} is not UTF-8 text.", line=line,
                           problems=[{"line": line, "message": "not UTF-8 text"}]) from None
