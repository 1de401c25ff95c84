"""Uploaded files: size-limited, type-checked by content, stored outside the database under their SHA-256.

A request's upload is streamed in chunks to a ``.pending-*`` file beside its place (:func:`receive_document`,
refused as soon as it is too large or not a PDF, PNG or JPEG) and tied to the transaction that records it
(:func:`keep_on_commit`): moved into place when that transaction commits, removed when it (or its savepoint) rolls
back. A refused or failed request keeps no file. :func:`store_document` (commands, demos) places at once. The
daily sweep (core/sweeper.py) removes documents no row names and stale pending files.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Message, Msgid

# Recognised by their first bytes, not by the name or the declared content type, which a client chooses freely.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


log = logging.getLogger("telreg.files")


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


def sniff_media(content: bytes) -> str | None:
    """The type of a picture, fax image or recording by its first 16 bytes (PDF, PNG, JPEG, TIFF, WAV, MP3, Ogg,
    M4A); None when it is none of them. Only areas that take recordings use it (enforcement reports)."""
    known = sniff_type(content)
    if known is not None:
        return known
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if content.startswith(b"RIFF") and content[8:12] == b"WAVE":
        return "audio/wav"
    if content.startswith(b"OggS"):
        return "audio/ogg"
    if content.startswith(b"ID3") or (len(content) > 1 and content[0] == 0xFF and content[1] & 0xE6 == 0xE2):
        return "audio/mpeg"  # an ID3 tag, or an MPEG audio frame's sync bits with layer III
    if content[4:8] == b"ftyp" and content[8:11] in (b"M4A", b"M4B", b"mp4", b"iso"):
        return "audio/mp4"
    return None


def store_document(data_dir: Path, *, filename: str, content: bytes, max_bytes: int, area: str) -> StoredFile:
    """Check and store a document (PDF, PNG or JPEG) now; identical content is stored once.

    For commands and demos, which own no request to fail: a request streams its upload with
    :func:`receive_document` and keeps it with :func:`keep_on_commit` instead, so a refusal leaves nothing behind.
    """
    pending = receive_document(data_dir, filename=filename, stream=io.BytesIO(content), max_bytes=max_bytes,
                               area=area)
    place(pending)
    return pending.stored()


# ---- streamed uploads, kept only when their transaction commits -------------------------------------------

CHUNK_BYTES = 64 * 1024
PENDING_PREFIX = ".pending-"  # a received file waiting for its transaction (the sweeper removes stale ones)
_SNIFF_BYTES = 16


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class PendingFile:
    """An upload received into a temporary file beside its final place, checked and hashed, not yet kept."""

    filename: str
    temp_path: Path
    target: Path
    sha256: str
    size: int
    content_type: str
    state: str = "pending"  # pending -> claimed (by a transaction) -> placed | discarded

    def stored(self) -> StoredFile:
        return StoredFile(self.filename, str(self.target), self.sha256, self.size, self.content_type)


def document_path(data_dir: Path, area: str, sha256: str) -> Path:
    return Path(data_dir) / "uploads" / area / sha256[:2] / sha256


NOT_A_DOCUMENT = N_("'%(filename)s' is not a PDF, PNG or JPEG file.")


def receive_document(data_dir: Path, *, filename: str, stream: _Readable, max_bytes: int, area: str,
                     on_chunk: Callable[[int], None] | None = None,
                     sniff: Callable[[bytes], str | None] = sniff_type,
                     not_accepted: Msgid = NOT_A_DOCUMENT) -> PendingFile:
    """Copy STREAM to a temporary file in chunks (never whole in memory), refusing it as soon as it is known to
    be too large or not a PDF, PNG or JPEG. ON_CHUNK is told each chunk's size (a request's total cap may
    refuse there). The file is named in every refusal; a refused file leaves nothing on disk. SNIFF and
    NOT_ACCEPTED widen the accepted types (``sniff_media``) with the sentence refusing the others."""
    safe_name = Path(filename).name[:255] or "upload"
    directory = Path(data_dir) / "uploads" / area
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=PENDING_PREFIX)
    digest = hashlib.sha256()
    head = b""
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    # Only up to the limit is read, so the size read is not the file's: say the limit.
                    raise UnacceptableFile(N_("'%(filename)s' is too large: the limit is %(limit_shown)s bytes."),
                                           filename=safe_name, limit=max_bytes, limit_shown=f"{max_bytes:,}")
                if on_chunk is not None:
                    on_chunk(len(chunk))
                if len(head) < _SNIFF_BYTES:
                    head += chunk[: _SNIFF_BYTES - len(head)]
                    if len(head) >= _SNIFF_BYTES and sniff(head) is None:
                        raise UnacceptableFile(not_accepted, filename=safe_name)
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if size == 0:
            raise UnacceptableFile(N_("'%(filename)s' is empty."), filename=safe_name)
        content_type = sniff(head)
        if content_type is None:
            raise UnacceptableFile(not_accepted, filename=safe_name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sha256 = digest.hexdigest()
    return PendingFile(safe_name, Path(tmp), document_path(data_dir, area, sha256), sha256, size, content_type)


def place(pending: PendingFile) -> None:
    """Move a received file to its place under its SHA-256 (content already there: keep that, freshly dated)."""
    if pending.state in ("placed", "discarded"):
        return
    pending.target.parent.mkdir(parents=True, exist_ok=True)
    if pending.target.exists():
        pending.temp_path.unlink(missing_ok=True)
        os.utime(pending.target)  # the sweeper's grace counts from the last time someone relied on it
    else:
        os.replace(pending.temp_path, pending.target)
    pending.state = "placed"


def discard(pending: PendingFile) -> None:
    """Remove a received file that will not be kept."""
    if pending.state in ("placed", "discarded"):
        return
    pending.temp_path.unlink(missing_ok=True)
    pending.state = "discarded"


def keep_on_commit(session: Session, pending: PendingFile) -> StoredFile:
    """Tie a received file to the session's current transaction (the innermost savepoint when there is one):
    it is moved into place when the outermost transaction commits and removed if either is rolled back. The row
    recording the file is written in the same transaction, so a refused or failed request keeps no file."""
    owner = session.get_nested_transaction() or session.get_transaction()
    if owner is None:
        owner = session.begin()
    session.info.setdefault(_PENDING_KEY, []).append((owner, pending))
    pending.state = "claimed"
    return pending.stored()


_PENDING_KEY = "telreg.files.pending"
_COMMITTED_KEY = "telreg.files.committed"


@event.listens_for(Session, "after_commit")
def _transaction_committed(session: Session) -> None:
    if not session.info.get(_PENDING_KEY):
        return
    committing = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_COMMITTED_KEY, []).append(committing)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    records = session.info.get(_PENDING_KEY)
    if not records:
        return
    committed_list = session.info.get(_COMMITTED_KEY, [])
    committed = any(t is transaction for t in committed_list)
    session.info[_COMMITTED_KEY] = [t for t in committed_list if t is not transaction]
    mine = [pending for owner, pending in records if owner is transaction]
    if not mine:
        return
    rest = [(owner, pending) for owner, pending in records if owner is not transaction]
    if committed and transaction.parent is not None:  # a savepoint released: its files follow the outer one
        rest.extend((transaction.parent, pending) for pending in mine)
    else:
        for pending in mine:
            try:
                place(pending) if committed else discard(pending)
            except OSError:  # the rows are committed: the sweeper finishes a move that failed here
                log.exception("could not settle the uploaded file %s", pending.temp_path)
    session.info[_PENDING_KEY] = rest


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
