"""Passports: a number typed by hand (form only), or the machine-readable zone (ICAO 9303) with check digits.

The `mrz` package parses the zone and computes the check digits; dates are resolved here, against the date of
the check that the caller passes in (the package itself would read the system clock).
"""

from __future__ import annotations

import re
from datetime import date

from mrz.base.errors import FieldError
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker

from telreg.realname.documents.result import Accepted, Rejected, clean, describe_length

__all__ = ["check_passport", "check_passport_mrz"]

# (line lengths) -> checker: TD3 is the passport book; TD1 and TD2 are the card formats some states use.
_FORMATS = {(44, 44): TD3CodeChecker, (36, 36): TD2CodeChecker, (30, 30, 30): TD1CodeChecker}
_BY_TOTAL = {sum(shape): shape for shape in _FORMATS}

_CHECK_DIGITS = {  # the mrz package's names for the check digits -> the ICAO 9303 names
    "document number hash": "document number",
    "birth date hash": "date of birth",
    "expiry date hash": "date of expiry",
    "optional data hash": "personal number",
    "final hash": "composite",
}
_FIELD_PROBLEMS = {
    "document type format": "The document code (start of line 1) is not a valid ICAO document code.",
    "valid country code": "The issuing state code is not a known ICAO country code.",
    "valid nationality code": "The nationality code is not a known ICAO country code.",
    "valid genre format": "The sex field is not M, F, X or <.",
    "identifier": "The name field is not in the ICAO form SURNAME<<GIVEN<NAMES.",
    "document number format": "The document number field is empty or starts with <.",
}


def check_passport(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a passport number typed by hand: 1-9 letters or digits (the ICAO 9303 document number field).

    A typed number has no check digit of its own (it sits beside the number in the MRZ), so only its form
    is checked; use passport-mrz when the zone was scanned.
    """
    number = clean(value)
    if not number:
        raise Rejected("No passport number was given.")
    if not re.fullmatch(r"[0-9A-Z]+", number):
        raise Rejected("A passport number has only letters and digits; this one has other characters.")
    if len(number) > 9:
        raise Rejected(f"A passport number has at most 9 characters; this one has {describe_length(number)}.")
    return Accepted(normalised=number)


def check_passport_mrz(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a machine-readable zone (lines joined by a newline).

    Its form, every check digit, its dates (real; birth not after ON) and, when given, that DATE_OF_BIRTH is
    the one it carries. Expiry is not judged here: the date is returned, and registration refuses a document
    that has expired (a border officer or a bank may accept one; the zone's integrity is the same).
    """
    lines = _lines(value)
    try:
        checker = _FORMATS[tuple(len(line) for line in lines)]("\n".join(lines))
    except FieldError:  # the package's own pre-check, e.g. a zone without a single letter
        raise Rejected("The machine-readable zone is not in the ICAO 9303 layout.") from None
    failed = {name for name, ok in checker.report.fields if not ok}
    wrong_digits = [label for name, label in _CHECK_DIGITS.items() if name in failed]
    if wrong_digits:
        digits, verb = ("check digits", "do") if len(wrong_digits) > 1 else ("check digit", "does")
        raise Rejected(
            f"The {digits} of the {_and(wrong_digits)} {verb} not match: the zone was misread or altered."
        )
    for name, problem in _FIELD_PROBLEMS.items():
        if name in failed:
            raise Rejected(problem)
    fields = checker.fields()
    expiry = _expiry(fields.expiry_date, on=on)
    birth = _birth(fields.birth_date, expiry=expiry, given=date_of_birth, on=on)
    return Accepted(normalised=fields.document_number, date_of_birth=birth, expires_on=expiry)


def _lines(value: str) -> list[str]:
    # A shell user often types the separator as the two characters \n; "\" is no MRZ character, so it is safe.
    text = value.replace("\\n", "\n")
    lines = [clean(line, drop=" \t\r") for line in text.strip().splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) in _BY_TOTAL:  # pasted without line breaks
        shape, joined, lines = _BY_TOTAL[len(lines[0])], lines[0], []
        for width in shape:
            lines.append(joined[:width])
            joined = joined[width:]
    if tuple(len(line) for line in lines) not in _FORMATS:
        found = ", ".join(str(len(line)) for line in lines) or "none"
        raise Rejected(
            "A machine-readable zone is 2 lines of 44 characters (passport), 2 of 36 or 3 of 30 (cards); "
            f"this one has {len(lines)} line{'' if len(lines) == 1 else 's'} (lengths: {found})."
        )
    if not all(re.fullmatch(r"[0-9A-Z<]+", line) for line in lines):
        raise Rejected("A machine-readable zone has only capital letters, digits and <; this one has others.")
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
        raise Rejected("The date of expiry in the MRZ is not a real date.")
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
        raise Rejected("The date of birth in the MRZ is not a real date.")
    if given is not None:
        if given not in candidates:
            raise Rejected("The date of birth given does not match the one in the MRZ.")
        candidates = [given]
    if on is not None and all(d > on for d in candidates):
        raise Rejected("The date of birth in the MRZ is in the future.")
    possible = [d for d in candidates if d < expiry and (on is None or d <= on)]
    if not possible:
        raise Rejected("The date of expiry in the MRZ is not after its date of birth.")
    return possible[-1]


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
