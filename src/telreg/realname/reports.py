"""The regulator's compliance report: per operator and day, the real-name rate against the policy's target.

Definitions (per operator):

- registered: numbers with a current registration (state ``active``) plus legacy numbers registered by their
  service contract (state ``contract``: Hong Kong monthly subscribers, seed 000 Q4), which are also reported
  on their own as ``registered_by_contract`` (and ``numbers_contract`` in the CSV);
- total: numbers held by a subscriber — registered, plus legacy numbers not (yet) registered that are still in
  service or withdrawn step by step (``unregistered`` with ``legacy``, ``outgoing_barred``, ``suspended``).
  Stock never given out, deactivated, quarantined and terminated numbers have no subscriber and do not count;
- rate: registered / total in percent (None when the operator has no subscriber yet);
- steps: lifecycle steps taken during the day (lifecycle.py), per step;
- refusals: registrations and transfers refused during the day, per reason code.

History is kept in ``realname_compliance_snapshots``: the worker writes each day's row once, shortly after the
day ends (lifecycle_jobs.py); the state counts are those at that moment. ``live_figures`` gives the same
figures now, for today's row of a page.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.clock import HK, Clock
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import InvalidInput
from telreg.core.exports import csv_writer
from telreg.core.i18n import N_
from telreg.realname.lifecycle_models import EVENT_STEPS, ComplianceSnapshot, LifecycleEvent
from telreg.realname.models import NUMBER_STATES, Number, Operator, Refusal
from telreg.realname.policy import Policy

__all__ = ["CSV_COLUMNS", "compliance", "compliance_csv", "live_figures", "take_snapshots"]

# "unregistered" is split: a legacy number awaiting registration has a subscriber, stock does not.
STATE_KEYS = ("active", "unregistered_legacy", "unregistered_stock",
              *(s for s in NUMBER_STATES if s not in ("active", "unregistered")))
_REGISTERED = ("active", "contract")
_HELD = (*_REGISTERED, "unregistered_legacy", "outgoing_barred", "suspended")
CSV_COLUMNS = ("day", "operator", "registered", "total", "rate_percent", "target_percent",
               *(f"numbers_{key}" for key in STATE_KEYS), *(f"step_{step}" for step in EVENT_STEPS),
               "refusals")
MAX_DAYS = 3_660


def live_figures(session: Session, *, policy: Policy) -> list[dict[str, Any]]:
    """Return each operator's figures now (no steps or refusals): registered, total, rate, states."""
    states = _state_counts(session)
    return [_figures(operator.code, states.get(operator.id, {}), policy=policy)
            for operator in session.scalars(select(Operator).order_by(Operator.code))]


def take_snapshots(session: Session, *, clock: Clock, policy: Policy, day: dt.date) -> int:
    """Write the day's row for every operator that has none yet; return how many were written."""
    start, end = _bounds(day)
    states = _state_counts(session)
    steps = _grouped(session, select(LifecycleEvent.operator_id, LifecycleEvent.step, func.count())
                     .where(LifecycleEvent.at >= start, LifecycleEvent.at < end)
                     .group_by(LifecycleEvent.operator_id, LifecycleEvent.step))
    refusals = _grouped(session, select(Refusal.operator_code, Refusal.code, func.count())
                        .where(Refusal.at >= start, Refusal.at < end)
                        .group_by(Refusal.operator_code, Refusal.code))
    written = 0
    for operator in session.scalars(select(Operator).order_by(Operator.code)):
        figures = _figures(operator.code, states.get(operator.id, {}), policy=policy)
        row = ComplianceSnapshot(day=day, operator_id=operator.id, operator_code=operator.code,
                                 registered=figures["registered"], total=figures["total"],
                                 rate_percent=figures["rate_percent"],
                                 target_percent=figures["target_percent"],
                                 states=figures["states"], steps=steps.get(operator.id, {}),
                                 refusals=refusals.get(operator.code, {}), taken_at=clock.now())
        written += add_unless_duplicate(session, row)  # the day's row is written once; history is not redone
    return written


def compliance(session: Session, *, date_from: dt.date, date_to: dt.date,
               operator: str | None = None) -> list[dict[str, Any]]:
    """Return the stored daily rows between two days (inclusive), by day then operator."""
    if date_to < date_from:
        raise InvalidInput(N_("The period ends (%(date_to)s) before it starts (%(date_from)s)."),
                           date_to=date_to.isoformat(), date_from=date_from.isoformat())
    if (date_to - date_from).days > MAX_DAYS:
        raise InvalidInput(N_("Ask for at most %(days)s days at a time."), days=MAX_DAYS)
    stmt = (select(ComplianceSnapshot)
            .where(ComplianceSnapshot.day >= date_from, ComplianceSnapshot.day <= date_to)
            .order_by(ComplianceSnapshot.day, ComplianceSnapshot.operator_code))
    if operator:
        stmt = stmt.where(ComplianceSnapshot.operator_code == operator)
    return [{"day": row.day.isoformat(), "operator": row.operator_code, "registered": row.registered,
             "registered_by_contract": row.states.get("contract", 0), "total": row.total,
             "rate_percent": row.rate_percent, "target_percent": row.target_percent,
             "states": row.states, "steps": row.steps, "refusals": row.refusals}
            for row in session.scalars(stmt)]


def compliance_csv(rows: list[dict[str, Any]]) -> str:
    """Render rows of ``compliance`` as CSV: one line per day and operator, refusals as code=count pairs."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # formula-safe cells (core/exports.py)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            row["day"], row["operator"], row["registered"], row["total"],
            "" if row["rate_percent"] is None else f"{row['rate_percent']:.2f}", f"{row['target_percent']:g}",
            *(row["states"].get(key, 0) for key in STATE_KEYS),
            *(row["steps"].get(step, 0) for step in EVENT_STEPS),
            " ".join(f"{code}={count}" for code, count in sorted(row["refusals"].items())),
        ])
    return out.getvalue()


def _figures(code: str, states: dict[str, int], *, policy: Policy) -> dict[str, Any]:
    registered = sum(states.get(key, 0) for key in _REGISTERED)
    total = sum(states.get(key, 0) for key in _HELD)
    return {
        "operator": code,
        "registered": registered,
        "registered_by_contract": states.get("contract", 0),
        "total": total,
        "rate_percent": round(100 * registered / total, 2) if total else None,
        "target_percent": policy.real_name_target_percent,
        "states": {key: states.get(key, 0) for key in STATE_KEYS},
    }


def _state_counts(session: Session) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = session.execute(select(Number.operator_id, Number.state, Number.legacy, func.count())
                           .group_by(Number.operator_id, Number.state, Number.legacy))
    for operator_id, state, legacy, count in rows:
        if state == "unregistered":
            key = "unregistered_legacy" if legacy else "unregistered_stock"
        else:
            key = state
        counts[operator_id][key] = counts[operator_id].get(key, 0) + count
    return counts


def _grouped(session: Session, stmt: Any) -> dict[Any, dict[str, int]]:
    grouped: dict[Any, dict[str, int]] = defaultdict(dict)
    for owner, key, count in session.execute(stmt):
        grouped[owner][key] = count
    return grouped


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), HK)
    return start, start + dt.timedelta(days=1)
