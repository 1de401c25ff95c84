"""Mainland organisation numbers: the organisation code (GB 11714) and the unified social credit code
(GB 32100), which embeds an organisation code."""

from __future__ import annotations

import re
import string
from datetime import date

from stdnum.cn import uscc

from telreg.core.i18n import N_, Message
from telreg.realname.documents.result import Accepted, Rejected, clean, describe_length

__all__ = ["check_orgcode", "check_uscc", "orgcode_check_char"]

_ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 32100 uses digits and the capital letters except I, O, Z, S and V (too easily read as 1, 0, 2, 5, U).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def orgcode_check_char(body: str) -> str:
    """Return the GB 11714 check character of an 8-character BODY (digits count their value, A-Z 10-35).

    11 minus the weighted sum (weights 3, 7, 9, 10, 5, 8, 4, 2) modulo 11, written X for 10 and 0 for 11.
    """
    values = [int(c) if c.isdigit() else 10 + string.ascii_uppercase.index(c) for c in body]
    check = 11 - sum(v * w for v, w in zip(values, _ORGCODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_orgcode(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check an organisation code such as D2143569-X: 8 digits or capital letters, a hyphen or not, a check
    character. The canonical form has no hyphen, the way the code sits inside a unified social credit code."""
    text = clean(value)
    if not text:
        raise Rejected(N_("No organisation code was given."))
    match = re.fullmatch(r"(?P<body>[0-9A-Z]{8})-?(?P<check>[0-9X])", text)
    if match is None:
        compact = text.replace("-", "")
        if not re.fullmatch(r"[0-9A-Z-]+", text):
            problem = Message(N_("has characters other than digits, capital letters and a hyphen"))
        elif len(compact) != 9:
            problem = Message(N_("has %(length)s without the hyphen"), length=describe_length(compact))
        else:
            problem = Message(N_("is not in that form (the check character is a digit or X, after the eighth "
                                 "character)"))
        raise Rejected(
            N_("An organisation code is 8 digits or capital letters, an optional hyphen and a check "
               "character (a digit or X), e.g. D2143569-X; this one %(problem)s."),
            problem=problem,
        )
    if match["check"] != orgcode_check_char(match["body"]):
        raise Rejected(N_("The check character of the organisation code does not match the rest: "
                          "it was probably mistyped."))
    return Accepted(normalised=match["body"] + match["check"])


def check_uscc(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check an 18-character unified social credit code, its mod-31 check character and the organisation
    code it embeds (characters 9-17), which must pass its own GB 11714 check."""
    code = clean(value, drop=" \t\r\n-")
    if not code:
        raise Rejected(N_("No unified social credit code was given."))
    if len(code) != 18:
        raise Rejected(N_("A unified social credit code has 18 characters; this one has %(length)s."),
                       length=describe_length(code))
    if any(c not in _USCC_ALPHABET for c in code):
        raise Rejected(N_(
            "A unified social credit code has only digits and capital letters other than I, O, S, V and Z; "
            "this one has other characters."
        ))
    if not code[2:8].isdigit():
        raise Rejected(N_("Characters 3-8 of a unified social credit code are the region code, six digits; "
                          "this one has letters there."))
    # stdnum computes the mod-31 character (weights 1, 3, 9, 27, ...), but its validate() neither checks the
    # embedded organisation code nor accepts the letters GB 32100 allows as registration authority (A, N, Y).
    if code[-1] != uscc.calc_check_digit(code[:-1]):
        raise Rejected(N_("The check character of the unified social credit code does not match the rest: "
                          "it was probably mistyped."))
    embedded = code[8:17]
    if embedded[-1] != orgcode_check_char(embedded[:8]):
        raise Rejected(N_("The organisation code inside the unified social credit code (characters 9-17) "
                          "fails its own check: the code is not genuine."))
    return Accepted(normalised=code)
