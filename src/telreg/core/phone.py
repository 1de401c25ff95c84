"""Parse, normalise and classify Hong Kong telephone numbers.

Accepted spellings, and nothing else: 8 digits (``21234567``), optionally grouped by single spaces or hyphens
(``2123 4567``, ``2123-4567``), optionally preceded by the country code written ``+852`` or ``852``
(``+852 2123 4567``, ``852-21234567``, ``+85221234567``). Leading and trailing blanks are ignored.

Refused, each with a reason a person understands: an empty entry, letters, other punctuation (brackets, dots,
slashes), doubled or dangling separators (``2123--4567``, ``2123 4567-``: usually a slip of the finger, and a
register is a legal record, so we ask rather than guess), another country code (``+44…``, ``0044…``), the
``00852`` dialling prefix, and the wrong number of digits.

Classification follows the Hong Kong numbering plan, with ``phonenumbers`` saying which blocks are assigned:

    prefix              kind            registrable   callback
    2, 3 (not 30x)      fixed           yes           yes
    30x                 service-code    no (universal access numbers)
    58x (some blocks)   fixed           yes           no
    4, 5, 6, 7, 84, 9   mobile          yes           no
    7 (some blocks)     pager           yes           no
    81–83               personal        yes           yes
    800 (9 digits)      toll-free       no
    0, 1, 999           service-code    no (8 digits; a short code such as 1083 or 999 typed on its
                                        own is refused as too short, with a word about service codes)
    anything else       unassigned      no

Pagers are registrable: a pager number is a number at which a person can be sent a commercial message, and
refusing it would only deny someone protection. Registers store the 8-digit national number.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import NoReturn

import phonenumbers
from phonenumbers import PhoneNumberType

from telreg.core.errors import InvalidNumber
from telreg.core.i18n import N_, Msgid

__all__ = ["REGISTRABLE", "HKNumber", "NumberKind", "classify", "parse_number", "parse_registrable"]


class NumberKind(str, Enum):
    fixed = "fixed"
    mobile = "mobile"
    pager = "pager"
    personal = "personal"
    toll_free = "toll-free"
    premium = "premium-rate"
    service = "service-code"
    unassigned = "unassigned"


REGISTRABLE = frozenset({NumberKind.fixed, NumberKind.mobile, NumberKind.pager, NumberKind.personal})

# Why a kind cannot be listed, one whole sentence each (a translation cannot splice an English phrase in).
_WHY_NOT_REGISTRABLE: dict[NumberKind, Msgid] = {
    NumberKind.toll_free: N_("%(national)s cannot be registered: it is a toll-free (800) number, which "
                             "belongs to a business rather than a subscriber."),
    NumberKind.premium: N_("%(national)s cannot be registered: it is a premium-rate number."),
    NumberKind.service: N_("%(national)s cannot be registered: it is a service code (short codes, emergency "
                           "and universal access numbers)."),
    NumberKind.unassigned: N_("%(national)s cannot be registered: it is in a range not assigned to any "
                              "operator, so no one can be reached on it."),
}

# Digits grouped by single spaces or hyphens, after an optional "+". ASCII only: full-width digits typed
# with a Chinese input method are folded to ASCII first (NFKC), and any other script's digits are refused.
_SHAPE = re.compile(r"\+?[0-9]+(?:[ -][0-9]+)*")
_LETTER = re.compile(r"[^\W\d_]")
# Short codes dialled on their own: 1xx–1xxxx (directory, operator, hotlines), 999 and 112 (emergency).
_SHORT_CODE = re.compile(r"1[0-9]{2,4}|999|112")

_PHONENUMBERS_KIND = {
    PhoneNumberType.FIXED_LINE: NumberKind.fixed,
    PhoneNumberType.MOBILE: NumberKind.mobile,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberKind.mobile,
    PhoneNumberType.PAGER: NumberKind.pager,
    PhoneNumberType.PERSONAL_NUMBER: NumberKind.personal,
    PhoneNumberType.TOLL_FREE: NumberKind.toll_free,
    PhoneNumberType.PREMIUM_RATE: NumberKind.premium,
    PhoneNumberType.UAN: NumberKind.service,
    PhoneNumberType.VOIP: NumberKind.fixed,
}


@dataclass(frozen=True, slots=True)
class HKNumber:
    """A Hong Kong number: its national digits and its kind.

    ``national`` has 8 digits, except for toll-free numbers, which have 9 (``800 123 456``).
    """

    national: str
    kind: NumberKind

    @property
    def registrable(self) -> bool:
        return self.kind in REGISTRABLE

    @property
    def callback_eligible(self) -> bool:
        """Callbacks are offered only to 2/3-prefix fixed lines and 81–83 personal numbers (seed 004 Q3.1)."""
        fixed_23 = self.kind is NumberKind.fixed and self.national[0] in "23"
        return fixed_23 or self.kind is NumberKind.personal

    @property
    def e164(self) -> str:
        return f"+852{self.national}"

    def __str__(self) -> str:
        return self.national


def classify(national: str) -> NumberKind:
    """Classify a national number (8 digits, or 9 for 800 numbers) by the Hong Kong numbering plan."""
    if not national.isdigit():
        raise ValueError(f"{national!r} is not a string of digits")
    if national[0] in "01" or national.startswith("999"):
        return NumberKind.service
    if len(national) == 8 and national[:2] in ("81", "82", "83"):
        # The whole 81–83 range is set aside for personal numbers; phonenumbers lists only some blocks of it,
        # and a personal number that is not yet in its metadata must still be registrable.
        return NumberKind.personal
    if len(national) == 8:
        return _classify_block(national[:4])
    return _classify_by_metadata(national)


@functools.lru_cache(maxsize=None)
def _classify_block(first_four: str) -> NumberKind:
    """The kind of every 8-digit number starting with these four digits.

    Every 8-digit pattern in phonenumbers' Hong Kong metadata is a prefix of at most four digits followed by
    ``\\d{4}`` or ``\\d{5}``, so the first four digits decide the kind. Asking phonenumbers costs ~0.3 ms a
    number (regular expressions); an online check of 100 numbers spent most of its time there. At most 10,000
    blocks are ever cached. test_phone.py checks the block answer against phonenumbers on random numbers.
    """
    return _classify_by_metadata(first_four + "0000")


def _classify_by_metadata(national: str) -> NumberKind:
    parsed = phonenumbers.parse("+852" + national)
    if not phonenumbers.is_valid_number(parsed):
        return NumberKind.unassigned
    return _PHONENUMBERS_KIND.get(phonenumbers.number_type(parsed), NumberKind.unassigned)


def parse_number(raw: str | None) -> HKNumber:
    """Return the number a person typed, or raise InvalidNumber saying what is wrong with it.

    ``number`` is what was typed; ``entered`` the same after folding and trimming, as the sentence quotes it.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise InvalidNumber(N_("No number was given."), number=raw)
    if _LETTER.search(text):
        raise InvalidNumber(N_("'%(entered)s' contains letters; a telephone number has only digits."),
                            number=raw, entered=text)
    if not _SHAPE.fullmatch(text):
        _refuse_shape(text, raw)
    national, prefixed = _national_digits(text, raw)
    if len(national) == 9 and national.startswith("800"):
        return HKNumber(national, NumberKind.toll_free)
    if len(national) != 8:
        if prefixed:
            raise InvalidNumber(N_("'%(entered)s' has %(digits)s digits after the country code; a Hong Kong "
                                   "number has 8."), number=raw, entered=text, digits=len(national))
        if _SHORT_CODE.fullmatch(national):
            raise InvalidNumber(
                N_("'%(entered)s' has %(digits)s digits; a Hong Kong number has 8. It looks like a service "
                   "code (such as 1083 or 999), which cannot be registered."),
                number=raw, entered=text, digits=len(national), kind=NumberKind.service.value,
            )
        raise InvalidNumber(N_("'%(entered)s' has %(digits)s digits; a Hong Kong number has 8."),
                            number=raw, entered=text, digits=len(national))
    return HKNumber(national, classify(national))


