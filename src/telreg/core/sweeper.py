"""Sweeping stored documents no row refers to, and stale uploads, out of ``data_dir/uploads``.

A document is kept under ``uploads/<area>/<xx>/<sha256>`` (core/files.py). One that no row's path names — an
application refused before issue 14's transactional uploads, a row deleted since — is removed once untouched for
``settings.sweep_grace_hours`` (a request relying on a stored file refreshes its date, see ``files.place``). A
``.pending-*`` file is an upload whose request died between receiving it and settling it: when a committed row
names the document it would have become and that document is missing (the move after the commit failed), it is
moved into place; otherwise it is removed. Rows are found generically: every column named ``path`` or
``*_path`` of every table in the metadata, so the kernel needs to know no context.

:func:`sweep_uploads` only looks and (unless ``dry_run``) deletes; the caller records the counts (see
senders/file_sweep.py, which also sweeps the washes' working directories and the rate limiter's old windows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.db import Base
from telreg.core.files import PENDING_PREFIX, document_path

__all__ = ["UploadSweep", "referenced_paths", "sweep_uploads"]


@dataclass
class UploadSweep:
    documents_removed: int = 0
    pending_removed: int = 0
    pending_recovered: int = 0
    bytes_removed: int = 0


def referenced_paths(session: Session) -> set[str]:
    """Every file path a row names (columns ``path`` / ``*_path``), resolved."""
    found: set[str] = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name == "path" or column.name.endswith("_path"):
                for (value,) in session.execute(select(column).where(column.is_not(None)).distinct()):
                    found.add(str(Path(value).resolve()))
    return found


def sweep_uploads(session: Session, *, data_dir: Path, now: dt.datetime, grace: dt.timedelta,
                  dry_run: bool = False) -> UploadSweep:
    """Remove unreferenced documents and stale pending uploads untouched since NOW - GRACE (see the module)."""
    counts = UploadSweep()
    root = Path(data_dir) / "uploads"
    if not root.is_dir():
        return counts
    cutoff = (now - grace).timestamp()
    referenced = referenced_paths(session)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if status.st_mtime >= cutoff:
            continue
        if path.name.startswith(PENDING_PREFIX):
            area = path.parent.relative_to(root).parts[0] if path.parent != root else ""
            target = document_path(data_dir, area, _sha256(path)) if area else None
            if target is not None and str(target.resolve()) in referenced and not target.exists():
                counts.pending_recovered += 1
                if not dry_run:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, target)
                continue
            counts.pending_removed += 1
        elif str(path.resolve()) not in referenced:
            counts.documents_removed += 1
        else:
            continue
        counts.bytes_removed += status.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    return counts


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
