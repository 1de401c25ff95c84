"""Parse the number being registered by the numbering plan of the policy's jurisdiction.

Hong Kong numbers go through core/phone.py (the same rules as the do-not-call registers: 8 digits, assigned
ranges, no service codes). Other jurisdictions (mainland China: 11-digit mobile numbers, area code + local
fixed numbers) are checked against phonenumbers' metadata for that region. Either way the stored form is the
national significant number, digits only.
"""

from __future__ import annotations

import unicodedata

import phonenumbers

from telreg.core.errors import InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import parse_registrable

__all__ = ["parse_subscriber_number"]


def parse_subscriber_number(raw: str, *, jurisdiction: str) -> str:
    """Return the national digits of RAW, or raise InvalidNumber saying what is wrong with it."""
    if jurisdiction == "HK":
        return parse_registrable(raw).national
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise InvalidNumber(N_("No number was given."), number=raw)
    if any(char.isalpha() for char in text):
        raise InvalidNumber(N_("%(entered)s contains letters; a telephone number has only digits."),
                            number=raw, entered=repr(text))
    try:
        parsed = phonenumbers.parse(text, jurisdiction)
    except phonenumbers.NumberParseException:
        raise InvalidNumber(N_("%(entered)s is not a telephone number."), number=raw,
                            entered=repr(text)) from None
    region = phonenumbers.region_code_for_number(parsed)
    if region is not None and region != jurisdiction:
        raise InvalidNumber(N_("%(entered)s is a number of %(region)s, not of %(jurisdiction)s."), number=raw,
                            entered=repr(text), region=region, jurisdiction=jurisdiction)
    if not phonenumbers.is_valid_number_for_region(parsed, jurisdiction):
        raise InvalidNumber(
            N_("%(entered)s (%(digits)s digits) is not a valid number in the %(jurisdiction)s numbering "
               "plan."), number=raw, entered=repr(text), digits=len(str(parsed.national_number)),
            jurisdiction=jurisdiction,
        )
    return str(parsed.national_number)
