"""Request and response models of the senders API. Money is shown both as cents and as "HK$1,600.00"."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class OrderLineOut(BaseModel):
    # "register" would shadow BaseModel.register, so the field carries the name as its alias.
    register_: str = Field(alias="register")
    plan: str
    fee_cents: int
    fee: str


class PaymentOut(BaseModel):
    method: str
    reference: str
    amount_cents: int
    received_on: str
    recorded_by: str


class OrderOut(BaseModel):
    id: int
    kind: str = Field(description="application | renewal")
    state: str = Field(description="awaiting-payment | paid | void")
    ordered_on: str = Field(description="The fees in force on this date apply")
    total_cents: int
    total: str
    paid_cents: int
    outstanding_cents: int
    lines: list[OrderLineOut]
    payments: list[PaymentOut]


class RequiredDocumentOut(BaseModel):
    doc_type: str
    label: str
    status: str = Field(description="missing | submitted | accepted | rejected")
    document_id: int | None
    filename: str | None
    reason: str | None


class DocumentsOut(BaseModel):
    accepted: bool
    required: list[RequiredDocumentOut]
    missing: list[str]


class ApplicationOut(BaseModel):
    id: int
    username: str
    name: str
    capacity: str
    contact_email: str
    state: str
    applied_on: str
    documents: DocumentsOut
    order: OrderOut | None


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    doc_type: str
    filename: str
    sha256: str
    size: int
    content_type: str
    status: str
    uploaded_at: dt.datetime
    reason: str | None


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Told to the sender by email")


class PaymentCreate(BaseModel):
    method: str = Field(description="cheque | payment-by-phone | cash")
    reference: str = Field(min_length=1, max_length=64, description="Cheque number, PPS reference or receipt number")
    amount: str = Field(description='Hong Kong dollars, e.g. "1600" or "425.00"')
    received_on: dt.date | None = Field(None, description="Day the money was received (default: today)")


class PaymentOutcomeOut(BaseModel):
    order: OrderOut
    outstanding_cents: int
    message: str
    account_state: str


class FeeRevision(BaseModel):
    plan: str = Field(description="12-months | 3-months")
    amount: str = Field(description='Fee per register in Hong Kong dollars, e.g. "1700"')
    effective_from: dt.date


class FeeEntryOut(BaseModel):
    plan: str
    amount_cents: int
    amount: str
    effective_from: str
    source: str = Field(description="default (a setting) | revision (an officer's row)")
    created_by: str | None


class FeeAmountOut(BaseModel):
    amount_cents: int
    amount: str


class FeeTableOut(BaseModel):
    as_of: str
    entries: list[FeeEntryOut]
    in_force: dict[str, FeeAmountOut]


class RenewalCreate(BaseModel):
    plans: dict[str, str] = Field(description='Plan per register to renew, e.g. {"fax": "12-months"}')


class RenewalOptionOut(BaseModel):
    plan: str
    fee_cents: int
    fee: str
    starts_on: str
    expires_on: str


class RegisterPeriodOut(BaseModel):
    register_: str = Field(alias="register")
    status: str = Field(description="active | grace | lapsed | not-started")
    plan: str
    starts_on: str
    expires_on: str = Field(description="The subscription ends at 00:00 (HK) on this day; a renewal starts on it")
    grace_ends_on: str
    downloadable: bool
    renewal_options: list[RenewalOptionOut]


class ProfileOut(BaseModel):
    id: int
    username: str
    name: str
    capacity: str
    contact_email: str
    state: str
    can_log_in: bool
    message: str
    applied_on: str
    activated_at: str | None
    as_of: str
    registers: list[RegisterPeriodOut]
    documents: DocumentsOut
    open_orders: list[OrderOut]
