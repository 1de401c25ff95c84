"""Every query of the verification register. Adds and flushes; never commits."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from telreg.core.db import locked
from telreg.realname.verification_models import VerificationFlag

__all__ = ["add_flags", "flag_in_force", "flag_row", "flags", "flags_in_force", "lock_register"]

_CHUNK = 500  # indexes per IN list: well under every backend's limit on bound parameters


def lock_register(session: Session) -> None:
    """Serialise changes of the register until the transaction ends.

    A load reads the flags in force, then replaces some: two loads side by side would both see room for the
    same document and one would fail on the unique index. PostgreSQL takes a transaction advisory lock;
    SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": "realname-verification-register"})


def flag_in_force(session: Session, document_index: str) -> VerificationFlag | None:
    """The flag in force for a document (its blind index), if any."""
    return session.scalar(select(VerificationFlag).where(VerificationFlag.document_index == document_index,
                                                         VerificationFlag.withdrawn_at.is_(None)))


def flags_in_force(session: Session, document_indexes: Collection[str]) -> dict[str, VerificationFlag]:
    """The flags in force for these documents, by blind index."""
    found: dict[str, VerificationFlag] = {}
    wanted = sorted(set(document_indexes))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        stmt = select(VerificationFlag).where(VerificationFlag.document_index.in_(chunk),
                                              VerificationFlag.withdrawn_at.is_(None))
        found.update((flag.document_index, flag) for flag in session.scalars(stmt))
    return found


def flag_row(session: Session, flag_id: int) -> VerificationFlag | None:
    """One flag by id, locked for a change on PostgreSQL."""
    return session.scalar(locked(session, select(VerificationFlag).where(VerificationFlag.id == flag_id)))


def flags(session: Session, *, include_withdrawn: bool = False, limit: int = 1000) -> list[VerificationFlag]:
    """The flags in force (and, when asked, the withdrawn ones), newest first."""
    stmt = select(VerificationFlag)
    if not include_withdrawn:
        stmt = stmt.where(VerificationFlag.withdrawn_at.is_(None))
    return list(session.scalars(stmt.order_by(VerificationFlag.id.desc()).limit(limit)))


def add_flags(session: Session, rows: list[VerificationFlag]) -> list[VerificationFlag]:
    """Insert new flags (one statement per batch); their ids are set on return."""
    session.add_all(rows)
    session.flush()
    return rows
