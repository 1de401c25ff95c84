"""Incident response (issue 16 §5, seed 003: remedy at once on leak, damage or loss): open an incident with its
scope, freeze that scope in the same transaction, track the remedy steps, contain, unfreeze, close.

Who may act: an administrator or a regulator on any incident; an operator's compliance officer
(``operator-compliance``) on their own operator's incidents only, freezing only their own operator's staff
accounts (sender API keys and e-Certs are the platform's, so theirs to name only through the regulator). An
incident of another operator is "not found" to them, as if it did not exist.

A person cannot freeze their own account (or authenticator) while opening: they would lock themself out in the
middle of the response. Someone else opens that incident.

Services flush, never commit: the edge (API, page, CLI) owns the transaction, so a freeze that fails part-way
leaves nothing frozen and no incident recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.users import COMPLIANCE_ROLE
from telreg.incidents import freeze as freezing
from telreg.incidents import repository
from telreg.incidents.errors import (
    IncidentForbidden,
    IncidentInvalid,
    IncidentNotFound,
    IncidentStateConflict,
)
from telreg.incidents.models import CATEGORIES, Incident, IncidentScope, IncidentStep
from telreg.runtime import Runtime

__all__ = ["DEFAULT_STEPS", "MANAGER_ROLES", "Window", "add_step", "close", "complete_step", "contain",
           "get_incident", "list_incidents", "open_incident", "unfreeze"]

MANAGER_ROLES = ("admin", "regulator", COMPLIANCE_ROLE)
MAX_TITLE = 200
MAX_STEP = 500
_REFERENCE_ATTEMPTS = 20
# Seed 003's remedy, in the order it happens, with how long after opening each is due.
DEFAULT_STEPS: tuple[tuple[str, dt.timedelta], ...] = (
    (N_("Contain: stop the leak, damage or loss and secure what remains"), dt.timedelta(hours=1)),
    (N_("Assess: establish what data, which holders and which operators are affected"), dt.timedelta(hours=24)),
    (N_("Notify the affected holders"), dt.timedelta(hours=72)),
    (N_("Notify the regulator"), dt.timedelta(hours=72)),
    (N_("Remedy: correct, restore or recover the data and fix the cause"), dt.timedelta(days=7)),
    (N_("Review: record the lessons and the changes made"), dt.timedelta(days=30)),
)


class Window(NamedTuple):
    """The time window the incident covers (aware datetimes); the affected list looks at events inside it."""

    start: dt.datetime
    end: dt.datetime


def actor(user: User) -> str:
    """The audit trail's name for a staff member acting on incidents."""
    return f"staff:{user.username}"


def _require_manager(user: User) -> None:
    if not user.is_active or not set(MANAGER_ROLES) & set(user.roles):
        raise IncidentForbidden(N_("Only an administrator, a regulator or an operator's compliance officer may "
                                   "handle incidents."))


def _platform_wide(user: User) -> bool:
    return "admin" in user.roles or "regulator" in user.roles


def _check_window(window: Window, *, clock: Clock) -> Window:
    start, end = window
    if start.tzinfo is None or end.tzinfo is None:
        raise IncidentInvalid(N_("Give the window's times with their time zone (Hong Kong time is +08:00)."))
    if end <= start:
        raise IncidentInvalid(N_("The window must end after it starts (%(start)s to %(end)s)."),
                              start=start.isoformat(), end=end.isoformat())
    if end > clock.now():
        raise IncidentInvalid(N_("The window cannot end in the future (%(end)s)."), end=end.isoformat())
    return Window(start, end)


def _next_reference(session: Session, *, clock: Clock, row: Incident) -> None:
    """Number the incident INC-<year>-<nnnn>; the unique constraint decides between two opened at once."""
    prefix = f"INC-{today(clock).year}-"
    for _ in range(_REFERENCE_ATTEMPTS):
        last = repository.last_reference(session, prefix)
        row.reference = f"{prefix}{(int(last[len(prefix):]) if last else 0) + 1:04d}"
        if repository.add_incident(session, row):
            return
    raise RuntimeError("could not take an incident reference after several attempts")


