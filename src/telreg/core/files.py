"""Uploaded files: size-limited, type-checked by content, stored outside the database under their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Message

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


def size_text(size: int) -> str:
    """A size as people read it, in the binary multiples limits are set in: 5 MB, 1.5 MB, 20 KB, 300 B."""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"


def sniff_type(content: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if content.startswith(prefixes):
            return content_type
    return None


def store_document(data_dir: Path, *, filename: str, content: bytes, max_bytes: int, area: str) -> StoredFile:
    """Check and store a document (PDF, PNG or JPEG); identical content is stored once."""
    if not content:
        raise UnacceptableFile(N_("'%(filename)s' is empty."), filename=filename)
    if len(content) > max_bytes:
        # An upload is read only to one byte past the limit, so the size read is not the file's: say the
        # limit.
        raise UnacceptableFile(N_("'%(filename)s' is too large: the limit is %(limit_shown)s bytes."),
                               filename=filename, limit=max_bytes, limit_shown=f"{max_bytes:,}")
    content_type = sniff_type(content)
    if content_type is None:
        raise UnacceptableFile(N_("'%(filename)s' is not a PDF, PNG or JPEG file."), filename=filename)
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
        # The reason is the operating system's (English) words: this refuses a file given to a command.
        raise InvalidInput(N_("%(path)s cannot be read: %(reason)s."), path=str(path), reason=exc.strerror) \
            from None
    if size > limit:
        raise InvalidInput(N_("%(source)s is %(size_shown)s bytes; the limit is %(limit_shown)s bytes."),
                           source=path.name, size=size, limit=limit, size_shown=f"{size:,}",
                           limit_shown=f"{limit:,}")
    return content


def decode_text_upload(content: bytes, *, source: str, max_bytes: int, verb: str) -> str:
    """Return an uploaded text file (UTF-8, a BOM allowed) as text, or raise InvalidInput saying what is wrong:
    too large, or the line holding the first byte that is not UTF-8 ("SOURCE was not VERB: line N …").

    VERB is a marked word (``N_("imported")``), so that the refusal reads whole in every language.
    """
    if len(content) > max_bytes:
        # The content may have been read only to one byte past the limit: say the limit, not the size read.
        raise InvalidInput(N_("%(source)s is too large: the limit is %(limit_shown)s bytes."),
                           source=source, limit=max_bytes, limit_shown=f"{max_bytes:,}")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise InvalidInput(N_("%(source)s was not %(verb)s: line %(line)s is not UTF-8 text."), source=source,
                           verb=verb, line=line,
                           problems=[{"line": line, "message": Message(N_("not UTF-8 text"))}]) from None
