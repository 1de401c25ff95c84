"""Which account a message at a seed number traces to.

PLACEHOLDER (groundwork): the seed-number work fills this module; the intake calls :func:`assignment_for` for every
received report, and the assessment names the assignment on its lines.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from telreg.enforcement.models import SeedAssignment

__all__ = ["assignment_for"]


def assignment_for(session: Session, *, number: str, at: dt.datetime) -> SeedAssignment | None:
    """The assignment of a seed number whose copies were in circulation at ``at`` (None: not a seed number)."""
    return None
