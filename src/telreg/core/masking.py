"""Mask personal data for display: enough left for a person to recognise their own record, too little to use.

Pages and API responses show these forms by default; the clear value is shown only where a use case needs it.
Every function is pure, accepts any text (empty, short, non-Latin) and never raises on odd input: a value that
does not look like its kind is masked by the general rule instead.

Rules (a star replaces one hidden character unless said otherwise):

- **names** — the surname is kept, every other word keeps its first character: ``CHAN Tai Man`` →
  ``CHAN T** M**``. The surname is the word(s) written in capitals when the name mixes capitals and lower
  case (``Tai Man CHAN`` → ``T** M** CHAN``); otherwise (all capitals, as printed on many cards, or no
  capitals) the first word. A one-word name keeps only its first character: ``陳大文`` → ``陳**``.
  Chinese compound surnames (``歐陽``) cannot be told apart from given names without a dictionary, so they
  too keep one character.
- **HKID** — letter prefix and first three digits kept, the last three digits and the check digit hidden:
  ``A123456(3)`` → ``A123***(*)``.
- **mainland resident ID** (and the temporary resident ID and household register, which carry the same number)
  — only the six-digit region code and the check character are kept; the date of birth (characters 7–14) and
  the sequence number (15–17, whose parity gives the holder's sex) are hidden: ``11010519491231002X`` →
  ``110105***********X``.
- **other documents** — the first 40 % of the characters (at most 4) kept, the rest hidden.
- **telephone numbers** — the first half of the digits kept, the other digits hidden; separators stay.
- **dates** — the year only: ``1990-**-**``.
- **addresses** — the first few characters (at most 6, at most half), then a fixed ``****`` so the length of
  the address is not shown either.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["mask_address", "mask_date", "mask_document", "mask_name", "mask_number"]

STAR = "*"
_HKID = re.compile(r"([A-Z]{1,2})(\d{6})([0-9A])")
RESIDENT_ID_TYPES = frozenset({"cn-resident-id", "cn-temporary-resident-id", "cn-household-register"})
_REGION_CODE_LENGTH = 6
_GENERAL_KEEP_MAX = 4
_ADDRESS_KEEP_MAX = 6
_ADDRESS_SUFFIX = STAR * 4


def mask_name(name: str) -> str:
    """Mask a person's or organisation's name: surname kept, other words reduced to their first character."""
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        return _keep_first(words[0])
    in_capitals = [word.isupper() for word in words]
    if any(in_capitals) and not all(in_capitals):
        keep = in_capitals
    else:
        keep = [True] + [False] * (len(words) - 1)
    return " ".join(word if kept else _keep_first(word) for word, kept in zip(words, keep, strict=True))


def mask_document(doc_type: str, number: str) -> str:
    """Mask a document number by the rule of its type (the general rule for other types and odd values)."""
    value = number.strip()
    if doc_type == "hkid":
        match = _HKID.fullmatch(re.sub(r"[\s()]", "", value).upper())
        if match:
            prefix, digits, _check = match.groups()
            return f"{prefix}{digits[:3]}{STAR * 3}({STAR})"
    elif doc_type in RESIDENT_ID_TYPES:
        compact = re.sub(r"\s", "", value).upper()
        if len(compact) == 18:
            return compact[:_REGION_CODE_LENGTH] + STAR * 11 + compact[-1]
        if len(compact) > _REGION_CODE_LENGTH:  # e.g. the old 15-digit cards: region code only
            return compact[:_REGION_CODE_LENGTH] + STAR * (len(compact) - _REGION_CODE_LENGTH)
    return _mask_general(value)


def mask_number(number: str) -> str:
    """Mask a telephone number: the first half of its digits kept, the rest starred, separators left alone."""
    total = sum(char.isdigit() for char in number)
    keep = total // 2
    out: list[str] = []
    seen = 0
    for char in number:
        if char.isdigit():
            seen += 1
            out.append(char if seen <= keep else STAR)
        else:
            out.append(char)
    return "".join(out)


def mask_date(value: dt.date | str) -> str:
    """Mask a date of birth to its year, ``1990-**-**``; an unreadable date is hidden entirely."""
    if isinstance(value, str):
        if not value.strip():
            return ""
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return "****-**-**"
    return f"{value.year:04d}-**-**"


def mask_address(address: str) -> str:
    """Mask an address to its first few characters (region or street) and a fixed ``****``."""
    value = " ".join(address.split())
    if not value:
        return ""
    keep = min(_ADDRESS_KEEP_MAX, len(value) // 2)
    return value[:keep].rstrip() + _ADDRESS_SUFFIX


def _keep_first(word: str) -> str:
    return word[:1] + STAR * (len(word) - 1)


def _mask_general(value: str) -> str:
    keep = min(_GENERAL_KEEP_MAX, len(value) * 2 // 5)  # 40 %, rounded down
    return value[:keep] + STAR * (len(value) - keep)
