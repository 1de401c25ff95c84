"""Every query of the do-not-call context. Adds and flushes; never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from telreg.core.db import add_unless_duplicate
from telreg.dnc.models import Listing, PaperApplication, TerminationImport

_CHUNK = 500  # keeps IN (...) lists well under every backend's parameter limit


def get_listing(session: Session, number: str, register: str) -> Listing | None:
    return session.scalar(select(Listing).where(Listing.number == number, Listing.register == register))


def insert_listing(session: Session, listing: Listing) -> Listing | None:
    """Insert a listing; return None when the number is already listed (also when a concurrent writer won)."""
    return listing if add_unless_duplicate(session, listing) else None


def delete_listing(session: Session, listing: Listing) -> None:
    session.delete(listing)
    session.flush()


def listings_among(session: Session, numbers: Sequence[str]) -> list[Listing]:
    found: list[Listing] = []
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        found.extend(session.scalars(select(Listing).where(Listing.number.in_(chunk))))
    return found


def delete_listings_by_id(session: Session, ids: Sequence[int]) -> int:
    removed = 0
    for start in range(0, len(ids), _CHUNK):
        result = session.execute(delete(Listing).where(Listing.id.in_(ids[start : start + _CHUNK])))
        removed += result.rowcount or 0
    return removed


def count_listings(session: Session) -> dict[str, int]:
    rows = session.execute(select(Listing.register, func.count()).group_by(Listing.register))
    return {register: count for register, count in rows}


def add_paper_application(session: Session, application: PaperApplication) -> PaperApplication:
    session.add(application)
    session.flush()
    return application


def get_paper_application(session: Session, application_id: int, *, for_update: bool = False) -> PaperApplication | None:
    stmt = select(PaperApplication).where(PaperApplication.id == application_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def _paper_status(stmt: Any, status: str | None, decided: bool) -> Any:
    if status:
        stmt = stmt.where(PaperApplication.status == status)
    if decided:
        stmt = stmt.where(PaperApplication.status != "pending")
    return stmt


def paper_applications(session: Session, *, status: str | None = None, decided: bool = False,
                       limit: int | None = None, offset: int = 0) -> list[PaperApplication]:
    """Paper applications newest first: in one status, every decided one, or all; a page with LIMIT/OFFSET."""
    stmt = select(PaperApplication).order_by(PaperApplication.submitted_at.desc(), PaperApplication.id.desc())
    return list(session.scalars(_paper_status(stmt, status, decided).offset(offset or None).limit(limit)))


def count_paper_applications(session: Session, *, status: str | None = None, decided: bool = False) -> int:
    stmt = _paper_status(select(func.count()).select_from(PaperApplication), status, decided)
    return int(session.scalar(stmt) or 0)


def add_termination_import(session: Session, run: TerminationImport) -> TerminationImport:
    session.add(run)
    session.flush()
    return run


def termination_imports(session: Session, *, limit: int = 50) -> list[TerminationImport]:
    stmt = select(TerminationImport).order_by(TerminationImport.started_at.desc(), TerminationImport.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def registered_before(listing: Listing, day: dt.date) -> bool:
    return listing.registration_date <= day