def open_incident(session: Session, *, runtime: Runtime, user: User, title: str, category: str,
                  description: str, window: Window, accounts: Sequence[str] = (), api_keys: Sequence[str] = (),
                  certificates: Sequence[str] = (), two_factor: Sequence[str] = (),
                  operator: str | None = None) -> Incident:
    """Record an incident and freeze its scope at once; add seed 003's remedy steps. Return the incident."""
    clock = runtime.clock
    _require_manager(user)
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise IncidentInvalid(N_("Give the incident a title of at most %(most)s characters."), most=MAX_TITLE)
    if category not in CATEGORIES:
        raise IncidentInvalid(N_("Unknown category %(category)s; choose one of %(known)s."), category=category,
                              known=", ".join(CATEGORIES))
    window = _check_window(window, clock=clock)
    operator = (operator or "").strip().lower() or None
    if not _platform_wide(user):
        if operator not in (None, user.operator_code):
            raise IncidentForbidden(N_("You may open incidents of your own operator only."), operator=operator)
        operator = user.operator_code
        if api_keys or certificates:
            raise IncidentForbidden(N_("Sender API keys and e-Certs are frozen by the regulator; name only your "
                                       "operator's staff accounts."))
    items = ([freezing.resolve(session, "account", name) for name in accounts]
             + [freezing.resolve(session, "two-factor", name) for name in two_factor]
             + [freezing.resolve(session, "api-key", key) for key in api_keys]
             + [freezing.resolve(session, "certificate", serial) for serial in certificates])
    for item in items:
        if item.kind in ("account", "two-factor"):
            if item.identifier == user.username:
                raise IncidentForbidden(N_("You cannot freeze your own account: you would be locked out in the "
                                           "middle of the response. Ask another officer to open this incident."))
            if not _platform_wide(user):
                owner = freezing.resolve_account(session, item.identifier)
                if owner.operator_code != user.operator_code:
                    raise IncidentForbidden(N_("Account '%(username)s' is not one of your operator's."),
                                            username=item.identifier)
    now = clock.now()
    row = Incident(title=title, category=category, description=description, operator_code=operator,
                   window_start=window.start, window_end=window.end, state="open", opened_by=user.username,
                   opened_at=now)
    _next_reference(session, clock=clock, row=row)
    who = actor(user)
    audit.record(session, clock=clock, actor=who, action="incident-opened", subject_type="incident",
                 subject_key=row.reference,
                 details={"category": category, "operator": operator, "window": [window.start.isoformat(),
                                                                                  window.end.isoformat()],
                          "scope": [f"{item.kind}:{item.identifier}" for item in items]})
    seen: set[tuple[str, str]] = set()
    for item in items:
        if (item.kind, item.identifier) in seen:
            continue
        seen.add((item.kind, item.identifier))
        outcome = freezing.freeze(session, clock=clock, item=item, reference=row.reference, actor=who)
        session.add(IncidentScope(incident_id=row.id, kind=item.kind, identifier=item.identifier, frozen_at=now,
                                  frozen_by=user.username, outcome=outcome))
    for position, (text, due_in) in enumerate(DEFAULT_STEPS, start=1):
        session.add(IncidentStep(incident_id=row.id, position=position, text=text, owner=user.username,
                                 due_at=now + due_in))
    session.flush()
    return row


def get_incident(session: Session, *, user: User, reference: str) -> Incident:
    """The incident, if USER may see it (another operator's is "not found", as if it did not exist)."""
    _require_manager(user)
    row = repository.by_reference(session, reference or "")
    if row is None or (not _platform_wide(user) and row.operator_code != user.operator_code):
        raise IncidentNotFound(N_("There is no incident %(reference)s."), reference=reference)
    return row


def list_incidents(session: Session, *, user: User, state: str | None = None, limit: int = 100,
                   offset: int = 0) -> list[Incident]:
    _require_manager(user)
    return repository.incidents(session, operator=None if _platform_wide(user) else user.operator_code,
                                state=state, limit=limit, offset=offset)


def _not_closed(row: Incident) -> None:
    if row.state == "closed":
        raise IncidentStateConflict(N_("Incident %(reference)s is closed."), reference=row.reference)


