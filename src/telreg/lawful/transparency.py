"""The transparency report of lawful access: what was asked, of whom, with what outcome, how fast (issue 16 §6).

Telecoms' transparency reports publish requests by legal basis, by the kind of data and the outcome; this one
adds what they do not: the operator's response times, emergencies and whether they were backed by a warrant in
time, the ambiguous matches the platform refused (wrong-person disclosures prevented) and the wrong-person
incidents the regulator recorded (oversight.report_wrong_person).

A request belongs to the period in which it was **filed** (``la_authorisations.filed_at``), and so do its
tasks, whatever happened to them later: a past period's figures change only as its own requests progress.
Counts are SQL ``GROUP BY``s; only the response times are read row by row (one row per decided task of the
period: few) to take their median and 90th percentile in Python.

- outcome of a task: disclosed, no records (matched nothing), rejected (by the operator, or its emergency was
  refused endorsement by the agency's supervisor), cancelled, invalid (an emergency's release revoked, or the
  authorisation expired), pending (still open). An open task under a closed authorisation takes the
  authorisation's outcome.
- response time: hours from filing to the operator's final decision (the release of a disclosed — or later
  revoked — task, the rejection of a rejected one). "No records" answers are immediate and automatic and would
  flatter the figure, so they are not in it. Median, and the 90th percentile by nearest rank (the smallest
  value with at least 90 % of the values at or below it).
- emergencies: by outcome (oversight.EMERGENCY_OUTCOMES): backed in time, backed late, revoked, not released,
  pending.
- ambiguous matches refused: tasks whose target matched more than one holder in the window — the platform
  refuses to approve them.
- wrong-person incidents: tasks reported during the period (each task once).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from telreg.core.exports import csv_text
from telreg.core.models import AuditEvent
from telreg.lawful.hi1.dictionaries import (
    CANCELLED,
    DISCLOSED,
    DISCLOSURE_NOT_AVAILABLE,
    EMERGENCY,
    EXPIRED,
    INVALID,
    LEGAL_TYPES,
    REJECTED,
    REQUEST_TYPES,
)
from telreg.lawful.models import Agency, Authorisation, Decision, Task
from telreg.lawful.oversight import (
    EMERGENCY_OUTCOMES,
    TASK_SUBJECT,
    WRONG_PERSON_ACTION,
    Period,
    as_utc,
    emergency_outcome_sql,
)
from telreg.realname.models import Operator

__all__ = ["CSV_HEADER", "NO_OPERATOR", "OUTCOMES", "TransparencyReport", "percentile", "report_csv",
           "report_rows", "transparency_report"]

OUTCOMES = ("disclosed", "no-records", "rejected", "cancelled", "invalid", "pending")
GROUPED = "grouped"  # the label a report's GROUP BY names
NO_OPERATOR = "(none)"  # by_operator's key for the tasks routed nowhere (no records): not an operator's code
CSV_HEADER = ("category", "value", "figure")
CATEGORIES = ("by_legal_type", "by_agency", "by_request_type", "by_operator", "by_outcome", "emergencies")


@dataclass(frozen=True)
class TransparencyReport:
    date_from: dt.date
    date_to: dt.date
    authorisations: int
    tasks: int
    by_legal_type: dict[str, int]  # authorisations
    by_agency: dict[str, int]  # authorisations, by agency code
    by_request_type: dict[str, int]  # tasks (the data asked for)
    by_operator: dict[str, int]  # tasks, by operator code (NO_OPERATOR: routed nowhere, no records)
    by_outcome: dict[str, int]  # tasks, OUTCOMES
    emergencies: dict[str, int]  # emergency authorisations, EMERGENCY_OUTCOMES
    decided: int  # tasks in the response-time figures
    median_response_hours: float | None
    p90_response_hours: float | None
    ambiguous_refused: int
    wrong_person_reported: int
    response_hours: list[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "response_hours"}
        return {**data, "date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                "emergencies_total": sum(self.emergencies.values())}


def _task_outcome() -> ColumnElement[str]:
    return case(
        (Task.status == DISCLOSED, "disclosed"),
        (Task.status == DISCLOSURE_NOT_AVAILABLE, "no-records"),
        (Task.status == REJECTED, "rejected"),
        # An emergency its supervisor refused to endorse: its tasks are withdrawn (Cancelled), but the request was
        # refused, not withdrawn by the agency.
        (Authorisation.status == REJECTED, "rejected"),
        (Task.status == CANCELLED, "cancelled"),
        (Task.status == INVALID, "invalid"),
        # An open task under a closed authorisation ends as the authorisation did.
        (Authorisation.status == CANCELLED, "cancelled"),
        (Authorisation.status.in_((INVALID, EXPIRED)), "invalid"),
        else_="pending")


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least SHARE of VALUES at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def transparency_report(session: Session, *, date_from: dt.date, date_to: dt.date) -> TransparencyReport:
    """The figures of the requests filed from DATE_FROM to DATE_TO (Hong Kong days, both included)."""
    period = Period(date_from, date_to)
    in_period = and_(Authorisation.filed_at >= period.start, Authorisation.filed_at < period.end)

    # Grouped by the label's name: a CASE repeated in GROUP BY would carry bound values PostgreSQL cannot match.
    def authorisations_by(column: Any) -> dict[str, int]:
        stmt = (select(column.label(GROUPED), func.count(Authorisation.id))
                .join(Agency, Agency.id == Authorisation.agency_id).where(in_period).group_by(literal_column(GROUPED)))
        return {key: count for key, count in session.execute(stmt).all()}

    def tasks_by(column: Any) -> dict[str, int]:
        stmt = (select(column.label(GROUPED), func.count(Task.id))
                .join(Authorisation, Authorisation.id == Task.authorisation_id)
                .outerjoin(Operator, Operator.id == Task.operator_id).where(in_period)
                .group_by(literal_column(GROUPED)))
        return {NO_OPERATOR if key is None else key: count for key, count in session.execute(stmt).all()}

    by_legal_type = {legal_type: 0 for legal_type in LEGAL_TYPES} | authorisations_by(Authorisation.legal_type)
    agencies = {code: 0 for code in session.scalars(select(Agency.code))}
    by_agency = dict(sorted((agencies | authorisations_by(Agency.code)).items()))
    operators = {code: 0 for code in session.scalars(select(Operator.code))}
    by_operator = dict(sorted((operators | tasks_by(Operator.code)).items(),
                              key=lambda item: (item[0] == NO_OPERATOR, item[0])))  # the operators, then none
    by_request_type = {request_type: 0 for request_type in REQUEST_TYPES} | tasks_by(Task.request_type)
    by_outcome = {name: 0 for name in OUTCOMES} | tasks_by(_task_outcome())
    counted = session.execute(select(emergency_outcome_sql().label(GROUPED), func.count(Authorisation.id))
                              .where(in_period, Authorisation.legal_type == EMERGENCY)
                              .group_by(literal_column(GROUPED))).all()
    emergency_counts = {name: 0 for name in EMERGENCY_OUTCOMES} | {key: count for key, count in counted}
    ambiguous = session.scalar(select(func.count(Task.id)).join(Authorisation, Authorisation.id == Task.authorisation_id)
                               .where(in_period, Task.match_outcome == "ambiguous")) or 0
    wrong_person = session.scalar(
        select(func.count(func.distinct(AuditEvent.subject_key)))
        .where(AuditEvent.action == WRONG_PERSON_ACTION, AuditEvent.subject_type == TASK_SUBJECT,
               AuditEvent.occurred_at >= period.start, AuditEvent.occurred_at < period.end)) or 0
    hours = _response_hours(session, in_period)
    return TransparencyReport(
        date_from=date_from, date_to=date_to, authorisations=sum(by_legal_type.values()),
        tasks=sum(by_outcome.values()), by_legal_type=by_legal_type, by_agency=by_agency,
        by_request_type=by_request_type, by_operator=by_operator, by_outcome=by_outcome,
        emergencies=emergency_counts, decided=len(hours),
        median_response_hours=round(statistics.median(hours), 2) if hours else None,
        p90_response_hours=percentile(hours, 0.9), ambiguous_refused=ambiguous,
        wrong_person_reported=wrong_person, response_hours=hours)


def _response_hours(session: Session, in_period: ColumnElement[bool]) -> list[float]:
    """Filed → the operator's final decision, in hours, for each decided task of the period (few: in Python)."""
    rejected_at = (select(func.max(Decision.at)).where(Decision.task_id == Task.id, Decision.step == "reject")
                   .correlate(Task).scalar_subquery())
    rows = session.execute(
        select(Authorisation.filed_at, Task.released_at, Task.status, rejected_at, Task.updated_at)
        .join(Authorisation, Authorisation.id == Task.authorisation_id)
        .where(in_period, or_(Task.released_at.is_not(None), Task.status == REJECTED))).all()
    hours = []
    for filed_at, released_at, status, rejection, updated_at in rows:
        decided = released_at if released_at is not None else (as_utc(rejection) or updated_at)
        hours.append(round((decided - filed_at).total_seconds() / 3600, 2))
    return sorted(hours)


def report_rows(report: TransparencyReport) -> list[tuple[str, str, Any]]:
    """The report as (category, value, figure) rows: the period, the totals, one row per value of each
    category, the timing figures (hours; empty when nothing was decided) and the safeguards' counts."""
    rows: list[tuple[str, str, Any]] = [
        ("period", "from", report.date_from.isoformat()), ("period", "to", report.date_to.isoformat()),
        ("totals", "authorisations", report.authorisations), ("totals", "tasks", report.tasks)]
    for category in CATEGORIES:
        rows += [(category, value, count) for value, count in getattr(report, category).items()]
    rows += [("emergencies", "total", sum(report.emergencies.values())),
             ("timing", "decided", report.decided),
             ("timing", "median_response_hours", "" if report.median_response_hours is None
              else report.median_response_hours),
             ("timing", "p90_response_hours", "" if report.p90_response_hours is None
              else report.p90_response_hours),
             ("safeguards", "ambiguous_refused", report.ambiguous_refused),
             ("safeguards", "wrong_person_reported", report.wrong_person_reported)]
    return rows


def report_csv(report: TransparencyReport) -> str:
    return csv_text(CSV_HEADER, report_rows(report))
