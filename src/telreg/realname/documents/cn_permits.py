"""Documents checked by form only: military and armed-police IDs, and the Mainland Travel Permits.

None of these numbers has a published check digit, so a mistyped digit cannot be caught here; the card reader
or the online verification service is what confirms them.
"""

from __future__ import annotations

import re
from datetime import date

from telreg.core.i18n import N_, Message, Msgid
from telreg.realname.documents.result import Accepted, Rejected, clean

__all__ = ["check_armed_police_id", "check_military_id", "check_mtp_hk_macao", "check_mtp_taiwan"]

# Military (军人身份证件: officer, civilian-staff, soldier, cadet cards) and armed-police ID numbers
# are assigned by the PLA and the PAP under internal rules that are not published: there is no public check
# digit and the prefixes vary by issuing unit and card generation. Cards in use are printed as e.g.
# "军字第2001988号" or "武字第12345678号", or carry a plain alphanumeric number. We accept an
# optional prefix of one to four Chinese characters (with or without the filler words 字第 "character,
# number" and the closing 号 "number") followed by 6-12 digits or capital letters. The canonical form keeps
# the prefix and the number and drops the filler words: "军字第2001988号" and "军2001988" are the
# same document.
_SERVICE_ID = re.compile(r"(?P<prefix>[\u4e00-\u9fff]{1,4}?)?(?:字第|字|第)?(?P<number>[0-9A-Z]{6,12})号?")

# Mainland Travel Permit for Hong Kong and Macao Residents (港澳居民来往内地通行证), number rules published by
# the Ministry of Public Security: H (Hong Kong) or M (Macao), then the holder's 8-digit lifetime number; the
# 1999 card added two digits counting renewals (00 at first issue), so older permits read H + 10 digits.
# The 2013 card shows H/M + 8 digits only. The canonical form is H/M + the lifetime number: it stays the same
# for a holder across renewals, so quotas and look-ups find the same person.
_MTP_HK_MACAO = re.compile(r"(?P<lifetime>[HM]\d{8})(?P<renewals>\d{2})?")

# Mainland Travel Permit for Taiwan Residents (台湾居民来往大陆通行证), per the Ministry of Public
# Security's 2008 announcement ("一人一号、终身不变") and the National Immigration Administration: since
# 25 September 2008 (and on the 2015 card) the number is the holder's 8-digit lifetime number. Permits from
# 1992 added two digits counting issues and, in brackets, the issuing office's code (a letter or digit), e.g.
# 12345678 01 (B); from 2006 some offices dropped the bracket. The bracket is an office code, not a check
# digit. The canonical form is the 8-digit lifetime number, for the same reason as above.
_MTP_TAIWAN = re.compile(r"(?P<lifetime>\d{8})(?:\d{2}(?:\([0-9A-Z]\))?)?")


def check_military_id(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check the form of a PLA ID number (军人身份证件), e.g. 军字第2001988号."""
    return _service_id(value, what=N_("military ID number"))


def check_armed_police_id(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check the form of a People's Armed Police ID number (武装警察身份证件), e.g. 武字第12345678号."""
    return _service_id(value, what=N_("armed-police ID number"))


def _service_id(value: str, *, what: Msgid) -> Accepted:
    text = clean(value)
    if not text:
        raise Rejected(N_("No %(what)s was given."), what=what)
    match = _SERVICE_ID.fullmatch(text)
    if match is None:
        raise Rejected(
            N_("A %(what)s is 6-12 digits or capital letters, optionally after a Chinese prefix such as "
               "%(military)s or %(police)s; this one is not in that form."),
            what=what, military="军字第", police="武字第",
        )
    return Accepted(normalised=(match["prefix"] or "") + match["number"])


def check_mtp_hk_macao(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a Mainland Travel Permit number for Hong Kong and Macao residents: H/M + 8 or 10 digits."""
    text = clean(value, drop=" \t\r\n-()")
    if not text:
        raise Rejected(N_("No travel permit number was given."))
    match = _MTP_HK_MACAO.fullmatch(text)
    if match is None:
        if text[0] not in "HM":
            problem = Message(N_("does not start with H (Hong Kong) or M (Macao)"))
        else:
            problem = Message(
                N_("has %(count)s characters after the letter, or characters other than digits"),
                count=len(text) - 1)
        raise Rejected(
            N_("A Mainland Travel Permit number for Hong Kong and Macao residents is H or M followed by "
               "8 digits (10 on permits issued before 2013); this one %(problem)s."),
            problem=problem,
        )
    return Accepted(normalised=match["lifetime"])


def check_mtp_taiwan(value: str, *, date_of_birth: date | None, on: date | None) -> Accepted:
    """Check a Mainland Travel Permit number for Taiwan residents: 8 digits, or 10 with an office code."""
    text = clean(value, drop=" \t\r\n-")
    if not text:
        raise Rejected(N_("No travel permit number was given."))
    match = _MTP_TAIWAN.fullmatch(text)
    if match is None:
        raise Rejected(N_(
            "A Mainland Travel Permit number for Taiwan residents is 8 digits (permits before 2008: "
            "10 digits, possibly followed by an office code in brackets such as (B)); this one is not in "
            "that form."
        ))
    return Accepted(normalised=match["lifetime"])
