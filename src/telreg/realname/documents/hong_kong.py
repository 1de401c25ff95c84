"""Hong Kong documents: the identity card (HKID, with a check digit) and the business registration number."""

from __future__ import annotations

import re
import string
from datetime import date

from telreg.core.i18n import N_, Message
from telreg.realname.documents.result import Accepted, Rejected, clean, describe_length

__all__ = ["check_hk_br", "check_hkid", "hkid_check_digit"]

_HKID = re.compile(r"(?P<prefix>[A-Z]{1,2})(?P<digits>\d{6})(?:\((?P<bracketed>[0-9A])\)|(?P<bare>[0-9A]))")
_HKID_EXAMPLE = N_("one or two letters, six digits and a check digit (0-9 or A), e.g. A123456(3)")

# The 8-digit business number identifies the business for life. The optional suffix -BBB-MM-YY-C names the
# branch (000 = main business), the month and year the current certificate expires, and a final character;
# the Inland Revenue Department publishes no check-digit algorithm for any of it, so only the form is checked.
_HK_BR = re.compile(
    r"(?P<number>\d{8})(?:-?(?P<branch>\d{3})-?(?P<month>\d{2})-?(?P<year>\d{2})-?(?P<tail>[0-9A-Z]))?"
)


def hkid_check_digit(prefix: str, digits: str) -> str:
    """Return the HKID check digit for PREFIX (one or two letters) and six DIGITS.

    The published scheme: a single-letter prefix is read as a space then the letter; the space counts 36,
    letters A-Z count 10-35 and digits their value; weights 9, 8, 7, ..., 2 from the left; the check digit
    is 11 minus the weighted sum modulo 11, written 0 for 11 and A for 10.
    """
    values = [36] if len(prefix) == 1 else []
    values += [10 + string.ascii_uppercase.index(c) for c in prefix]
    values += [int(d) for d in digits]
    total = sum(value * weight for value, weight in zip(values, range(9, 1, -1), strict=True))
    check = 11 - total % 11
    return {10: "A", 11: "0"}.get(check, str(check))


def check_hkid(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a Hong Kong identity card number such as A123456(3), A1234563 or AB987654(A)."""
    text = clean(value)
    if not text:
        raise Rejected(N_("No identity card number was given."))
    if not re.fullmatch(r"[A-Z0-9()]+", text):
        raise Rejected(
            N_("A Hong Kong identity card number has only %(form)s; this one has other characters."),
            form=_HKID_EXAMPLE,
        )
    compact = text.replace("(", "").replace(")", "")
    if len(compact) not in (8, 9):
        raise Rejected(
            N_("A Hong Kong identity card number has 8 or 9 characters (%(form)s); this one has %(length)s."),
            form=_HKID_EXAMPLE, length=describe_length(compact),
        )
    match = _HKID.fullmatch(text)
    if match is None:
        brackets = text.count("(") + text.count(")")
        if brackets and (brackets != 2 or not re.search(r"\([0-9A-Z]\)$", text)):
            raise Rejected(N_("Only the check digit may be in brackets, as in A123456(3)."))
        raise Rejected(N_("A Hong Kong identity card number is %(form)s; this one is not in that form."),
                       form=_HKID_EXAMPLE)
    given = match["bracketed"] or match["bare"]
    if given != hkid_check_digit(match["prefix"], match["digits"]):
        raise Rejected(N_("The check digit of the identity card number does not match the rest: it was "
                          "probably mistyped."))
    return Accepted(normalised=compact)


def check_hk_br(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a business registration number: 8 digits, optionally with its -000-MM-YY-C certificate suffix.

    The canonical form is the 8-digit business number alone: the suffix changes with every renewal of the
    certificate, and the same business must be found by the same number year after year.
    """
    text = clean(value)
    if not text:
        raise Rejected(N_("No business registration number was given."))
    match = _HK_BR.fullmatch(text)
    if match is None:
        digits = re.sub(r"\D", "", text.split("-")[0])
        if not re.fullmatch(r"[0-9A-Z-]+", text):
            problem = Message(N_("has characters other than digits, letters and hyphens"))
        elif len(digits) != 8:
            problem = Message(N_("starts with %(count)s digits"), count=len(digits))
        else:
            problem = Message(N_("has a suffix that is not of the form -000-MM-YY-C"))
        raise Rejected(
            N_("A Hong Kong business registration number is 8 digits, optionally followed by the certificate "
               "suffix -000-MM-YY-C (branch, month, year, letter); this one %(problem)s."),
            problem=problem,
        )
    if match["month"] is not None and not 1 <= int(match["month"]) <= 12:
        raise Rejected(N_("The certificate suffix names month %(month)s, which does not exist."),
                       month=match["month"])
    return Accepted(normalised=match["number"])
