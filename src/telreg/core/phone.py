"""Parse, normalise and classify Hong Kong telephone numbers.

Accepted spellings: ``21234567``, ``2123 4567``, ``2123-4567``, ``+852 2123 4567``, ``852-21234567`` (spaces and
hyphens anywhere between digits, an optional ``+852``/``852`` prefix). Everything else is refused with a reason a
person understands. Registers store the 8-digit national number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from telreg.core.errors import InvalidNumber


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

_SHAPE = re.compile(r"^(?:\+?852[ -]?)?(?P<local>\d[\d -]*\d)$")

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
    national: str
    kind: NumberKind

    @property
    def registrable(self) -> bool:
        return self.kind in REGISTRABLE

    @property
    def callback_eligible(self) -> bool:
        """Callbacks are offered only to 2/3-prefix fixed lines and 81–83 personal numbers (seed 004 Q3.1)."""
        return self.kind is NumberKind.personal or (self.kind is NumberKind.fixed and self.national[0] in "23")

    @property
    def e164(self) -> str:
        return f"+852{self.national}"

    def __str__(self) -> str:
        return self.national


def classify(national: str) -> NumberKind:
    """Classify an 8-digit national number by the Hong Kong numbering plan."""
    if national.startswith(("81", "82", "83")):
        return NumberKind.personal
    if national[0] in "01" or national.startswith("999"):
        return NumberKind.service
    parsed = phonenumbers.parse("+852" + national)
    if not phonenumbers.is_valid_number(parsed):
        return NumberKind.unassigned
    return _PHONENUMBERS_KIND.get(phonenumbers.number_type(parsed), NumberKind.unassigned)


def parse_number(raw: str) -> HKNumber:
    """Return the number a person typed, or raise InvalidNumber saying what is wrong with it."""
    text = (raw or "").strip()
    if not text:
        raise InvalidNumber("No number was given.", number=raw)
    if text.startswith("+") and not text.startswith("+852"):
        raise InvalidNumber(f"{text!r} is not a Hong Kong number: only +852 numbers can be registered.", number=raw)
    match = _SHAPE.match(text)
    if match is None:
        raise InvalidNumber(
            f"{text!r} is not a telephone number: use 8 digits, optionally with +852, spaces or hyphens.",
            number=raw,
        )
    digits = re.sub(r"[ -]", "", match.group("local"))
    if len(digits) == 11 and digits.startswith("852") and not text.startswith(("+", "852")):
        digits = digits[3:]
    if len(digits) != 8:
        raise InvalidNumber(
            f"{text!r} has {len(digits)} digits; a Hong Kong number has 8.", number=raw, digits=len(digits)
        )
    try:
        kind = classify(digits)
    except NumberParseException as exc:  # pragma: no cover - 8 digits always parse
        raise InvalidNumber(f"{text!r} could not be read: {exc}", number=raw) from exc
    return HKNumber(digits, kind)


def parse_registrable(raw: str) -> HKNumber:
    """Parse a number and insist that it may be listed on a do-not-call register."""
    number = parse_number(raw)
    if not number.registrable:
        raise InvalidNumber(
            f"{number.national} is a {number.kind.value} number, which cannot be registered.",
            number=raw,
            kind=number.kind.value,
        )
    return number