def parse_registrable(raw: str | None) -> HKNumber:
    """Parse a number and insist that it may be listed on a do-not-call register."""
    number = parse_number(raw)
    if not number.registrable:
        raise InvalidNumber(
            _WHY_NOT_REGISTRABLE[number.kind],
            number=raw,
            kind=number.kind.value,
            national=number.national,
        )
    return number


def _national_digits(text: str, raw: str | None) -> tuple[str, bool]:
    """Strip separators and the country code, refusing any other country or dialling prefix."""
    first_group = re.split(r"[ -]", text.lstrip("+"), maxsplit=1)[0]
    digits = re.sub(r"[ +-]", "", text)
    if text.startswith("+"):
        if not first_group.startswith("852"):
            raise InvalidNumber(
                N_("'%(entered)s' is not a Hong Kong number: only +852 numbers can be registered."),
                number=raw, entered=text,
            )
        return digits[3:], True
    if digits.startswith("00") and len(digits) > 8:
        if digits.startswith("00852"):
            raise InvalidNumber(
                N_("'%(entered)s': write the country code as +852, not the dialling prefix 00852."),
                number=raw, entered=text,
            )
        raise InvalidNumber(
            N_("'%(entered)s' is an international number; only Hong Kong (+852) numbers can be registered."),
            number=raw, entered=text,
        )
    if len(digits) > 8 and first_group.startswith("852"):
        return digits[3:], True
    return digits, False


def _refuse_shape(text: str, raw: str | None) -> NoReturn:
    """Refuse digits grouped or punctuated in a way the module docstring does not accept, saying how."""
    if re.search(r"[ -]{2,}", text):
        raise InvalidNumber(N_("'%(entered)s' has doubled separators; use a single space or hyphen between "
                               "groups of digits."), number=raw, entered=text)
    if re.search(r"^[ -]|[ -]$|\+[ -]", text):
        raise InvalidNumber(N_("'%(entered)s' has a space or hyphen where digits should be."),
                            number=raw, entered=text)
    if "+" in text[1:]:
        raise InvalidNumber(N_("'%(entered)s' has a '+' inside it; '+' may only start the number, as in "
                               "+852 2123 4567."), number=raw, entered=text)
    odd = sorted({c for c in text if c not in "0123456789 -+"})
    raise InvalidNumber(N_("'%(entered)s' contains %(characters)s; use only digits, optionally with +852, "
                           "spaces or hyphens."), number=raw, entered=text,
                        characters=" ".join(repr(c) for c in odd))
