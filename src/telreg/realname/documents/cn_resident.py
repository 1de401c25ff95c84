"""Mainland resident identity numbers (GB 11643-1999): the resident ID card, the temporary resident ID card
and the household register all carry the same 18-character citizen number."""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric

from telreg.core.i18n import N_
from telreg.realname.documents.result import Accepted, Rejected, clean, describe_length

__all__ = ["PROVINCE_CODES", "check_resident_number"]

# First two digits of the address code (GB/T 2260): the provinces, autonomous regions and municipalities,
# plus 71 Taiwan and 81/82/83 Hong Kong, Macao and Taiwan, whose residents' residence permits use the same
# number format. python-stdnum can also look the full 6-digit county up (ric.get_birth_place), but its table
# misses renamed and merged counties for some birth years, so a real citizen could be refused: the province
# is the check we can make without false refusals.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})

def check_resident_number(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check an 18-character resident identity number: form, ISO 7064 MOD 11-2 check character, province,
    embedded date of birth (a real date, not after ON, equal to DATE_OF_BIRTH when given)."""
    number = clean(value, drop=" \t\r\n-")
    if not number:
        raise Rejected(N_("No resident identity number was given."))
    if len(number) == 15 and number.isdigit():
        raise Rejected(N_(
            "A mainland resident identity number has 18 characters; 15-digit numbers are from "
            "first-generation cards, which are no longer valid."
        ))
    if len(number) != 18:
        raise Rejected(N_("A mainland resident identity number has 18 characters; this one has %(length)s."),
                       length=describe_length(number))
    if not re.fullmatch(r"\d{17}[0-9X]", number):
        raise Rejected(N_("A mainland resident identity number is 17 digits followed by a digit or X; this "
                          "one has other characters."))
    # ric.calc_check_digit computes the ISO 7064 MOD 11-2 character; stdnum's validate() is not used because
    # it also requires the county to be in its table (see PROVINCE_CODES) and its errors carry no reason.
    if number[-1] != ric.calc_check_digit(number):
        raise Rejected(N_("The check character of the resident identity number does not match the rest: "
                          "it was probably mistyped."))
    if number[:2] not in PROVINCE_CODES:
        raise Rejected(N_("The number's first two digits (%(digits)s) are not a province code."),
                       digits=number[:2])
    embedded = _embedded_birth_date(number)
    if on is not None and embedded > on:
        raise Rejected(N_("The date of birth in the number is in the future."))
    if date_of_birth is not None and date_of_birth != embedded:
        raise Rejected(N_("The date of birth given does not match the one in the resident identity number."))
    return Accepted(normalised=number, date_of_birth=embedded)


def _embedded_birth_date(number: str) -> date:
    # Reasons name no dates: a date of birth is personal data, and reasons are stored with refusals.
    digits = number[6:14]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise Rejected(N_("The date of birth in the number (digits 7-14) is not a real date.")) from None
