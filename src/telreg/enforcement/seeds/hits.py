"""Which account a message at a seed number traces to.

The intake (enforcement.reports) calls :func:`assignment_for` for every received report: a report at a seed number
names the account whose copy of the register carried it, and ``cases.open_seed_case`` opens the case with that
account's download log. The assignment counts from the moment it was made, also after it was retired (a leaked copy
keeps circulating). Officers see recent hits on the seeds page (:func:`recent_hits`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.errors import InvalidNumber
from telreg.enforcement.models import Case, Report, SeedAssignment, SeedNumber

__all__ = ["assignment_for", "recent_hits", "record_seed_hit"]


def assignment_for(session: Session, *, number: str, at: dt.datetime) -> SeedAssignment | None:
    """The assignment of a seed number whose copies were in circulation at ``at`` (None: not a seed number)."""
    return session.scalars(
        select(SeedAssignment).join(SeedNumber, SeedNumber.id == SeedAssignment.seed_id)
        .where(SeedNumber.number == number, SeedAssignment.assigned_at <= at)
        .order_by(SeedAssignment.assigned_at.desc()).limit(1)
    ).first()


def recent_hits(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest reports at seed numbers, with the account and the case they opened (officers only)."""
    rows = session.execute(
        select(Report, SeedAssignment, Case)
        .join(SeedAssignment, SeedAssignment.id == Report.seed_assignment_id)
        .outerjoin(Case, Case.id == Report.case_id)
        .order_by(Report.received_at.desc(), Report.id.desc()).limit(limit)
    ).all()
    return [{"report": report.reference, "received_at": report.received_at, "source": report.source,
             "account_id": assignment.account_id, "register": assignment.register,
             "case": case.reference if case is not None else None,
             "case_state": case.state if case is not None else None} for report, assignment, case in rows]


def record_seed_hit(session: Session, *, runtime: Any, officer_username: str, number: str, arrived_at: str,
                    sender_identification: str, message_text: str, register: str | None = None) -> dict[str, Any]:
    """A message at a seed number, from an operator's feed (or an officer on its behalf): recorded as a report
    with source ``operator-feed`` through the intake, which traces it (assignment_for) and opens the case."""
    from telreg.core.phone import parse_number
    from telreg.enforcement import reports

    if register is None:  # the seed's register, when the number is one (the intake checks the number itself)
        try:
            national: str | None = parse_number(number).national
        except InvalidNumber:  # the intake says what is wrong with it
            national = None
        assignment = (assignment_for(session, number=national, at=runtime.clock.now())
                      if national is not None else None)
        register = assignment.register if assignment is not None else "unsure"
    report, _ = reports.record_report(
        session, runtime=runtime, officer_username=officer_username, source="operator-feed",
        receiving_number=number, register=register, arrived_at=arrived_at,
        sender_identification=sender_identification, message_text=message_text)
    traced = session.get(SeedAssignment, report.seed_assignment_id) if report.seed_assignment_id else None
    case = session.get(Case, report.case_id) if report.case_id else None
    return {"report": report.reference, "seed": traced is not None,
            "account_id": traced.account_id if traced is not None else None,
            "register": traced.register if traced is not None else report.register_claim,
            "case": case.reference if case is not None else None,
            "case_origin": case.origin if case is not None else None}
