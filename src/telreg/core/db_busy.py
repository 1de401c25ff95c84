"""Telling a busy database from a broken one: a lock held past its timeout is a 503 with Retry-After, not a 500.

SQLite answers "database is locked" when a writer waited ``busy_timeout`` for another's lock; PostgreSQL raises
``lock_not_available`` (55P03, lock_timeout), ``serialization_failure`` (40001), ``deadlock_detected`` (40P01) or
``query_canceled`` (57014, statement_timeout). Each means the request did nothing and may be sent again. The
app's one handler (app.py) turns such a SQLAlchemy error into :class:`~telreg.core.errors.DatabaseBusy`; any other
database error stays a 500.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from telreg.core.errors import DatabaseBusy
from telreg.core.i18n import N_

__all__ = ["BUSY_SQLSTATES", "as_database_busy", "is_busy"]

BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01", "57014"})
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_busy(exc: BaseException) -> bool:
    """Whether EXC is the database saying it is busy (a lock or a conflict), not that something is wrong."""
    if not isinstance(exc, DBAPIError):
        return False
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in BUSY_SQLSTATES:
        return True
    text = str(original).lower()
    return any(words in text for words in _SQLITE_BUSY)


def as_database_busy(exc: BaseException, *, retry_after: int) -> DatabaseBusy | None:
    """The DatabaseBusy to answer for EXC, or None when EXC is another kind of failure."""
    if not is_busy(exc):
        return None
    return DatabaseBusy(N_("The register is busy with other changes right now; nothing was changed. Try again "
                           "in %(retry_after)s seconds."), retry_after=retry_after)
