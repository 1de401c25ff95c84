"""Where a wash's files live: ``$TELREG_DATA_DIR/washes/<id>/input/<name>`` and ``…/<id>/out/``.

An upload is streamed to ``washes/.incoming-*/<name>`` (hashed and size-checked on the way, never held in
memory whole), fsynced, checked as a list (a zip must hold exactly one readable file), and renamed into its
wash's directory once the wash has an id: a crash leaves at most an ``.incoming-*`` directory, never a
half-written input. What a crash or a rolled-back upload leaves behind — an ``.incoming-*`` directory, a wash
directory whose row was never committed or has expired — is found by :func:`leftovers` and swept by the daily
cleanup job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from telreg.core.i18n import N_
from telreg.senders.errors import WashRefused
from telreg.senders.scrub.errors import ListRefused
from telreg.senders.scrub.reader import ListSource

__all__ = ["INCOMING", "OUTPUTS", "Leftover", "Upload", "discard", "input_path", "leftovers",
           "move_into_place", "out_dir", "receive", "remove_leftover", "remove_wash_files", "safe_name"]

OUTPUTS = ("kept.csv", "rejected.csv", "report.json", "receipt.json")
SIGNATURE = "receipt.json.p7s"  # the receipt's detached CMS signature (issue 15), when the platform has a CA
_COPY_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
INCOMING = ".incoming-"


@dataclass(frozen=True)
class Upload:
    temp: Path
    name: str
    size: int
    sha256: str


def root(data_dir: Path) -> Path:
    return Path(data_dir) / "washes"


def wash_dir(data_dir: Path, wash_id: int) -> Path:
    return root(data_dir) / str(wash_id)


def input_path(data_dir: Path, wash_id: int, name: str) -> Path:
    return wash_dir(data_dir, wash_id) / "input" / name


def out_dir(data_dir: Path, wash_id: int) -> Path:
    return wash_dir(data_dir, wash_id) / "out"


def safe_name(filename: str | None) -> str:
    """The uploaded file's own name, reduced to safe characters: the scrub's messages and receipt name it."""
    base = _UNSAFE.sub("_", Path((filename or "").replace("\\", "/")).name).strip("._")[-100:]
    return base or "list.txt"


def receive(stream: BinaryIO, *, data_dir: Path, filename: str | None, max_bytes: int) -> Upload:
    """Copy an upload to a temporary file and check it is a list a wash can read.

    Refused (WashRefused) before any wash is queued: past ``max_bytes`` (a zip: its list unzipped too), empty,
    or a zip that is broken or holds other than one file.
    """
    name = safe_name(filename)
    directory = root(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    # The file keeps the upload's own name in a private directory, so the checks name it as the sender did.
    temp = Path(tempfile.mkdtemp(dir=directory, prefix=INCOMING)) / name
    hasher, size = hashlib.sha256(), 0
    try:
        with open(temp, "xb") as handle:
            while block := stream.read(_COPY_CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise WashRefused(N_("%(file)s is larger than the %(limit)s bytes a wash accepts; split "
                                         "the list."), max_bytes=max_bytes, file=name, limit=f"{max_bytes:,}")
                hasher.update(block)
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        if size == 0:
            raise WashRefused(N_("%(file)s is empty: there is nothing to wash."), file=name)
        _check_list(temp, max_bytes=max_bytes)
    except BaseException:
        shutil.rmtree(temp.parent, ignore_errors=True)
        raise
    return Upload(temp, name, size, hasher.hexdigest())


def _check_list(path: Path, *, max_bytes: int) -> None:
    """Refuse what the scrub would refuse for the file itself: a broken zip, a zip of no or several files, an
    empty one. The scrub's own check (senders.scrub.reader) is asked, so the two cannot disagree."""
    try:
        source = ListSource(path)
    except ListRefused as exc:
        raise WashRefused(exc.template or exc.message, **{**exc.extra, "file": path.name}) from None
    if source.zipped and source.size > max_bytes:
        # A zip entry declares its size and reading stops there: a small zip cannot unpack into a huge list.
        raise WashRefused(N_("%(file)s holds a list of %(size)s bytes unzipped, more than the %(limit)s "
                             "bytes a wash accepts; split the list."), max_bytes=max_bytes, file=path.name,
                          size=f"{source.size:,}", limit=f"{max_bytes:,}")
    if source.zipped:
        # Read once through now: a zip damaged on the way (its CRC fails) is refused here, not by the worker.
        try:
            with zipfile.ZipFile(path) as archive:
                damaged = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            damaged, detail = source.entry, str(exc) or type(exc).__name__
        else:
            detail = "CRC-32 check failed"
        if damaged is not None:
            raise WashRefused(N_("%(file)s is damaged: %(entry)s inside it fails its check (%(detail)s); zip "
                                 "the list again and upload it."), file=path.name, entry=damaged, detail=detail)
    try:
        source.layout(None)  # what the scrub reads first: a binary or blank file is refused now, not later
    except ListRefused as exc:
        raise WashRefused(exc.template or exc.message, **{**exc.extra, "file": path.name}) from None


def move_into_place(upload: Upload, *, data_dir: Path, wash_id: int) -> Path:
    """Move an upload into its new wash's directory, clearing what a rolled-back upload left under that id."""
    # A wash id just flushed has no files yet; on SQLite an id whose insert was rolled back is handed out
    # again, and its leftovers must not be mistaken for this wash's.
    shutil.rmtree(wash_dir(data_dir, wash_id), ignore_errors=True)
    target = input_path(data_dir, wash_id, upload.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(upload.temp, target)
    shutil.rmtree(upload.temp.parent, ignore_errors=True)
    return target


def discard(upload: Upload) -> None:
    shutil.rmtree(upload.temp.parent, ignore_errors=True)


def remove_wash_files(data_dir: Path, wash_id: int) -> None:
    shutil.rmtree(wash_dir(data_dir, wash_id), ignore_errors=True)


# ---- what crashes leave behind --------------------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    """An entry of ``washes/``: an upload's temporary directory (or file, as older versions made) or a wash's
    directory; ``wash_id`` is None for an upload's."""

    path: Path
    wash_id: int | None


def _last_change(path: Path) -> float:
    """The newest modification time in a tree: a file being written keeps its whole directory young."""
    newest = path.lstat().st_mtime
    for parent, dirs, names in os.walk(path):
        for name in (*dirs, *names):
            try:
                newest = max(newest, (Path(parent) / name).lstat().st_mtime)
            except FileNotFoundError:  # removed while we looked: whatever removed it was busy just now
                return float("inf")
    return newest


def leftovers(data_dir: Path, *, untouched_since: dt.datetime) -> Iterator[Leftover]:
    """Uploads and wash directories unchanged since ``untouched_since``; other names are left alone."""
    directory = root(data_dir)
    if not directory.is_dir():
        return
    cutoff = untouched_since.timestamp()
    for entry in sorted(directory.iterdir()):
        if entry.is_symlink():
            continue
        if entry.name.startswith(INCOMING):
            wash_id = None
        elif entry.is_dir() and entry.name.isascii() and entry.name.isdigit():
            wash_id = int(entry.name)
        else:
            continue
        try:
            if _last_change(entry) < cutoff:
                yield Leftover(entry, wash_id)
        except FileNotFoundError:  # gone already
            continue


def remove_leftover(leftover: Leftover) -> None:
    if leftover.path.is_dir():
        shutil.rmtree(leftover.path, ignore_errors=True)
    else:
        leftover.path.unlink(missing_ok=True)
