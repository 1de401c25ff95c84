"""Every query of the real-name context. Adds and flushes; never commits.

Rows that a use case changes are read ``for_update``: on PostgreSQL that takes the row lock (SELECT … FOR
UPDATE), so two transfers or terminations of one number queue instead of interleaving; SQLite's BEGIN
IMMEDIATE already lets one writer in at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from telreg.core.db import add_unless_duplicate, dialect_insert, insert_unless_duplicate, locked
from telreg.realname.models import Identity, Number, Operator, QuotaCounter, Refusal, Registration


# ---- operators -------------------------------------------------------------------------------------------


def operator_by_code(session: Session, code: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.code == code))


def add_operator(session: Session, operator: Operator) -> bool:
    """Insert an operator; False when the code is taken (also by a concurrent writer)."""
    return add_unless_duplicate(session, operator)


def operators(session: Session) -> list[Operator]:
    return list(session.scalars(select(Operator).order_by(Operator.code)))


# ---- numbers ---------------------------------------------------------------------------------------------


def number_row(session: Session, number: str, *, for_update: bool = False) -> Number | None:
    stmt = select(Number).where(Number.number == number)
    if for_update and session.get_bind().dialect.name == "postgresql":
        # Partitioned by operator (migration c18b00000001): a port moves the row to another partition, and a
        # transaction queued on the moved row's lock would fail (SerializationFailure). The number's key row never
        # moves: queue on it first, then read the row afresh and lock it.
        session.execute(_LOCK_NUMBER_KEY, {"number": number})
    return session.scalar(locked(session, stmt) if for_update else stmt)


_LOCK_NUMBER_KEY = text("SELECT 1 FROM realname_number_keys WHERE number = :number FOR UPDATE")


def add_number(session: Session, row: Number) -> Number | None:
    """Insert a number and return it; None when it exists already (a concurrent registration created it)."""
    return insert_unless_duplicate(session, row)


# ---- the registration hot path: Core statements, built once per dialect --------------------------------------
# A registration is a dozen statements; through the ORM each cost more Python (building the statement, its cache
# key, the unit of work, objects back) than the database spent on it (issue 18). These take and return plain
# values, and the statements are built once, so only the parameters change per call.


def operator_and_number(session: Session, *, code: str, number: str | None) -> Row[Any] | None:
    """Return (operator id, operator code, id of NUMBER if it exists under any operator) in one round trip; None
    when no operator has CODE. NUMBER None (it did not parse) looks nothing up."""
    return session.connection().execute(_OPERATOR_AND_NUMBER, {"code": code, "number": number or ""}).first()


_OPERATOR_AND_NUMBER = select(
    Operator.id, Operator.code,
    select(Number.id).where(Number.number == bindparam("number")).scalar_subquery().label("number_id"),
).where(Operator.code == bindparam("code"))


def insert_number(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a number (the columns of ``realname_numbers``); return its id, or None when the number exists (a
    concurrent registration created it first: on PostgreSQL this waits for that transaction to commit)."""
    return session.connection().execute(_insert_returning_id(session, Number), values).scalar()


def current_registration_id(session: Session, *, number_id: int, operator_id: int) -> int | None:
    """The id of the number's current registration, if it has one."""
    return session.connection().execute(_CURRENT_REGISTRATION, {"number_id": number_id,
                                                                "operator_id": operator_id}).scalar()


_CURRENT_REGISTRATION = select(Registration.id).where(
    Registration.number_id == bindparam("number_id"), Registration.operator_id == bindparam("operator_id"),
    Registration.ended_at.is_(None))


def reactivate_number(session: Session, *, number_id: int, operator_id: int, service: str, line: str,
                      at: dt.datetime) -> None:
    """Make an existing number active again with the service and line it is registered for (ORM-enabled, so a
    Number the session holds sees the change)."""
    session.execute(update(Number).where(Number.id == number_id, Number.operator_id == operator_id)
                    .values(service=service, line=line, state="active", state_changed_at=at))


