"""The demo's certification authority: created once, with the root's passphrase in a generated private file.

A real CA is created at a key ceremony (`telreg ecert init`, the root passphrase typed by the operators); the demo
stands in for that ceremony so that the CA officer's pages, the public status page and OCSP work at once. The
root passphrase is generated once and kept in ``data_dir/ecert-demo-root-passphrase`` (0600), which only a later
demo ceremony (signing a root CRL) would read. The issuing CA's first CRL is signed at once. An existing CA is
left exactly as it is.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.secret_files import write_once
from telreg.ecert.crl import issue_crl
from telreg.ecert.hierarchy import MARKER, ca_dir, init_hierarchy

__all__ = ["ROOT_PASSPHRASE_FILE", "load_ca"]

ROOT_PASSPHRASE_FILE = "ecert-demo-root-passphrase"


def load_ca(session: Session, *, clock: Clock, settings: Settings, actor: str) -> bool:
    """Create the demo CA unless one exists; return whether it was created."""
    if (ca_dir(settings) / MARKER).exists():
        return False
    path = write_once(Path(settings.data_dir) / ROOT_PASSPHRASE_FILE, lambda: secrets.token_urlsafe(32))
    hierarchy = init_hierarchy(settings, clock=clock, root_passphrase=Path(path).read_bytes().strip(),
                               session=session, actor=actor)
    # The first CRL at once, as after a ceremony, so /ecert/crl/issuing.crl answers before the worker's first run.
    issue_crl(session, clock=clock, settings=settings, hierarchy=hierarchy, actor=actor)
    return True
