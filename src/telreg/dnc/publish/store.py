"""Where publications live on disk, and how one appears there all at once.

Layout: ``$TELREG_DATA_DIR/publications/YYYY-MM-DD/`` holds one date's files for every register and its
``manifest.json``. A publication is built in a temporary directory beside it (``.building-YYYY-MM-DD-…``), every
file and the directory fsynced, then renamed into place and the parent fsynced: a directory named by a date is
always complete, so a crash can only leave a temporary directory, which the next run removes. Builders take an
exclusive lock (``.lock``, flock) so the worker and an officer's manual run never build at the same time.

Manifests are kept forever; retention only deletes the zip files and their checksum files of old dates.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "MANIFEST",
    "VARIANTS_DIR",
    "PublicationStore",
]

MANIFEST = "manifest.json"
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TEMP_PREFIX = ".building-"
_PRUNABLE = (".zip", ".zip.md5", ".zip.sha256", ".zip.chunks", ".numbers.npy")
# Per-account variants of the files (enforcement.seeds.variants) are cached here, inside the publication.
VARIANTS_DIR = ".seeds"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PublicationStore:
    """The publications directory under a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "publications"

    def path_for(self, day: dt.date) -> Path:
        return self.root / day.isoformat()

    def exists(self, day: dt.date) -> bool:
        return (self.path_for(day) / MANIFEST).is_file()

    def dates(self) -> list[dt.date]:
        """Every published date, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in self.root.iterdir():
            if _DATE_DIR.match(entry.name) and (entry / MANIFEST).is_file():
                found.append(dt.date.fromisoformat(entry.name))
        return sorted(found)

    def latest_before(self, day: dt.date) -> dt.date | None:
        earlier = [d for d in self.dates() if d < day]
        return earlier[-1] if earlier else None

    def manifest(self, day: dt.date) -> dict[str, Any]:
        with open(self.path_for(day) / MANIFEST, encoding="utf-8") as source:
            data: dict[str, Any] = json.load(source)
        return data

    @contextmanager
    def locked(self) -> Iterator[list[str]]:
        """Hold the builders' lock; stale temporary directories are swept once it is held (their names yielded)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield self.sweep_temporaries()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def sweep_temporaries(self) -> list[str]:
        """Remove what a crashed build left behind (callers hold the lock, so no build is running)."""
        removed = []
        for entry in self.root.iterdir():
            if entry.name.startswith(_TEMP_PREFIX) and entry.is_dir():
                shutil.rmtree(entry)
                removed.append(entry.name)
        return removed

    def temporary(self, day: dt.date) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{day.isoformat()}-", dir=self.root))

    def write_manifest(self, directory: Path, manifest: dict[str, Any]) -> None:
        path = directory / MANIFEST
        with open(path, "w", encoding="utf-8") as out:
            json.dump(manifest, out, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())

    def commit(self, temporary: Path, day: dt.date) -> Path:
        """Make a fully written temporary directory the publication of ``day`` in one rename."""
        os.chmod(temporary, 0o755)  # mkdtemp makes it 0700
        _fsync_dir(temporary)
        target = self.path_for(day)
        os.rename(temporary, target)  # fails if the target exists: a publication is never replaced
        _fsync_dir(self.root)
        return target

    def prune(self, *, before: dt.date) -> list[str]:
        """Delete the zip and checksum files of dates before ``before``; keep every manifest, and the latest
        publication whole (the next change file is made against its dated file)."""
        deleted = []
        for day in self.dates()[:-1]:
            if day >= before:
                break
            for entry in sorted(self.path_for(day).iterdir()):
                if entry.name.endswith(_PRUNABLE):
                    entry.unlink()
                    deleted.append(f"{day.isoformat()}/{entry.name}")
            variants = self.path_for(day) / VARIANTS_DIR
            if variants.is_dir():  # the accounts' variants go with the files; their manifests stay
                for entry in sorted(variants.rglob("*")):
                    if entry.is_file() and entry.name.endswith(_PRUNABLE):
                        entry.unlink()
                        deleted.append(f"{day.isoformat()}/{entry.relative_to(self.path_for(day))}")
        return deleted

    def has_files(self, day: dt.date) -> bool:
        return any(e.name.endswith(".zip") for e in self.path_for(day).iterdir())
