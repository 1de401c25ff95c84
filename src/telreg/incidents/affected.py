"""Who an incident affects: the holders and operators whose records the frozen scope touched in its window.

The audit trail says what each staff account (and each sender API key) did, when, to which subject. For the
incident's window and scope this module reads those events once, collects the numbers, identities and
registrations they name, and resolves them to holders and operators with a handful of set-based queries (never
one query per event). The list it returns holds **masked values only** (core/masking.py, through the real-name
context's ``identities.masked``): the vault is opened only to mask. It is the list "for notification": who to
tell, by which operator, and which events touched them.

What leads to a holder:

    realname-number   subject_key is the number; details name the registration's identities
    realname-lookup   details.identity (a holder who asked for a lookup code) and details.number
    realname-flag     details.number
    any subject       details.number / identity / holder_identity / registration_id, where an event has them

A number touched that no holder held in the window is listed by its operator only. An incident of one operator
lists that operator's holders and numbers only.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from telreg.core.clock import to_hk
from telreg.core.exports import csv_writer
from telreg.core.masking import mask_number
from telreg.core.models import AuditEvent
from telreg.core.vault import Vault
from telreg.incidents import freeze as freezing
from telreg.incidents import repository
from telreg.incidents.models import Incident
from telreg.realname import identities
from telreg.realname.models import Identity, Number, Operator, Registration

__all__ = ["STAFF_ACTOR_PREFIXES", "Affected", "AffectedHolder", "affected", "as_csv", "scope_actors"]

# How the audit trail names a staff member acting (``staff:olivia``, ``officer:olivia``…; see the contexts'
# ``actor=f"…"``), and how it names a script using a sender's API key (senders/lists/api.py).
STAFF_ACTOR_PREFIXES = ("staff", "officer", "admin", "user", "regulator", "compliance", "le")
_IDENTITY_KEYS = ("identity", "holder_identity", "guardian_identity", "agent_identity", "handler_identity")
_CHUNK = 500  # IN-lists stay well under every database's parameter limit


@dataclass
class AffectedHolder:
    """One holder: masked name and document, the masked numbers touched, their operators, the events."""

    name: str
    document_type: str
    document_number: str
    numbers: list[str] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Affected:
    holders: list[AffectedHolder]
    numbers_without_holder: dict[str, list[str]]  # operator code ("" when unknown) -> masked numbers
    operators: list[str]  # every operator affected, by code
    events: int  # events of the scope in the window that were read


def scope_actors(session: Session, incident: Incident) -> tuple[list[str], set[int]]:
    """The audit-trail spellings of everyone in the incident's scope (accounts and API keys), and the API keys.

    A script's downloads and checks are recorded under its sender (``sender:<account>``) with the key's id in
    the details, so the key's sender is read too and its events are kept only when they name a scoped key.
    """
    names: list[str] = []
    keys: set[int] = set()
    for item in repository.scope_of(session, incident.id):
        if item.kind == "account":
            names += [item.identifier, *(f"{prefix}:{item.identifier}" for prefix in STAFF_ACTOR_PREFIXES)]
        elif item.kind == "api-key":
            keys.add(int(item.identifier))
            names.append(f"api-key:{item.identifier}")
            if (account := freezing.resolve(session, "api-key", item.identifier).account_id) is not None:
                names.append(f"sender:{account}")
    return names, keys


def _by_scope(event: Any, keys: set[int]) -> bool:
    """Whether an event read for the scope's actors is the scope's: a sender's only through a scoped key."""
    if not event.actor.startswith("sender:"):
        return True
    details = event.details if isinstance(event.details, dict) else {}
    return _as_int(details.get("api_key_id")) in keys


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def affected(session: Session, *, vault: Vault, incident: Incident) -> Affected:
    """The holders and operators the incident's scope touched in its window, masked, one row per holder."""
    actors, keys = scope_actors(session, incident)
    events = [] if not actors else list(session.execute(
        select(AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action, AuditEvent.subject_type,
               AuditEvent.subject_key, AuditEvent.details)
        .where(AuditEvent.actor.in_(actors), AuditEvent.occurred_at >= incident.window_start,
               AuditEvent.occurred_at <= incident.window_end)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)))
    events = [event for event in events if _by_scope(event, keys)]
    # What each event names: numbers, identities, registrations.
    by_number: dict[str, set[int]] = defaultdict(set)
    by_identity: dict[int, set[int]] = defaultdict(set)
    by_registration: dict[int, set[int]] = defaultdict(set)
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        if event.subject_type == "realname-number":
            by_number[event.subject_key].add(event.id)
        if isinstance(details.get("number"), str):
            by_number[details["number"]].add(event.id)
        for key in _IDENTITY_KEYS:
            if (identity := _as_int(details.get(key))) is not None:
                by_identity[identity].add(event.id)
        if (registration := _as_int(details.get("registration_id"))) is not None:
            by_registration[registration].add(event.id)
    numbers = _numbers(session, by_number.keys())
    registrations = _registrations(session, incident, numbers=numbers, ids=by_registration.keys())
    operators = {row.id: row.code for row in session.execute(select(Operator.id, Operator.code))}
    # Holder identity -> numbers and event ids.
    holder_numbers: dict[int, set[str]] = defaultdict(set)
    holder_events: dict[int, set[int]] = defaultdict(set)
    holder_operators: dict[int, set[str]] = defaultdict(set)
    numbers_held: set[str] = set()
    number_of = {number_id: text for text, (number_id, _operator) in numbers.items()}
    for reg in registrations:
        text = number_of.get(reg.number_id)
        touched = by_registration.get(reg.id, set()) | (by_number.get(text, set()) if text else set())
        if not touched:
            continue
        holder_events[reg.holder_id] |= touched
        holder_operators[reg.holder_id].add(operators.get(reg.operator_id, ""))
        if text:
            holder_numbers[reg.holder_id].add(text)
            numbers_held.add(text)
    for identity_id, touched in by_identity.items():
        holder_events[identity_id] |= touched
    wanted = incident.operator_code
    rows = _identities(session, holder_events.keys())
    event_rows = {event.id: event for event in events}
    holders: list[AffectedHolder] = []
    for identity_id in sorted(holder_events):
        identity = rows.get(identity_id)
        if identity is None:
            continue
        held_by = sorted(holder_operators.get(identity_id, set()) - {""})
        if wanted is not None and held_by and wanted not in held_by:
            continue  # another operator's holder: not this operator's to notify
        shown = identities.masked(vault, identity)
        holders.append(AffectedHolder(
            name=shown["name"], document_type=shown["document"]["type"], document_number=shown["document"]["number"],
            numbers=sorted(mask_number(n) for n in holder_numbers.get(identity_id, set())),
            operators=held_by,
            events=[{"at": event_rows[i].occurred_at, "action": event_rows[i].action}
                    for i in sorted(holder_events[identity_id])]))
    without: dict[str, list[str]] = defaultdict(list)
    for text in sorted(set(by_number) - numbers_held):
        code = operators.get(numbers[text][1], "") if text in numbers else ""
        if wanted is None or code == wanted:
            without[code].append(mask_number(text))
    every = sorted({code for holder in holders for code in holder.operators} | (set(without) - {""}))
    return Affected(holders=holders, numbers_without_holder=dict(without), operators=every, events=len(events))


