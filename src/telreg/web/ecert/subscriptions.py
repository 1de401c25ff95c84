"""The subscriptions and fees page (seed 002 Q9–Q10): the annual fee table and its revisions, the free-use
periods, a payment recorded at the counter, and the subscriptions due soon or lapsed (a lapsed subscription
holds its certificate until it is paid; recording the payment releases it).

Each form calls one service (ecert/fees.py, ecert/subscriptions.py); a refusal re-renders the page with the
service's sentence in the page's language and what was typed kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.ecert import applications, fees, lifecycle, subscriptions
from telreg.ecert.deps import CA_CHANGE, CaOfficer
from telreg.ecert.errors import BadRequestData
from telreg.ecert.subscription_models import ALL_PROFILES, FREE_KINDS, PAYMENT_METHODS
from telreg.runtime import Runtime
from telreg.web.ecert.common import Form, FormFields, actor, explain, text
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/ecert")
PAGE = "/staff/ecert/subscriptions"
LIST_LIMIT = 200  # each list: the reminders and the daily run deal with the rest; the officer works the top


def _page(request: Request, session: Session, runtime: Runtime, *, form: FormFields | None = None,
          which: str | None = None, extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    context: dict[str, Any] = {
        "form": form or {}, "which": which,
        "profiles": (ALL_PROFILES, *applications.SUBSCRIBER_PROFILES),
        "kinds": FREE_KINDS, "methods": PAYMENT_METHODS,
        "fee_table": fees.fee_table(session, settings=runtime.settings, clock=runtime.clock),
        "free_periods": fees.free_periods(session),
        "lapsed": subscriptions.list_subscriptions(session, clock=runtime.clock, settings=runtime.settings,
                                                   which="lapsed", limit=LIST_LIMIT),
        "due": subscriptions.list_subscriptions(session, clock=runtime.clock, settings=runtime.settings,
                                                which="due", limit=LIST_LIMIT),
        **(extra or {}),
    }
    return render(request, "ecert/subscriptions.html", context, status_code=status_code)


def _date(value: str, *, optional: bool = False) -> dt.date | None:
    if not value and optional:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequestData(N_("%(value)s is not a date such as 2026-04-01."), value=repr(value)) from None


def _int(value: str, *, optional: bool = False) -> int | None:
    if not value and optional:
        return None
    if not value.isdigit() or len(value) > 6:
        raise BadRequestData(N_("%(value)s is not a whole number."), value=repr(value))
    return int(value)


def _refused(request: Request, session: Session, runtime: Runtime, exc: DomainError, *, form: FormFields,
             which: str) -> HTMLResponse:
    session.rollback()
    return _page(request, session, runtime, form={k: v for k, v in form.items() if isinstance(v, str)},
                 which=which, extra=explain(request, exc), status_code=exc.status_code)


@router.get("/subscriptions", response_class=HTMLResponse)
def subscriptions_page(request: Request, session: DbSession, runtime: RuntimeDep,
                       officer: CaOfficer) -> HTMLResponse:
    """Show the fee table, the free-use periods, the payment form and the subscriptions due or lapsed."""
    return _page(request, session, runtime)


@router.post("/subscriptions/fees", response_class=HTMLResponse, dependencies=CA_CHANGE)
def revise_fee(request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
               form: Form) -> Response:
    """Revise the annual fee of a profile (or every profile) from a date, today or later."""
    try:
        fees.revise_fee(session, clock=runtime.clock, profile=text(form, "profile"),
                        amount_cents=fees.parse_hkd(text(form, "amount")),
                        effective_from=_date(text(form, "effective_from")),  # type: ignore[arg-type]
                        actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, form=form, which="fee")
    flash(request, "ec_flash_fee")
    return redirect(f"{PAGE}#fees-title")


@router.post("/subscriptions/free-periods", response_class=HTMLResponse, dependencies=CA_CHANGE)
def add_free_period(request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                    form: Form) -> Response:
    """Add a free-use period for the certificates issued between two dates."""
    try:
        fees.add_free_period(session, clock=runtime.clock, profile=text(form, "profile"), kind=text(form, "kind"),
                             months=_int(text(form, "months"), optional=True),
                             issued_from=_date(text(form, "issued_from"), optional=True),
                             issued_until=_date(text(form, "issued_until"), optional=True),
                             note=text(form, "note") or None, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, form=form, which="free")
    flash(request, "ec_flash_free_period")
    return redirect(f"{PAGE}#free-title")


@router.post("/subscriptions/free-periods/{period_id}/withdraw", response_class=HTMLResponse,
             dependencies=CA_CHANGE)
def withdraw_free_period(period_id: int, request: Request, session: DbSession, runtime: RuntimeDep,
                         officer: CaOfficer, form: Form) -> Response:
    """Withdraw a free-use period (subscriptions already started keep theirs)."""
    try:
        fees.withdraw_free_period(session, clock=runtime.clock, period_id=period_id, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, form=form, which="free")
    flash(request, "ec_flash_free_period")
    return redirect(f"{PAGE}#free-title")


@router.post("/subscriptions/payments", response_class=HTMLResponse, dependencies=CA_CHANGE)
def record_payment(request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                   form: Form) -> Response:
    """Record a payment of whole years for a certificate's subscription (it releases a lapsed hold)."""
    try:
        certificate = lifecycle.get_certificate(session, text(form, "serial"))
        outcome = subscriptions.record_payment(session, clock=runtime.clock, settings=runtime.settings,
                                               certificate_id=certificate.id,
                                               years=_int(text(form, "years")),  # type: ignore[arg-type]
                                               amount_cents=fees.parse_hkd(text(form, "amount")),
                                               method=text(form, "method"),
                                               reference=text(form, "reference") or None, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, form=form, which="payment")
    if outcome.released:
        flash(request, "ec_flash_payment_released", serial=certificate.serial)
    else:
        flash(request, "ec_flash_payment")
    return redirect(f"{PAGE}#payment-title")