_IDENTITY_COLUMNS = (Identity.id, Identity.kind, Identity.doc_type, Identity.document_index,
                     Identity.document_sealed, Identity.name_sealed, Identity.date_of_birth_sealed,
                     Identity.address_sealed)


def identity_values_by_index(session: Session, index: str, *, lock: bool = False) -> Row[Any] | None:
    """The sealed columns of the identity of a document's blind index (as ``identity_by_index``, without an ORM
    object); ``lock``: FOR UPDATE until the transaction ends."""
    stmt = _IDENTITY_BY_INDEX_LOCKED if lock else _IDENTITY_BY_INDEX
    return session.connection().execute(stmt, {"index": index}).first()


_IDENTITY_BY_INDEX = select(*_IDENTITY_COLUMNS).where(Identity.document_index == bindparam("index"))
_IDENTITY_BY_INDEX_LOCKED = _IDENTITY_BY_INDEX.with_for_update()  # SQLite renders no FOR UPDATE


def insert_identity(session: Session, values: dict[str, Any]) -> int | None:
    """Insert an identity; return its id, or None when its blind index exists (a concurrent request made it)."""
    return session.connection().execute(_insert_returning_id(session, Identity), values).scalar()


def complete_identity_address(session: Session, identity_id: int, *, address_sealed: str,
                              at: dt.datetime) -> None:
    """Record the address of an identity that had none (ORM-enabled: an Identity the session holds sees it)."""
    session.execute(update(Identity).where(Identity.id == identity_id, Identity.address_sealed.is_(None))
                    .values(address_sealed=address_sealed, updated_at=at))


