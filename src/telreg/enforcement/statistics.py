"""Monthly figures of enforcement, per register: reports received, their verdict classes, cases opened,
enforcement notices served and notices referred for prosecution (issue 17 §5). The regulator's dashboard, its
CSV and the public statistics page all read ``monthly_figures``.

What counts, and in which month (Hong Kong time, the month of the instant named):

- a report: one that was **received** — state ``received``, or ``withdrawn`` after it had been proved (it was
  received; withdrawing it later does not rewrite a past month). A report awaiting its one-time code, or one
  that lapsed unproved, never counts. Its month is that of ``proved_at``, the moment it became received (an
  officer-recorded report without a proof time: ``created_at``). Its register is the one the reporter named,
  ``unsure`` included. Its verdict class is the assessment's (``unassessed`` while it has none);
- a case: its ``opened_at``; its register is the case's own, else the first report filed in it, else
  ``unsure``;
- an enforcement notice served: its ``served_at``; a prosecution: a notice referred, its ``referred_at``. Both
  take the register of their case.

Every figure is one SQL ``GROUP BY`` per table, portable between PostgreSQL and SQLite: the month of an
instant is a ``CASE`` over the months' boundaries, the Hong Kong midnights of their first days computed here
(with the transparency report's ``Period``), so no database needs to know Hong Kong's time zone. The CASE is
grouped by its label (lawful/transparency.py: a CASE repeated in GROUP BY carries bound values PostgreSQL
cannot match).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.exports import csv_text
from telreg.core.i18n import N_, Msgid
from telreg.enforcement.models import Case, Notice, Report
from telreg.enforcement.vocabulary import REGISTER_CLAIMS, UNSURE, VERDICTS
from telreg.lawful.oversight import Period

__all__ = ["CSV_COLUMNS", "MAX_MONTHS", "MEASURES", "UNASSESSED", "VERDICT_CLASSES", "Figures", "Month",
           "MonthFigures", "MonthlyFigures", "figures_csv", "figures_rows", "last_complete_month", "month_of",
           "monthly_figures", "parse_month", "public_range", "staff_range"]

UNASSESSED = "unassessed"  # a received report the assessment has not (yet) classed
VERDICT_CLASSES = (*VERDICTS, UNASSESSED)
MEASURES = ("reports", "cases_opened", "notices_served", "prosecutions")
MAX_MONTHS = 120  # ten years: figures per period, not a dump of everything
DEFAULT_MONTHS = 12
CSV_COLUMNS = ("month", "register", "reports", *(f"verdict_{name}" for name in VERDICT_CLASSES),
               "cases_opened", "notices_served", "prosecutions")
GROUPED_MONTH, GROUPED_REGISTER, GROUPED_VERDICT = "grouped_month", "grouped_register", "grouped_verdict"
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def period(self) -> Period:
        """The month's Hong Kong days; ``.start``/``.end`` are the instants bounding it (end excluded)."""
        return Period(self.first_day, self.next().first_day - dt.timedelta(days=1))

    def __str__(self) -> str:
        return self.key


def month_of(day: dt.date) -> Month:
    return Month(day.year, day.month)


def parse_month(value: str | None, *, what: Msgid) -> Month | None:
    """A month written ``YYYY-MM`` (a full date names its month), or None when empty; WHAT names the field."""
    if not value:
        return None
    text = value.strip()
    found = _MONTH.fullmatch(text[:7]) if len(text) in (7, 10) else None
    if found and 1 <= int(found.group(2)) <= 12 and int(found.group(1)) >= 1:
        if len(text) == 10:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                found = None
        if found:
            return Month(int(found.group(1)), int(found.group(2)))
    raise InvalidInput(N_("%(what)s: '%(value)s' is not a month such as 2026-03."), what=what, value=value)


def last_complete_month(clock: Clock) -> Month:
    """The month before the current one (Hong Kong): the newest month whose figures are final."""
    return month_of(today(clock)).previous()


def _checked_range(start: Month, end: Month) -> tuple[Month, Month]:
    if end < start:
        raise InvalidInput(N_("The months end (%(to)s) before they start (%(from)s)."),
                           **{"from": start.key, "to": end.key})
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    if count > MAX_MONTHS:
        raise InvalidInput(N_("Figures cover at most %(months)s months at a time."), months=MAX_MONTHS)
    return start, end


def staff_range(clock: Clock, start: Month | None, end: Month | None) -> tuple[Month, Month]:
    """The regulator's months: as asked; by default the last twelve, up to the current one (still running)."""
    last = end or month_of(today(clock))
    return _checked_range(start or last.plus(1 - DEFAULT_MONTHS), last)


def public_range(clock: Clock, start: Month | None, end: Month | None) -> tuple[Month, Month]:
    """The public's months: complete months only (a later end is brought back to the last complete month); by
    default the last twelve complete months."""
    newest = last_complete_month(clock)
    last = min(end, newest) if end else newest
    first = start or last.plus(1 - DEFAULT_MONTHS)
    return _checked_range(min(first, last), last)


@dataclass(frozen=True)
class Figures:
    """One month's (or a period's) figures for one register (or all of them)."""

    reports: int
    verdicts: dict[str, int]  # every VERDICT_CLASSES, in that order
    cases_opened: int
    notices_served: int
    prosecutions: int

    @classmethod
    def zero(cls) -> Figures:
        return cls(0, dict.fromkeys(VERDICT_CLASSES, 0), 0, 0, 0)

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.reports + other.reports,
                       {name: self.verdicts[name] + other.verdicts[name] for name in VERDICT_CLASSES},
                       self.cases_opened + other.cases_opened, self.notices_served + other.notices_served,
                       self.prosecutions + other.prosecutions)

    def as_dict(self) -> dict[str, Any]:
        return {"reports": self.reports, "verdicts": dict(self.verdicts), "cases_opened": self.cases_opened,
                "notices_served": self.notices_served, "prosecutions": self.prosecutions}


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    registers: dict[str, Figures]  # every REGISTER_CLAIMS, in that order

    @property
    def total(self) -> Figures:
        return sum(self.registers.values(), Figures.zero())

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month, "registers": {name: f.as_dict() for name, f in self.registers.items()},
                "total": self.total.as_dict()}


