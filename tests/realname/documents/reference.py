"""Tiny reference implementations written from the published standards, independent of the code under test.

The tests build valid numbers with these and expect telreg to agree; nothing here imports telreg.
"""

from __future__ import annotations

import string

DIGITS_AND_LETTERS = string.digits + string.ascii_uppercase  # value = index: A=10 ... Z=35


def hkid_check(prefix: str, digits: str) -> str:
    """HKID: [space=36 if one letter], A=10..Z=35, digits; weights 9..2; 11 - sum mod 11 (10=A, 11=0).

    A published variant counts the space as 58 instead of 36; 58 x 9 and 36 x 9 agree modulo 11.
    """
    values = ([36] if len(prefix) == 1 else []) + [DIGITS_AND_LETTERS.index(c) for c in prefix + digits]
    remainder = sum(v * w for v, w in zip(values, [9, 8, 7, 6, 5, 4, 3, 2])) % 11
    return "0" if remainder == 0 else "A" if remainder == 1 else str(11 - remainder)


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643 uses it: weight of position i (from the left) is 2**(17 - i) mod 11."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


def gb11714(body: str) -> str:
    """Organisation code: weights 3, 7, 9, 10, 5, 8, 4, 2; C9 = 11 - sum mod 11, 10 -> X, 11 -> 0."""
    total = sum(DIGITS_AND_LETTERS.index(c) * w for c, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


def gb32100(first17: str) -> str:
    """Unified social credit code: weight of position i is 3**i mod 31; C18 = 31 - sum mod 31 (31 -> 0)."""
    total = sum(USCC_ALPHABET.index(c) * (3**i % 31) for i, c in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def icao(field: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating; A=10 ... Z=35, < = 0; sum mod 10."""
    return str(sum((0 if c == "<" else DIGITS_AND_LETTERS.index(c)) * (7, 3, 1)[i % 3]
                   for i, c in enumerate(field)) % 10)


def td3(*, number: str = "L898902C3", birth: str = "740812", expiry: str = "120415",
        personal: str = "ZE184226B<<<<<", name: str = "ERIKSSON<<ANNA<MARIA") -> str:
    """Build a passport MRZ (TD3, 2 x 44) in the layout of the ICAO 9303 specimen, every check digit right."""
    line1 = ("P<UTO" + name).ljust(44, "<")
    number = number.ljust(9, "<")
    head = number + icao(number) + "UTO" + birth + icao(birth) + "F" + expiry + icao(expiry)
    tail = personal + icao(personal)
    composite = head[:10] + head[13:20] + head[21:] + tail
    return line1 + "\n" + head + tail + icao(composite)
