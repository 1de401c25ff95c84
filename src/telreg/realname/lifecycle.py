"""Walk unregistered legacy numbers through the policy's steps, from the clock; release rested numbers.

The states of ``realname_numbers.state`` and what moves a number between them:

    legacy import ─> unregistered ─> outgoing_barred ─> suspended ─> deactivated ─(D+1)─> quarantine
                     (legacy, deadline)                                  (day D)                 │
                          │                │                │                               D + max(Q, 1)
                          └── registration (service.register) ─> active                          v
                                                                   │               unregistered, not legacy,
                                    terminated (day T) <─ changes.terminate        no deadline: available
                                         └───────────────── T + max(Q, 1) ──────────────>

- ``deadline`` is the first day without anonymous service: a legacy import sets it to the import day plus
  the policy's ``legacy_deadline_days``. Only the services the policy's ``lifecycle.services`` names are
  withdrawn: a legacy number of another service is imported as ``contract`` (registered by its service
  contract: Hong Kong monthly subscribers, seed 000 Q4) and no step ever selects it; the steps also select by
  service, so a number imported under another policy is not withdrawn either. A policy step is due on
  ``deadline + after_days`` and is taken by the run of that day, or by the first run after it.
- ``reminder`` changes no state; ``outgoing_barred`` is the one-way suspension (calls and messages in only);
  ``suspended`` stops all service; ``deactivated`` withdraws the number, and the do-not-call registers are
  told (feeds.py). Registration in ``unregistered``, ``outgoing_barred`` or ``suspended`` restores ``active``,
  and the lifecycle no longer touches the number (it selects only numbers in those states).
- After a deactivation on day D the number rests: ``quarantine`` from D + 1, and on D + max(Q, 1) (Q = the
  policy's ``quarantine_days``) it is ``released``: ``unregistered`` with ``legacy`` False and no deadline, a
  number the operator may give to a new holder. A number terminated on day T (Hong Kong date) rests as
  ``terminated`` and is released on T + max(Q, 1) the same way.
- Catching up: the steps are taken in order within one run, so a number far past its deadline passes through
  every step due, each one recorded; its holder gets one message, for the last notifying step reached, not a
  burst of stale ones.
- Idempotent: a state step only moves numbers still in an earlier state; a reminder is recorded once per due
  day (unique number, step, due_on; ON CONFLICT DO NOTHING); messages owed are sent once (``notified``).
- Set-based: one UPDATE … RETURNING per step, events inserted in bulk; never a loop over ORM rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from telreg.core.db import dialect_insert
from telreg.core.clock import HK, Clock, today
from telreg.core.notify import SmsSender
from telreg.realname import feeds
from telreg.realname.lifecycle_models import LifecycleEvent
from telreg.realname.lifecycle_notices import notice
from telreg.realname.models import Number, Operator
from telreg.realname.policy import Policy

__all__ = ["ESCALATION", "PlannedStep", "plan", "run", "send_pending_notices"]

# Where a legacy number stands while its holder can still register it, mildest first.
ESCALATION = ("unregistered", "outgoing_barred", "suspended")
_AFTER_DEACTIVATION = ("quarantine", "released")
_CHUNK = 500


@dataclass(frozen=True)
class PlannedStep:
    """A step as the run takes it: the event's name, its day relative to the deadline, the state it sets."""

    name: str
    offset_days: int
    notify: bool
    to_state: str | None  # None: a reminder
    from_states: tuple[str, ...]


def plan(policy: Policy) -> list[PlannedStep]:
    """Return the policy's steps in order, followed by quarantine and release when the policy deactivates."""
    steps: list[PlannedStep] = []
    current = "unregistered"
    for step in policy.lifecycle.steps:
        if step.name == "reminder":
            steps.append(PlannedStep("reminder", step.after_days, step.notify, None, (current,)))
            continue
        # Every milder state, not only the previous step's: a number left behind by another policy moves too.
        milder = ESCALATION[:ESCALATION.index(step.name)] if step.name in ESCALATION else ESCALATION
        steps.append(PlannedStep(step.name, step.after_days, step.notify, step.name, milder))
        current = step.name
    if current == "deactivated":
        day_d = steps[-1].offset_days
        steps.append(PlannedStep("quarantine", day_d + 1, False, "quarantine", ("deactivated",)))
        steps.append(PlannedStep("released", day_d + max(policy.lifecycle.quarantine_days, 1), False,
                                 "unregistered", ("quarantine",)))
    return steps


