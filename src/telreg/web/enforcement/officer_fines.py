"""The fine scale page: /staff/enforcement/fines — the rows in force today, the past and future rows of each
offence, and the form that adds a revision (never an edit: enforcement/fines.py).

Who: a regulator (an administrator passes).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.clock import today
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement import fines
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.vocabulary import OFFENCES
from telreg.runtime import Runtime
from telreg.web.enforcement import officer_messages  # noqa: F401 - registers the keyed words
from telreg.web.enforcement.officer_common import PAGE, Form, actor, explain, field_day, text
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix=f"{PAGE}/fines")
FINES = f"{PAGE}/fines"
FIELDS = ("offence", "amount", "effective_from", "legal_reference", "level", "imprisonment_years")


def amount_cents(value: str) -> int:
    """An amount of Hong Kong dollars typed in a form (``100000``, ``HK$100,000.00``) in cents."""
    cleaned = re.sub(r"[\s,]|^HK\$|^\$", "", value.strip(), flags=re.IGNORECASE)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(N_("Enter an amount of Hong Kong dollars, such as 100000."), field="amount") from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("10000000"):
        raise InvalidInput(N_("Enter an amount of Hong Kong dollars, such as 100000."), field="amount")
    return int(amount * 100)


def _optional_int(value: str, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 3:
        raise InvalidInput(N_("Enter a whole number."), field=field)
    return int(value)


def _page(request: Request, session: Session, runtime: Runtime, *, form: dict[str, str] | None = None,
          extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    day = today(runtime.clock)
    current = fines.scale_on(session, day)
    rows = fines.list_rates(session)
    return render(request, "enforcement/officer_fines.html", {
        "current": [current[o] for o in OFFENCES if o in current], "rows": rows,
        "current_ids": {row.id for row in current.values()}, "offences": OFFENCES, "today": day,
        "form": form or {"effective_from": day.isoformat()}, **(extra or {})}, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def fines_page(request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer) -> HTMLResponse:
    """The fine scale: the rows in force today, every row with its dates, and the form for a revision."""
    return _page(request, session, runtime)


@router.post("", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def add_rate(request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
             form: Form) -> Response:
    """Add a revision of one offence's penalty from a date (today or later)."""
    fields = {name: text(form, name) for name in FIELDS}
    try:
        fines.add_rate(session, clock=runtime.clock, offence=fields["offence"],
                       amount_cents=amount_cents(fields["amount"]),
                       effective_from=field_day(fields["effective_from"], field="effective_from"),
                       legal_reference=fields["legal_reference"], officer=actor(user),
                       level=_optional_int(fields["level"], "level"),
                       imprisonment_years=_optional_int(fields["imprisonment_years"], "imprisonment_years"))
    except DomainError as exc:
        session.rollback()
        return _page(request, session, runtime, form=fields, extra=explain(request, exc),
                     status_code=exc.status_code)
    flash(request, "enfo_flash_rate_added")
    return redirect(FINES)
