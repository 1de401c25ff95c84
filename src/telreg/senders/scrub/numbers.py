"""Parsing calling-list fields into 8-digit numbers, agreeing exactly with core/phone.py.

A field is valid for a scrub when ``core.phone.parse_number`` accepts it and gives an 8-digit national number (a
9-digit toll-free 800 number is refused: it belongs to a business and is on no register). The accepted spellings are
pinned by core/phone.py: 8 digits, optionally grouped by single spaces or hyphens, optionally after ``+852``/``852``,
blanks around ignored. tests/senders/scrub/test_numbers.py checks with hypothesis that this module and the scalar
parser agree on every input.

Two paths: ASCII fields go through the byte loop in ``_kernels.c`` (``parse_number``, also used by the scrub's line
scan); fields holding non-ASCII bytes (full-width digits typed with a Chinese input method, which NFKC folds) go
through core/phone.py itself. They are rare, so the Python loop is off the hot path. Reasons for refused fields come
from core/phone.py (``invalid_reason``), so they read the same as everywhere else; a scrub words each shape of
refused field once (``reason_around_field``: "'2123.4567' contains '.'; …" serves every number written with a dot)
and its C loop puts each line's field into the words.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import numpy.typing as npt

from telreg.core.errors import InvalidNumber
from telreg.core.i18n import N_, Msgid, format_message
from telreg.senders.scrub import _kernels

__all__ = ["INVALID", "MAX_FIELD", "PYTHON", "SLACK", "VALID", "invalid_problem", "invalid_reason",
           "parse_fields", "reason_around_field", "scalar_number"]

VALID, INVALID, PYTHON = 0, 1, 2  # a field's status, as _kernels.c gives it (PYTHON: core/phone.py must read it)
MAX_FIELD = 64  # longer fields cannot be a number; they are refused without looking further
SLACK = MAX_FIELD  # zero bytes a chunk buffer carries after its data, so fixed-width reads never run off its end

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

def parse_fields(buf: U8, fs: I64, fe: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Parse the fields buf[fs:fe] into (numbers, valid)."""
    fs = np.ascontiguousarray(fs, dtype=np.int64)
    fe = np.ascontiguousarray(fe, dtype=np.int64)
    numbers = np.zeros(len(fs), dtype=np.int64)
    status = np.zeros(len(fs), dtype=np.uint8)
    _kernels.parse_many(buf, fs, fe, numbers, status)
    for row in np.flatnonzero(status == PYTHON).tolist():
        number = scalar_number(bytes(buf[fs[row] : fe[row]]))
        numbers[row] = number or 0
        status[row] = VALID if number is not None else INVALID
    return numbers, status == VALID


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def scalar_number(raw: bytes) -> int | None:
    """The number core/phone.py reads in ``raw`` (UTF-8), or None when it refuses it or it is not 8 digits."""
    from telreg.core.phone import parse_number  # phonenumbers: only for the rare non-ASCII field (start-up time)

    text = _decode(raw)
    if text is None:
        return None
    try:
        number = parse_number(text)
    except InvalidNumber:
        return None
    return int(number.national) if len(number.national) == 8 else None


def invalid_problem(raw: bytes) -> tuple[str, dict[str, Any]]:
    """Say why a field is not a number a scrub can decide on, as (template, parameters) for the reader's
    language.

    The template is a marked sentence, or core/phone.py's own English while its errors are not in the
    catalogs (then the parameters are its structured details — ``number``, ``digits``, ``kind`` — which a page
    explains in its language, as web/i18n.py's ``number_error`` does)."""
    from telreg.core.phone import NumberKind, parse_number  # see scalar_number

    text = _decode(raw)
    if text is None:
        return N_("The line is not UTF-8 text (save the list as UTF-8 or plain ASCII)."), {}
    try:
        number = parse_number(text)
    except InvalidNumber as exc:
        return (exc.template, dict(exc.extra)) if exc.template is not None else (exc.message, dict(exc.extra))
    if number.kind is NumberKind.toll_free:
        return N_("%(number)s is a toll-free (800) number, which belongs to a business and is on no "
                  "register."), {"number": number.national}
    # parse_number gives 8 or 9 digits, and 9 only for a toll-free number: this is never reached.
    return N_("%(value)s is not an 8-digit Hong Kong number."), {"value": repr(text)}  # pragma: no cover


@functools.lru_cache(maxsize=1 << 16)  # garbage repeats (the same header, placeholder or typo on many lines)
def invalid_reason(raw: bytes) -> str:
    """Say, in core/phone.py's words, why a field is not a number a scrub can decide on (in English)."""
    template, params = invalid_problem(raw)
    return format_message("en", template, params) if isinstance(template, Msgid) else template


_FIELD = "\x00"  # stands for the field in a reason while it is split around it (never in an ASCII field's reason)
_OWN = frozenset({"entered", "digits", "characters"})  # what a shape of field shares with every field of its shape


def reason_around_field(raw: bytes) -> tuple[str, str | None] | None:
    """The English reason for refusing the ASCII field ``raw``, as the text before and after the field (stripped of
    its blanks, as core/phone.py quotes it; after is None when the reason does not quote it): the reason of every
    field with the same reason key (reason_key in _kernels.c says why they share it).
    None when the reason names anything else of the field (a toll-free number's digits) or is not a marked sentence:
    then each spelling is worded on its own."""
    template, params = invalid_problem(raw)
    if not isinstance(template, Msgid):
        return None
    others = {name: (value if name in _OWN else f"\x01{name}") for name, value in params.items()}
    if format_message("en", template, others) != format_message("en", template, params):
        return None  # the words use a parameter other than the field's own
    pieces = format_message("en", template, {**params, "entered": _FIELD}).split(_FIELD)
    if len(pieces) > 2:
        return None
    return (pieces[0], pieces[1]) if len(pieces) == 2 else (pieces[0], None)