def run(session: Session, *, clock: Clock, policy: Policy, sms: SmsSender) -> dict[str, Any]:
    """Take every step due today (catching up), release rested numbers, send the messages owed."""
    day, now = today(clock), clock.now()
    taken: dict[str, int] = {}
    owed: dict[int, int] = {}  # number id -> its latest event in this run whose step notifies
    for step in plan(policy):
        cutoff = day - dt.timedelta(days=step.offset_days)
        # Escalation applies to the policy's services; quarantine and release finish what was started.
        services = policy.lifecycle.services if step.name not in _AFTER_DEACTIVATION else None
        if step.to_state is None:
            rows = _due_reminders(session, step, cutoff, services)
        else:
            rows = _move(session, step, cutoff, now, services)
        events = [{"number_id": r.id, "operator_id": r.operator_id, "number": r.number, "step": step.name,
                   "deadline": r.deadline, "due_on": r.deadline + dt.timedelta(days=step.offset_days),
                   "at": now, "notify": False, "notified": False} for r in rows]
        added = _add_events(session, events)
        if step.notify:
            owed.update((number_id, event_id) for event_id, number_id in added)
        taken[step.name] = len(added)
        if step.name == "deactivated" and rows:
            codes = {row.id: row.code for row in session.execute(select(Operator.id, Operator.code))}
            feeds.record(session, clock=clock, reason="deactivated",
                         entries=[(codes[r.operator_id], r.number, day) for r in rows])
    terminated = _release_terminated(session, policy=policy, day=day, now=now)
    taken["released"] = taken.get("released", 0) + terminated
    _mark(session, list(owed.values()), notify=True)
    notified = send_pending_notices(session, policy=policy, sms=sms)
    return {"day": day.isoformat(), "steps": taken, "notified": notified}


def send_pending_notices(session: Session, *, policy: Policy, sms: SmsSender) -> int:
    """Send every message owed and not yet sent (this run's, or a crashed run's); return how many."""
    owed = session.execute(
        select(LifecycleEvent.id, LifecycleEvent.number, LifecycleEvent.step, LifecycleEvent.deadline)
        .where(LifecycleEvent.notify.is_(True), LifecycleEvent.notified.is_(False))
        .order_by(LifecycleEvent.id)
    ).all()
    for event in owed:
        sms.send_sms(event.number, notice(event.step, number=event.number, deadline=event.deadline,
                                          language=policy.language))
    _mark(session, [event.id for event in owed], notified=True)
    return len(owed)


def _due(step: PlannedStep, cutoff: dt.date, services: list[str] | None) -> list[Any]:
    """The conditions that select the numbers a step is due for (services None: every service)."""
    due = [Number.legacy.is_(True), Number.state.in_(step.from_states), Number.deadline <= cutoff]
    return due if services is None else [*due, Number.service.in_(services)]


def _due_reminders(session: Session, step: PlannedStep, cutoff: dt.date,
                   services: list[str] | None) -> list[Row[Any]]:
    stmt = (select(Number.id, Number.number, Number.operator_id, Number.deadline)
            .where(*_due(step, cutoff, services)))
    return list(session.execute(stmt).all())


def _move(session: Session, step: PlannedStep, cutoff: dt.date, now: dt.datetime,
          services: list[str] | None) -> list[Row[Any]]:
    """Move every due number in one statement; RETURNING names exactly those moved (not one registered
    meanwhile). A release keeps the deadline in this statement, so the event records it; it is cleared after.
    """
    assert step.to_state is not None
    values: dict[str, Any] = {"state": step.to_state, "state_changed_at": now}
    if step.name == "released":
        values["legacy"] = False
    moved = list(session.execute(
        update(Number)
        .where(*_due(step, cutoff, services))
        .values(**values)
        .returning(Number.id, Number.number, Number.operator_id, Number.deadline)
        .execution_options(synchronize_session=False)
    ).all())
    if step.name == "released" and moved:
        # An ordinary (not legacy) number available for reassignment has no registration deadline.
        session.execute(
            update(Number)
            .where(Number.legacy.is_(False), Number.state == "unregistered", Number.deadline.is_not(None))
            .values(deadline=None).execution_options(synchronize_session=False)
        )
    return moved


def _release_terminated(session: Session, *, policy: Policy, day: dt.date, now: dt.datetime) -> int:
    """Release numbers terminated at least max(Q, 1) days ago (by their Hong Kong termination date)."""
    rest = max(policy.lifecycle.quarantine_days, 1)
    before = dt.datetime.combine(day - dt.timedelta(days=rest - 1), dt.time(0), HK)  # T <= day - rest
    moved = session.execute(
        update(Number)
        .where(Number.state == "terminated", Number.state_changed_at < before)
        .values(state="unregistered", legacy=False, deadline=None, state_changed_at=now)
        .returning(Number.id, Number.number, Number.operator_id)
        .execution_options(synchronize_session=False)
    ).all()
    # The termination day is gone with the update; the release is recorded as due today.
    _add_events(session, [{"number_id": r.id, "operator_id": r.operator_id, "number": r.number,
                           "step": "released", "deadline": None, "due_on": day, "at": now, "notify": False,
                           "notified": False} for r in moved])
    return len(moved)


def _add_events(session: Session, events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Insert the events not recorded yet; return (event id, number id) of those inserted."""
    if not events:
        return []
    table = LifecycleEvent.__table__
    stmt = dialect_insert(session, table).on_conflict_do_nothing().returning(table.c.id, table.c.number_id)
    return [(row.id, row.number_id) for row in session.execute(stmt, events)]


def _mark(session: Session, ids: list[int], **values: bool) -> None:
    for start in range(0, len(ids), _CHUNK):
        session.execute(update(LifecycleEvent).where(LifecycleEvent.id.in_(ids[start:start + _CHUNK]))
                        .values(**values).execution_options(synchronize_session=False))