@dataclass(frozen=True)
class MonthlyFigures:
    start: str  # YYYY-MM, the first month
    end: str  # YYYY-MM, the last month (included)
    months: list[MonthFigures]

    def register_total(self, register: str) -> Figures:
        return sum((month.registers[register] for month in self.months), Figures.zero())

    @property
    def total(self) -> Figures:
        return sum((month.total for month in self.months), Figures.zero())

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "registers": list(REGISTER_CLAIMS),
                "verdicts": list(VERDICT_CLASSES), "months": [month.as_dict() for month in self.months],
                "total": self.total.as_dict(),
                "by_register": {name: self.register_total(name).as_dict() for name in REGISTER_CLAIMS}}


def _months(start: Month, end: Month) -> list[Month]:
    months, month = [], start
    while month <= end:
        months.append(month)
        month = month.next()
    return months


def _month_bucket(column: Any, months: list[Month]) -> tuple[ColumnElement[str], ColumnElement[bool]]:
    """The month key of COLUMN's instant (a CASE over the Hong Kong month ends) and the condition keeping the
    instants within MONTHS."""
    bucket = case(*[(column < month.period.end, month.key) for month in months], else_=None)
    within = and_(column >= months[0].period.start, column < months[-1].period.end)
    return bucket, within


def _case_register() -> ColumnElement[str]:
    """A case's register: its own, else that of the first report filed in it, else unsure."""
    first_report = (select(Report.register_claim).where(Report.case_id == Case.id)
                    .order_by(Report.created_at, Report.id).limit(1).correlate(Case).scalar_subquery())
    return func.coalesce(Case.register, first_report, UNSURE)


def _received() -> ColumnElement[bool]:
    return or_(Report.state == "received", and_(Report.state == "withdrawn", Report.proved_at.is_not(None)))


def monthly_figures(session: Session, *, start: dt.date | Month, end: dt.date | Month) -> MonthlyFigures:
    """The figures of every month from START's to END's (both included; a date names its month), per
    register."""
    first = start if isinstance(start, Month) else month_of(start)
    last = end if isinstance(end, Month) else month_of(end)
    _checked_range(first, last)
    months = _months(first, last)
    keys = [month.key for month in months]
    counts: dict[tuple[str, str], dict[str, Any]] = {
        (key, register): {"reports": 0, "verdicts": dict.fromkeys(VERDICT_CLASSES, 0), "cases_opened": 0,
                          "notices_served": 0, "prosecutions": 0}
        for key in keys for register in REGISTER_CLAIMS}

    grouped = (literal_column(GROUPED_MONTH), literal_column(GROUPED_REGISTER))

    # Reports, by month, register and verdict class.
    bucket, within = _month_bucket(func.coalesce(Report.proved_at, Report.created_at), months)
    verdict = func.coalesce(Report.verdict, UNASSESSED)
    rows = session.execute(
        select(bucket.label(GROUPED_MONTH), Report.register_claim.label(GROUPED_REGISTER),
               verdict.label(GROUPED_VERDICT), func.count(Report.id))
        .where(_received(), within)
        .group_by(*grouped, literal_column(GROUPED_VERDICT))).all()
    for key, register, verdict_class, count in rows:
        cell = counts[(key, register)]
        cell["reports"] += count
        cell["verdicts"][verdict_class] += count

    # Cases opened, notices served, prosecutions: one GROUP BY each.
    bucket, within = _month_bucket(Case.opened_at, months)
    rows = session.execute(
        select(bucket.label(GROUPED_MONTH), _case_register().label(GROUPED_REGISTER), func.count(Case.id))
        .where(within).group_by(*grouped)).all()
    for key, register, count in rows:
        counts[(key, register)]["cases_opened"] += count

    for measure, column in (("notices_served", Notice.served_at), ("prosecutions", Notice.referred_at)):
        bucket, within = _month_bucket(column, months)
        rows = session.execute(
            select(bucket.label(GROUPED_MONTH), _case_register().label(GROUPED_REGISTER),
                   func.count(Notice.id))
            .join(Case, Case.id == Notice.case_id).where(within).group_by(*grouped)).all()
        for key, register, count in rows:
            counts[(key, register)][measure] += count

    return MonthlyFigures(first.key, last.key, [
        MonthFigures(key, {register: Figures(**counts[(key, register)]) for register in REGISTER_CLAIMS})
        for key in keys])


def figures_rows(figures: MonthlyFigures) -> list[tuple[Any, ...]]:
    """One row per month and register (CSV_COLUMNS), in order."""
    rows = []
    for month in figures.months:
        for register, cell in month.registers.items():
            rows.append((month.month, register, cell.reports,
                         *(cell.verdicts[name] for name in VERDICT_CLASSES),
                         cell.cases_opened, cell.notices_served, cell.prosecutions))
    return rows


def figures_csv(figures: MonthlyFigures) -> str:
    """The figures as CSV: a header row (CSV_COLUMNS), then one row per month and register."""
    return csv_text(CSV_COLUMNS, figures_rows(figures))
