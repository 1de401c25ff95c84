"""HTTP API of e-Cert subscriptions and fees for CA officers (role ``ca-officer``; changes send ``X-CSRF-Token``).

- ``GET  /api/v1/ecert/fees`` — the fee table: the default, every revision, the fee in force today per profile.
- ``POST /api/v1/ecert/fees`` ``{"profile", "amount", "effective_from"}`` — revise a fee from today or later.
- ``GET  /api/v1/ecert/fees/free-periods[?include_withdrawn=true]`` — the free-use periods.
- ``POST /api/v1/ecert/fees/free-periods`` ``{"profile", "kind", "months"?, "issued_from"?, "issued_until"?,
  "note"?}`` — add one; ``DELETE /api/v1/ecert/fees/free-periods/{id}`` withdraws it.
- ``GET  /api/v1/ecert/subscriptions?which=due|lapsed`` — subscriptions due soon or lapsed.
- ``GET  /api/v1/ecert/subscriptions/{serial}`` — a certificate's subscription with its payments.
- ``POST /api/v1/ecert/subscriptions/{serial}/payments`` ``{"years", "amount", "method", "reference"?}`` — record
  a payment; a certificate held because its subscription lapsed is released at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from telreg.core.clock import hk_iso
from telreg.deps import DbSession, RuntimeDep
from telreg.ecert import fees, subscriptions
from telreg.ecert.deps import CA_CHANGE, CaOfficer
from telreg.ecert.subscription_models import EcertFreePeriod

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/ecert", tags=["e-Cert subscriptions"])


def _actor(officer: Any) -> str:
    return f"staff:{officer.username}"


# ---- schemas ------------------------------------------------------------------------------------------------------

class FeeEntryOut(BaseModel):
    profile: str = Field(description='A certificate profile, or "*" for every profile')
    amount_cents: int
    amount: str
    effective_from: str
    source: str = Field(description="default (the setting) | revision (an officer's row)")
    created_by: str | None


class FeeInForceOut(BaseModel):
    amount_cents: int
    amount: str


class FeeTableOut(BaseModel):
    as_of: str
    entries: list[FeeEntryOut]
    in_force: dict[str, FeeInForceOut]


class FeeRevision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: str = Field(description='A certificate profile (e.g. personal, smart-id) or "*" for every profile')
    amount: str = Field(description='Annual fee in Hong Kong dollars, e.g. "50" or "50.00"')
    effective_from: dt.date = Field(description="First day of the new fee: today or later")


class FreePeriodCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: str = Field(description='A certificate profile or "*"')
    kind: Literal["validity", "months"] = Field(
        description="validity: free until the end of the certificate's validity; months: free for N months")
    months: int | None = Field(None, description="Number of months from issue (kind months only)")
    issued_from: dt.date | None = Field(None, description="First issue date covered (none: no start)")
    issued_until: dt.date | None = Field(None, description="Last issue date covered, inclusive (none: no end)")
    note: str | None = Field(None, max_length=200)


class FreePeriodOut(BaseModel):
    id: int
    profile: str
    kind: str
    months: int | None
    issued_from: dt.date | None
    issued_until: dt.date | None
    note: str | None
    created_by: str
    created_at: str = Field(description="ISO 8601, Hong Kong time")
    withdrawn_by: str | None
    withdrawn_at: str | None


def _period(row: EcertFreePeriod) -> FreePeriodOut:
    return FreePeriodOut(id=row.id, profile=row.profile, kind=row.kind, months=row.months,
                         issued_from=row.issued_from, issued_until=row.issued_until, note=row.note,
                         created_by=row.created_by, created_at=hk_iso(row.created_at), withdrawn_by=row.withdrawn_by,
                         withdrawn_at=hk_iso(row.withdrawn_at) if row.withdrawn_at else None)


class PaymentOut(BaseModel):
    id: int
    years: int
    amount_cents: int
    amount: str
    method: str
    reference: str | None
    period_from: str
    period_until: str
    paid_at: str
    recorded_by: str


class SubscriptionOut(BaseModel):
    serial: str
    profile: str
    certificate_state: str = Field(description="good | hold | revoked")
    status: str = Field(description="paid | free | due | lapsed | complete (paid to the end of the validity) | ended")
    started_on: str
    ends_on: str = Field(description="Last day that needs a paid subscription (the day before notAfter)")
    paid_until: str
    free_until: str | None
    years_to_end: int = Field(description="Whole years still to pay up to the end of the validity")
    annual_fee_cents: int
    annual_fee: str
    held_for_lapse: bool = Field(description="On hold because the subscription lapsed (a payment releases it)")
    email: str | None = Field(description="Where reminders go, masked")
    payments: list[PaymentOut] = []


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    years: int = Field(description="Whole years paid")
    amount: str = Field(description='Hong Kong dollars: the fee in force today × years, e.g. "50.00"')
    method: str = Field(description="cash | cheque | eps | octopus | card | pps")
    reference: str | None = Field(None, max_length=64, description="Receipt, cheque or transaction number")


class PaymentOutcomeOut(BaseModel):
    payment_id: int
    released: bool = Field(description="The certificate's lapse hold was lifted by this payment")
    subscription: SubscriptionOut


# ---- fees ---------------------------------------------------------------------------------------------------------

@router.get("/fees", response_model=FeeTableOut)
def fee_table(session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """The annual subscription fees: the default, every revision, and the fee in force today per profile."""
    return fees.fee_table(session, settings=runtime.settings, clock=runtime.clock)


@router.post("/fees", response_model=FeeEntryOut, status_code=201, dependencies=CA_CHANGE)
def revise_fee(body: FeeRevision, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Revise the annual fee of a profile (or "*") from a date, today or later."""
    row = fees.revise_fee(session, clock=runtime.clock, profile=body.profile, amount_cents=fees.parse_hkd(body.amount),
                          effective_from=body.effective_from, actor=_actor(officer))
    return fees.FeeEntry(row.profile, row.amount_cents, row.effective_from, "revision", row.created_by).as_dict()


