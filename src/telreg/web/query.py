"""Values read from a page's query string, refused with a sentence a person understands (never a 500)."""

from __future__ import annotations

import datetime as dt

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Msgid

__all__ = ["optional_day"]


def optional_day(value: str | None, *, what: Msgid) -> dt.date | None:
    """An ISO date (``2026-03-02``) or None when empty; WHAT names the field in the refusal."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(N_("%(what)s: '%(value)s' is not a date such as 2026-03-02."), what=what,
                           value=value) from None
