"""The words of the do-not-call context: registers, channels, verification methods, listing events."""

from __future__ import annotations

from enum import Enum

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_


class Register(str, Enum):
    fax = "fax"
    sms = "sms"
    prerecorded = "prerecorded"


class Channel(str, Enum):
    """How a change reached us."""

    caller_id = "caller-id"  # the hotline read the caller's own number
    callback = "callback"  # we called the keyed number back and it confirmed
    other_number = "other-number"  # "register other number" for 81–83 personal numbers, confirmed by callback
    fax_callback = "fax-callback"  # a faxed one-time code keyed on the confirmation line
    paper = "paper"  # a written application with a recent phone bill
    operator_feed = "operator-feed"  # a network operator's file of terminated numbers


class Verification(str, Enum):
    """What proved that the person controls the number."""

    caller_id = "caller-id"
    callback = "callback"
    fax_code = "fax-code"
    phone_bill = "phone-bill"
    operator_record = "operator-record"


class ListingEvent(str, Enum):
    registered = "registered"
    registration_repeated = "registration-repeated"
    deregistered = "deregistered"
    removed_terminated = "removed-terminated"


def parse_registers(values: list[str] | tuple[str, ...]) -> list[Register]:
    """Turn register names into Registers, refusing unknown names with the list of known ones."""
    if not values:
        raise InvalidInput(N_("Choose at least one register: fax, sms or prerecorded."))
    result: list[Register] = []
    for value in values:
        try:
            register = Register(value.strip().lower())
        except ValueError:
            raise InvalidInput(
                N_("'%(register)s' is not a register; the registers are fax, sms and prerecorded."),
                register=value,
            ) from None
        if register not in result:
            result.append(register)
    return result
