"""Cases per sender: grouping reports, investigation steps, letters, notices, compliance checks, referrals.

PLACEHOLDER (groundwork): the cases work fills this module (or a cases/ package with the same public names). The
two functions below are the interface the intake (reports.py) and the seed numbers (seeds/) call.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.enforcement.models import Case, Report, SeedAssignment

__all__ = ["file_report", "open_seed_case"]


def file_report(session: Session, *, clock: Clock, report: Report, actor: str) -> Case | None:
    """Put a received report into the open case of its sender (opening one when there is none); return it.

    Called by the intake once the report is proved and assessed, in the same transaction."""
    return None


def open_seed_case(session: Session, *, clock: Clock, report: Report, assignment: SeedAssignment,
                   actor: str) -> Case:
    """A message arrived at a seed number: open (or find) the case of the account the seed was assigned to,
    with origin ``seed-number``, and file the report in it."""
    raise NotImplementedError("cases: open_seed_case is built by the cases work")