def add_step(session: Session, *, clock: Clock, user: User, reference: str, text: str, due_at: dt.datetime,
             owner: str | None = None) -> IncidentStep:
    """Add a remedy step with its owner (a username; the person adding it by default) and due time."""
    row = get_incident(session, user=user, reference=reference)
    _not_closed(row)
    text = (text or "").strip()
    if not text or len(text) > MAX_STEP:
        raise IncidentInvalid(N_("Describe the step in at most %(most)s characters."), most=MAX_STEP)
    if due_at.tzinfo is None:
        raise IncidentInvalid(N_("Give the due time with its time zone (Hong Kong time is +08:00)."))
    owner_name = freezing.resolve_account(session, owner).username if owner else user.username
    position = max((step.position for step in repository.steps_of(session, row.id)), default=0) + 1
    step = IncidentStep(incident_id=row.id, position=position, text=text, owner=owner_name, due_at=due_at)
    session.add(step)
    session.flush()
    audit.record(session, clock=clock, actor=actor(user), action="incident-step-added", subject_type="incident",
                 subject_key=row.reference, details={"step": step.id, "owner": owner_name})
    return step


def complete_step(session: Session, *, clock: Clock, user: User, reference: str, step_id: int,
                  note: str | None = None) -> IncidentStep:
    """Mark a step done, with an optional note of what was done."""
    row = get_incident(session, user=user, reference=reference)
    _not_closed(row)
    step = next((s for s in repository.steps_of(session, row.id) if s.id == step_id), None)
    if step is None:
        raise IncidentNotFound(N_("Incident %(reference)s has no step %(step)s."), reference=row.reference,
                               step=step_id)
    if step.done_at is not None:
        raise IncidentStateConflict(N_("Step %(step)s was done already."), step=step_id)
    step.done_at, step.done_by, step.note = clock.now(), user.username, (note or "").strip() or None
    session.flush()
    audit.record(session, clock=clock, actor=actor(user), action="incident-step-done", subject_type="incident",
                 subject_key=row.reference, details={"step": step.id})
    return step


def contain(session: Session, *, clock: Clock, user: User, reference: str) -> Incident:
    """Record that the incident is contained: the leak, damage or loss has stopped."""
    row = get_incident(session, user=user, reference=reference)
    if row.state != "open":
        raise IncidentStateConflict(N_("Only an open incident can be marked contained; %(reference)s is not "
                                       "open."), reference=row.reference)
    row.state, row.contained_at, row.contained_by = "contained", clock.now(), user.username
    session.flush()
    audit.record(session, clock=clock, actor=actor(user), action="incident-contained", subject_type="incident",
                 subject_key=row.reference)
    return row


def close(session: Session, *, clock: Clock, user: User, reference: str, summary: str) -> Incident:
    """Close a contained incident with a summary; refused while a remedy step is open."""
    row = get_incident(session, user=user, reference=reference)
    if row.state != "contained":
        raise IncidentStateConflict(N_("Mark incident %(reference)s contained before closing it."),
                                    reference=row.reference)
    summary = (summary or "").strip()
    if not summary:
        raise IncidentInvalid(N_("Write a closing summary: what happened, who was told, what was remedied."))
    waiting = [step.position for step in repository.steps_of(session, row.id) if step.done_at is None]
    if waiting:
        raise IncidentStateConflict(N_("Incident %(reference)s still has %(count)s open step(s): do them first."),
                                    reference=row.reference, count=len(waiting))
    row.state, row.closed_at, row.closed_by, row.closing_summary = "closed", clock.now(), user.username, summary
    session.flush()
    audit.record(session, clock=clock, actor=actor(user), action="incident-closed", subject_type="incident",
                 subject_key=row.reference)
    return row


def unfreeze(session: Session, *, clock: Clock, user: User, reference: str, kind: str,
             identifier: str) -> IncidentScope:
    """Undo one freeze of the incident once it is contained (an account reactivated, a certificate released)."""
    row = get_incident(session, user=user, reference=reference)
    if row.state == "open":
        raise IncidentStateConflict(N_("Mark incident %(reference)s contained before unfreezing anything."),
                                    reference=row.reference)
    wanted = identifier.strip().lower()
    item = next((s for s in repository.scope_of(session, row.id)
                 if s.kind == kind and s.identifier.lower() == wanted), None)
    if item is None:
        raise IncidentNotFound(N_("%(identifier)s is not in the scope of incident %(reference)s."),
                               identifier=identifier, reference=row.reference)
    outcome = freezing.unfreeze(session, clock=clock, row=item, reference=row.reference, actor=actor(user))
    item.unfrozen_at, item.unfrozen_by, item.outcome = clock.now(), user.username, outcome
    session.flush()
    return item