@router.get("/fees/free-periods", response_model=list[FreePeriodOut])
def free_periods(session: DbSession, officer: CaOfficer, include_withdrawn: bool = False) -> Any:
    """The free-use periods (those in force; with include_withdrawn, the withdrawn ones too)."""
    return [_period(row) for row in fees.free_periods(session, include_withdrawn=include_withdrawn)]


@router.post("/fees/free-periods", response_model=FreePeriodOut, status_code=201, dependencies=CA_CHANGE)
def add_free_period(body: FreePeriodCreate, session: DbSession, runtime: RuntimeDep,
                    officer: CaOfficer) -> FreePeriodOut:
    """Add a free-use period; it applies to the subscriptions that start from now on."""
    return _period(fees.add_free_period(session, clock=runtime.clock, profile=body.profile, kind=body.kind,
                                months=body.months, issued_from=body.issued_from, issued_until=body.issued_until,
                                note=body.note, actor=_actor(officer)))


@router.delete("/fees/free-periods/{period_id}", response_model=FreePeriodOut, dependencies=CA_CHANGE)
def withdraw_free_period(period_id: int, session: DbSession, runtime: RuntimeDep,
                         officer: CaOfficer) -> FreePeriodOut:
    """Withdraw a free-use period (subscriptions already started keep theirs)."""
    return _period(fees.withdraw_free_period(session, clock=runtime.clock, period_id=period_id,
                                             actor=_actor(officer)))


# ---- subscriptions ------------------------------------------------------------------------------------------------

@router.get("/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                       which: Literal["due", "lapsed"] = Query("due")) -> Any:
    """Subscriptions due soon (within the reminder days) or lapsed (their certificates are held until paid)."""
    return subscriptions.list_subscriptions(session, clock=runtime.clock, settings=runtime.settings, which=which)


@router.get("/subscriptions/{serial}", response_model=SubscriptionOut)
def get_subscription(serial: str, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """A certificate's subscription, with its payments."""
    return subscriptions.subscription_view(session, clock=runtime.clock, settings=runtime.settings, serial=serial)


@router.post("/subscriptions/{serial}/payments", response_model=PaymentOutcomeOut, status_code=201,
             dependencies=CA_CHANGE)
def record_payment(serial: str, body: PaymentCreate, session: DbSession, runtime: RuntimeDep,
                   officer: CaOfficer) -> Any:
    """Record a payment of whole years at the fee in force today; a lapse hold is released at once."""
    certificate = subscriptions.certificate_by_serial(session, serial)
    outcome = subscriptions.record_payment(
        session, clock=runtime.clock, settings=runtime.settings, certificate_id=certificate.id, years=body.years,
        amount_cents=fees.parse_hkd(body.amount), method=body.method, reference=body.reference,
        actor=_actor(officer))
    view = subscriptions.subscription_view(session, clock=runtime.clock, settings=runtime.settings, serial=serial)
    return {"payment_id": outcome.payment.id, "released": outcome.released, "subscription": view}
