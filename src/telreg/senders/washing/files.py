"""Where a wash's files live: ``$TELREG_DATA_DIR/washes/<id>/input/<name>`` and ``…/<id>/out/``.

An upload is streamed to a temporary file under ``washes/`` (hashed and size-checked on the way, never held in
memory whole), fsynced, and renamed into its wash's directory once the wash has an id: a crash leaves at most a
``.incoming-*`` file, never a half-written input.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from telreg.senders.errors import WashRefused

__all__ = ["OUTPUTS", "Upload", "discard", "input_path", "move_into_place", "out_dir", "receive", "remove_wash_files",
           "safe_name"]

OUTPUTS = ("kept.csv", "rejected.csv", "report.json", "receipt.json")
_COPY_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
    """Copy an upload to a temporary file, refusing it once it passes ``max_bytes`` or when it is empty."""
    name = safe_name(filename)
    directory = root(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    hasher, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as handle:
            while block := stream.read(_COPY_CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise WashRefused(f"{name} is larger than the {max_bytes:,} bytes a wash accepts; split the list "
                                      "or zip it.", max_bytes=max_bytes)
                hasher.update(block)
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        if size == 0:
            raise WashRefused(f"{name} is empty: there is nothing to wash.")
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Upload(Path(temp), name, size, hasher.hexdigest())


def move_into_place(upload: Upload, *, data_dir: Path, wash_id: int) -> Path:
    target = input_path(data_dir, wash_id, upload.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(upload.temp, target)
    return target


def discard(upload: Upload) -> None:
    upload.temp.unlink(missing_ok=True)


def remove_wash_files(data_dir: Path, wash_id: int) -> None:
    shutil.rmtree(wash_dir(data_dir, wash_id), ignore_errors=True)
