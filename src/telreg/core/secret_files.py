"""Files that hold secrets stay private: production refuses one that group or others may read or write.

Every setting naming a secret file (``*_key_file``, ``*_secret_file``: the personal-data key ring, the audit
log's signing keys, …) is checked when a runtime is built, so `telreg serve`, `telreg worker` and every command
refuse to start on a key file left at mode 0644, naming the file and the ``chmod`` to run. Outside production
nothing is refused (a developer's checkout may live on a shared mount).

The files telreg creates itself are private from the start: the data directory 0700, generated keys and the
SQLite database 0600 (see :func:`private_dir`, core/db.py).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from telreg.config import Settings
from telreg.core.errors import DomainError
from telreg.core.i18n import N_

__all__ = ["SecretFileExposed", "check_private", "check_secret_files", "private_dir", "secret_file_settings"]

_SUFFIXES = ("_key_file", "_secret_file")


class SecretFileExposed(DomainError):
    """A secret file may be read or written by others than its owner."""

    status_code = 500
    code = "secret_file_exposed"


def secret_file_settings(settings: Settings) -> dict[str, Path]:
    """The secret files the settings name: setting name -> path (unset ones left out)."""
    found = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if name.endswith(_SUFFIXES) and value:
            found[name] = Path(value)
    return found


def check_private(path: Path, *, setting: str) -> None:
    """Refuse a file whose mode lets group or others in (mode & 0o077); a missing file is the loader's
    business."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_IMODE(mode) & 0o077:
        raise SecretFileExposed(
            N_("The secret file %(path)s (%(setting)s) may be read or written by group or others (mode "
               "%(mode)s); production refuses it. Run: chmod 600 %(path)s"),
            path=str(path), setting=f"TELREG_{setting.upper()}", mode=f"{stat.S_IMODE(mode):04o}")


def check_secret_files(settings: Settings) -> None:
    """In production, refuse to go on when any secret file the settings name is exposed."""
    if not settings.is_production:
        return
    for setting, path in secret_file_settings(settings).items():
        check_private(path, setting=setting)


def private_dir(path: Path) -> Path:
    """Create a directory (and its parents) readable by its owner only, when it does not exist yet."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask; 0700 is narrower than any umask leaves
    return path


def write_once(path: Path, make_text: Callable[[], str]) -> Path:
    """Create a generated secret file (0600) unless it exists; return its path. The development keys and secrets.

    Written to a private temporary file and then hard-linked into place: the link fails if the file already
    exists, so two processes starting together (server and worker) can never end up with different secrets, and
    nobody ever reads a half-written file. ``make_text`` is called only when the file is really created.
    """
    if path.exists():
        return path
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mkstemp creates the file 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(make_text())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; its secret is the one to use
    finally:
        os.unlink(tmp)
    return path
