"""The words of the senders context: capacities, documents, plans, payment methods, states, and money."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from enum import Enum

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.dnc.vocabulary import Register
from telreg.senders.errors import UnknownRegister

__all__ = [
    "AccountState",
    "Capacity",
    "DocumentType",
    "PaymentMethod",
    "Plan",
    "REQUIRED_DOCUMENTS",
    "Register",
    "add_months",
    "format_hkd",
    "parse_capacity",
    "parse_hkd",
    "parse_method",
    "parse_plan",
    "parse_plans",
    "parse_register",
]


class Capacity(str, Enum):
    """In which capacity the subscriber applies; it decides the documentary proof (FAQ Q2.2)."""

    individual = "individual"
    hk_company = "hk-company"
    overseas_company = "overseas-company"
    other_organisation = "other-organisation"


class DocumentType(str, Enum):
    hkid_copy = "hkid-copy"
    certificate_of_incorporation = "certificate-of-incorporation"
    business_registration = "business-registration"
    overseas_registration = "overseas-registration"
    organisation_registration = "organisation-registration"
    authorisation_letter = "authorisation-letter"

    @property
    def label(self) -> str:
        return DOCUMENT_LABELS[self]


# Marked for the catalogs: a refusal that names a document says its name in the reader's language.
DOCUMENT_LABELS = {
    DocumentType.hkid_copy: N_("copy of the Hong Kong identity card"),
    DocumentType.certificate_of_incorporation: N_("certificate of incorporation"),
    DocumentType.business_registration: N_("business registration certificate"),
    DocumentType.overseas_registration:
        N_("certificate of incorporation or registration in the place of origin"),
    DocumentType.organisation_registration:
        N_("certificate of registration of the organisation (e.g. society)"),
    DocumentType.authorisation_letter: N_("letter authorising the applicant to act for the organisation"),
}

# Every listed type is required; an upload of a type not listed for the capacity is refused.
REQUIRED_DOCUMENTS: dict[Capacity, tuple[DocumentType, ...]] = {
    Capacity.individual: (DocumentType.hkid_copy,),
    Capacity.hk_company: (DocumentType.certificate_of_incorporation, DocumentType.business_registration),
    Capacity.overseas_company: (DocumentType.overseas_registration,),
    Capacity.other_organisation: (DocumentType.organisation_registration, DocumentType.authorisation_letter),
}


class Plan(str, Enum):
    twelve_months = "12-months"
    three_months = "3-months"

    @property
    def months(self) -> int:
        return 12 if self is Plan.twelve_months else 3


class PaymentMethod(str, Enum):
    cheque = "cheque"
    payment_by_phone = "payment-by-phone"
    cash = "cash"


class AccountState(str, Enum):
    """See the state machine in telreg.senders.lifecycle."""

    applied = "applied"
    awaiting_documents = "awaiting-documents"
    awaiting_payment = "awaiting-payment"
    active = "active"
    expired = "expired"
    cancelled = "cancelled"


PENDING_STATES = (AccountState.applied, AccountState.awaiting_documents, AccountState.awaiting_payment)


def _choices(enum: type[Enum]) -> str:
    return ", ".join(str(member.value) for member in enum)


def parse_capacity(value: str) -> Capacity:
    try:
        return Capacity(value.strip().lower())
    except ValueError:
        raise InvalidInput(N_("%(value)s is not a capacity; choose one of %(choices)s."), capacity=value,
                           value=repr(value), choices=_choices(Capacity)) from None


def parse_method(value: str) -> PaymentMethod:
    try:
        return PaymentMethod(value.strip().lower())
    except ValueError:
        raise InvalidInput(N_("%(value)s is not a payment method; use %(choices)s."), method=value,
                           value=repr(value), choices=_choices(PaymentMethod)) from None


def parse_register(value: str) -> Register:
    try:
        return Register(value.strip().lower())
    except ValueError:
        raise UnknownRegister(N_("%(value)s is not a register; the registers are fax, sms and prerecorded."),
                              register=value, value=repr(value)) from None


_PLAN_ALIASES = {"12": Plan.twelve_months, "12m": Plan.twelve_months, "3": Plan.three_months,
                 "3m": Plan.three_months}


def parse_plan(value: str) -> Plan:
    text = value.strip().lower()
    try:
        return _PLAN_ALIASES.get(text) or Plan(text)
    except ValueError:
        raise InvalidInput(N_("%(value)s is not a plan; choose 12-months or 3-months."), plan=value,
                           value=repr(value)) from None


def parse_plans(plans: dict[str, str] | list[str]) -> dict[Register, Plan]:
    """Turn ``{"fax": "12-months"}`` or ``["fax:12-months", "sms:3-months"]`` into a plan per register."""
    pairs: list[tuple[str, str]] = []
    if isinstance(plans, dict):
        pairs = list(plans.items())
    else:
        for item in plans:
            register, sep, plan = item.partition(":")
            if not sep:
                raise InvalidInput(N_("%(value)s: write a register and its plan as register:plan, e.g. "
                                      "fax:12-months."), value=repr(item))
            pairs.append((register, plan))
    if not pairs:
        raise InvalidInput(N_("Choose at least one register (fax, sms or prerecorded) and a plan for each."))
    result: dict[Register, Plan] = {}
    for register_name, plan_name in pairs:
        register = parse_register(register_name)
        if register in result:
            raise InvalidInput(N_("The %(chosen)s register is chosen twice; choose one plan for it."),
                               chosen=register.value)
        result[register] = parse_plan(plan_name)
    return result


_AMOUNT = re.compile(r"^\s*(?:HK\$|\$)?\s*([0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*$", re.IGNORECASE)


def parse_hkd(value: str | int | Decimal) -> int:
    """Turn "1,600", "HK$425.50" or Decimal("1600") into Hong Kong cents; refuse fractions of a cent."""
    if isinstance(value, int):
        cents = value * 100
    else:
        match = _AMOUNT.match(str(value)) if not isinstance(value, Decimal) else None
        try:
            amount = Decimal(match.group(1).replace(",", "")) if match else Decimal(value)  # type: ignore[arg-type]
        except InvalidOperation:
            amount = None
        if amount is None or amount != amount.quantize(Decimal("0.01")):
            raise InvalidInput(N_("%(value)s is not an amount in Hong Kong dollars such as 1600 or 425.50."),
                               value=repr(value))
        cents = int(amount * 100)
    if cents <= 0:
        raise InvalidInput(N_("An amount must be more than HK$0 (got %(value)s)."), value=repr(value))
    return cents


def format_hkd(cents: int) -> str:
    return f"HK${cents // 100:,}.{cents % 100:02d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
