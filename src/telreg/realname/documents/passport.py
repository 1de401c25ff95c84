"""Passports: a number typed by hand (form only), or the machine-readable zone (ICAO 9303) with check digits.

The zone is read by the project's own `icao9303` module; dates are resolved here, against the date of the
check that the caller passes in, never the system clock.
"""

from __future__ import annotations

import re
from datetime import date

from telreg.core.i18n import N_
from telreg.realname.documents import icao9303
from telreg.realname.documents.result import Accepted, Rejected, clean, describe_length

__all__ = ["check_passport", "check_passport_mrz"]

# Zone length when pasted as one line -> the line widths: TD3 is the passport book; TD1 and TD2 are the card
# formats some states use.
_BY_TOTAL = {sum(widths): widths for widths in icao9303.LAYOUTS}


def check_passport(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a passport number typed by hand: 1-9 letters or digits (the ICAO 9303 document number field).

    A typed number has no check digit of its own (it sits beside the number in the MRZ), so only its form
    is checked; use passport-mrz when the zone was scanned.
    """
    number = clean(value)
    if not number:
        raise Rejected(N_("No passport number was given."))
    if not re.fullmatch(r"[0-9A-Z]+", number):
        raise Rejected(N_("A passport number has only letters and digits; this one has other characters."))
    if len(number) > 9:
        raise Rejected(N_("A passport number has at most 9 characters; this one has %(length)s."),
                       length=describe_length(number))
    return Accepted(normalised=number)


def check_passport_mrz(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a machine-readable zone (lines joined by a newline).

    Its form, every check digit, its dates (real; birth not after ON) and, when given, that DATE_OF_BIRTH is
    the one it carries. Expiry is not judged here: the date is returned, and registration refuses a document
    that has expired (a border officer or a bank may accept one; the zone's integrity is the same).
    """
    try:
        zone = icao9303.parse(_lines(value))
    except icao9303.InvalidZone as invalid:
        raise Rejected(invalid.reason) from None
    expiry = _expiry(zone.date_of_expiry, on=on)
    birth = _birth(zone.date_of_birth, expiry=expiry, given=date_of_birth, on=on)
    return Accepted(normalised=zone.document_number, date_of_birth=birth, expires_on=expiry)


def _lines(value: str) -> list[str]:
    """Split VALUE into the zone's lines however it was pasted; icao9303.parse judges the layout."""
    # A shell user often types the separator as the two characters \n; "\" is no MRZ character, so it is safe.
    text = value.replace("\\n", "\n")
    lines = [clean(line, drop=" \t\r") for line in text.strip().splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) in _BY_TOTAL:  # pasted without line breaks
        widths, joined, lines = _BY_TOTAL[len(lines[0])], lines[0], []
        for width in widths:
            lines.append(joined[:width])
            joined = joined[width:]
    return lines


def _candidates(yymmdd: str) -> list[date]:
    """Return the real dates YYMMDD can stand for, 19YY and 20YY (29 February exists in 2000 but not 1900)."""
    found = []
    for century in (1900, 2000):
        try:
            found.append(date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])))
        except ValueError:
            pass
    return found


def _expiry(yymmdd: str, *, on: date | None) -> date:
    """Resolve the date of expiry: the century nearest the date of the check (documents run ~10 years)."""
    candidates = _candidates(yymmdd) if yymmdd.isdigit() else []
    if not candidates:
        raise Rejected(N_("The date of expiry in the MRZ is not a real date."))
    if on is None:
        return candidates[-1]
    return min(candidates, key=lambda d: abs((d - on).days))


def _birth(yymmdd: str, *, expiry: date, given: date | None, on: date | None) -> date | None:
    """Resolve the date of birth. The zone holds two digits of the year: a date of birth given by the caller
    settles the century; otherwise the latest century before the expiry and not after ON.
    ICAO allows unknown parts as <; such a zone has no usable date of birth and None is returned."""
    if "<" in yymmdd:
        return None
    candidates = _candidates(yymmdd)
    if not candidates:
        raise Rejected(N_("The date of birth in the MRZ is not a real date."))
    if given is not None:
        if given not in candidates:
            raise Rejected(N_("The date of birth given does not match the one in the MRZ."))
        candidates = [given]
    if on is not None and all(d > on for d in candidates):
        raise Rejected(N_("The date of birth in the MRZ is in the future."))
    possible = [d for d in candidates if d < expiry and (on is None or d <= on)]
    if not possible:
        raise Rejected(N_("The date of expiry in the MRZ is not after its date of birth."))
    return possible[-1]