def insert_registration(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a registration; return its id, or None when the number already has a current one (the partial
    unique index: a concurrent registration won the number)."""
    return session.connection().execute(_insert_returning_id(session, Registration), values).scalar()


_BUILT: dict[tuple[str, str], Any] = {}


def _built(session: Session, name: str, build: Callable[[], Any]) -> Any:
    """The statement NAME for this session's database, built on first use (values come as parameters)."""
    key = (session.get_bind().dialect.name, name)
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = _BUILT[key] = build()
    return stmt


def _insert_returning_id(session: Session, model: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` into MODEL's table: no id back means a unique key held."""
    table = model.__table__
    return _built(session, f"insert {table.name}",
                  lambda: dialect_insert(session, table).on_conflict_do_nothing().returning(table.c.id))


# ---- identities ------------------------------------------------------------------------------------------


def identity_by_index(session: Session, index: str, *, lock: bool = False) -> Identity | None:
    """The identity of a document's blind index; ``lock``: held FOR UPDATE until the transaction ends (PostgreSQL),
    so the retention worker cannot erase it between this read and the registration that names it."""
    stmt = select(Identity).where(Identity.document_index == index)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def identity(session: Session, identity_id: int) -> Identity:
    row = session.get(Identity, identity_id)
    assert row is not None, f"identity {identity_id} is referenced but missing"
    return row


def add_identity(session: Session, row: Identity) -> Identity | None:
    """Insert an identity and return it; None when its blind index exists (a concurrent request created it)."""
    return insert_unless_duplicate(session, row)


# ---- registrations ---------------------------------------------------------------------------------------


def current_registration(session: Session, number_id: int) -> Registration | None:
    stmt = select(Registration).where(Registration.number_id == number_id, Registration.ended_at.is_(None))
    return session.scalar(stmt)


def last_registration(session: Session, number_id: int) -> Registration | None:
    stmt = (select(Registration).where(Registration.number_id == number_id)
            .order_by(Registration.registered_at.desc(), Registration.id.desc()).limit(1))
    return session.scalar(stmt)


def add_registration(session: Session, row: Registration) -> Registration | None:
    """Insert a registration and return it; None when the number already has a current one (the partial unique
    index)."""
    return insert_unless_duplicate(session, row)


def end_registration(session: Session, registration_id: int, *, at: dt.datetime, reason: str) -> bool:
    """End a current registration; False when it had ended already (a concurrent change came first)."""
    result = session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return (result.rowcount or 0) == 1


# ---- quota counters --------------------------------------------------------------------------------------


def increment_quota(session: Session, *, identity_id: int, operator_id: int, service: str,
                    limit: int | None) -> int | None:
    """Count one more number on the counter in a single statement; return the new count, or None when full.

    ``INSERT … ON CONFLICT DO UPDATE SET held = held + 1 WHERE held < LIMIT RETURNING held``: a first number
    creates the counter at 1; afterwards the condition is evaluated on the row as it is when the statement
    holds its lock, so concurrent registrations queue on the row and exactly LIMIT of them get through.
    """
    if limit is not None and limit <= 0:
        return None
    limited = limit is not None
    stmt = _built(session, f"increment quota {limited}", lambda: _increment_quota(session, limited=limited))
    params = {"identity_id": identity_id, "operator_id": operator_id, "service": service}
    return session.connection().execute(stmt, {**params, "limit": limit} if limited else params).scalar()


def _increment_quota(session: Session, *, limited: bool) -> Any:
    table = QuotaCounter.__table__
    stmt = dialect_insert(session, table).values(
        identity_id=bindparam("identity_id"), operator_id=bindparam("operator_id"), service=bindparam("service"),
        held=1)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.identity_id, table.c.operator_id, table.c.service],
        set_={"held": table.c.held + 1},
        where=(table.c.held < bindparam("limit")) if limited else None,
    ).returning(table.c.held)


def decrement_quota(session: Session, *, identity_id: int, operator_id: int, service: str) -> None:
    session.execute(
        update(QuotaCounter)
        .where(QuotaCounter.identity_id == identity_id, QuotaCounter.operator_id == operator_id,
               QuotaCounter.service == service, QuotaCounter.held > 0)
        .values(held=QuotaCounter.held - 1)
        .execution_options(synchronize_session=False)
    )


def rekey_current_registrations(session: Session, *, holder_kind: str, service: str, line: str,
                                counter: str) -> int:
    """Point the current registrations of a holder kind, service and line at COUNTER; return how many moved."""
    matching = (select(Registration.id)
                .join(Number, Number.id == Registration.number_id)
                .join(Identity, Identity.id == Registration.holder_id)
                .where(Registration.ended_at.is_(None), Identity.kind == holder_kind,
                       Number.service == service, Number.line == line))
    result = session.execute(
        update(Registration)
        .where(Registration.id.in_(matching), Registration.quota_service != counter)
        .values(quota_service=counter)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def rebuild_quota_counters(session: Session) -> int:
    """Replace every counter by a count of the current registrations per holder, operator and counter key.

    On PostgreSQL the counters table is locked first (EXCLUSIVE: reads go on, a registration's upsert waits),
    so no registration counts itself between the delete and the insert; SQLite's BEGIN IMMEDIATE already lets
    one writer in at a time. Returns the number of counters written.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {QuotaCounter.__tablename__} IN EXCLUSIVE MODE"))
    session.execute(delete(QuotaCounter).execution_options(synchronize_session=False))
    counts = (select(Registration.holder_id, Registration.operator_id, Registration.quota_service,
                     func.count())
              .where(Registration.ended_at.is_(None))
              .group_by(Registration.holder_id, Registration.operator_id, Registration.quota_service))
    columns = ["identity_id", "operator_id", "service", "held"]
    session.execute(insert(QuotaCounter).from_select(columns, counts))
    # INSERT … SELECT reports no row count on every driver: count what is there.
    return session.scalar(select(func.count()).select_from(QuotaCounter)) or 0


def quota_held(session: Session, *, identity_id: int, operator_id: int, service: str) -> int:
    return session.scalar(select(QuotaCounter.held).where(
        QuotaCounter.identity_id == identity_id, QuotaCounter.operator_id == operator_id,
        QuotaCounter.service == service)) or 0


# ---- refusals --------------------------------------------------------------------------------------------


def add_refusal(session: Session, values: dict[str, Any]) -> None:
    """Record a refusal (the columns of ``realname_refusals``), one Core INSERT."""
    session.connection().execute(insert(Refusal.__table__), values)