def _numbers(session: Session, texts: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Number text -> (number id, operator id) for the numbers on record."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(texts):
        for row in session.execute(select(Number.number, Number.id, Number.operator_id)
                                   .where(Number.number.in_(chunk))):
            found[row.number] = (row.id, row.operator_id)
    return found


def _registrations(session: Session, incident: Incident, *, numbers: dict[str, tuple[int, int]],
                   ids: Iterable[int]) -> list[Registration]:
    """Registrations named by id, and those of the touched numbers that were in force during the window."""
    found: dict[int, Registration] = {}
    in_window = and_(Registration.registered_at <= incident.window_end,
                     or_(Registration.ended_at.is_(None), Registration.ended_at >= incident.window_start))
    for chunk in _chunks(number_id for number_id, _ in numbers.values()):
        for reg in session.scalars(select(Registration).where(Registration.number_id.in_(chunk), in_window)):
            found[reg.id] = reg
    for chunk in _chunks(ids):
        for reg in session.scalars(select(Registration).where(Registration.id.in_(chunk))):
            found[reg.id] = reg
    return list(found.values())


def _identities(session: Session, ids: Iterable[int]) -> dict[int, Identity]:
    found: dict[int, Identity] = {}
    for chunk in _chunks(ids):
        for row in session.scalars(select(Identity).where(Identity.id.in_(chunk))):
            found[row.id] = row
    return found


CSV_HEADER = ("holder_name_masked", "document_type", "document_number_masked", "numbers_masked", "operators",
              "events")


def as_csv(result: Affected) -> str:
    """The affected list as CSV for notification: masked values only; numbers without a holder at the end."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_HEADER)
    for holder in result.holders:
        writer.writerow((holder.name, holder.document_type, holder.document_number, "; ".join(holder.numbers),
                         "; ".join(holder.operators),
                         "; ".join(f"{to_hk(e['at']).strftime('%Y-%m-%d %H:%M')} {e['action']}"
                                   for e in holder.events)))
    for code, masked_numbers in sorted(result.numbers_without_holder.items()):
        writer.writerow(("", "", "", "; ".join(masked_numbers), code, ""))
    return out.getvalue()
