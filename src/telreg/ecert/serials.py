"""Certificate serial numbers: unpredictable, positive, short enough for RFC 5280.

A serial is 127 bits from ``secrets`` (the operating system's CSPRNG): with the leading bit of 16 octets clear it
is positive and its DER INTEGER needs no leading zero octet, so it takes 16 octets, inside RFC 5280 §4.1.2.2's 20.
Unpredictable serials are what protects a CA from chosen-prefix collisions (CA/Browser Forum: ≥ 64 bits of CSPRNG
output); a draw below 2**63 (a chance of 1 in 2**64) is drawn again, so every serial carries at least 64 bits.
Uniqueness is the database's: ``ecert_certificates.serial`` is unique, and issuance draws again on a collision.
"""

from __future__ import annotations

import secrets

__all__ = ["SERIAL_BITS", "new_serial", "parse_serial", "serial_hex"]

SERIAL_BITS = 127


def new_serial() -> int:
    """A fresh serial number: positive, ≥ 64 significant bits, ≤ 127 bits."""
    while True:
        serial = secrets.randbits(SERIAL_BITS)
        if serial >= 1 << 63:
            return serial


def serial_hex(serial: int) -> str:
    """The form stored in ``ecert_certificates.serial`` and shown to people: lower-case hex, no leading zeros."""
    return format(serial, "x")


def parse_serial(text: str) -> int | None:
    """A serial typed by someone (hex, with or without colons, spaces or a 0x prefix); None when it is not one."""
    cleaned = text.strip().lower().removeprefix("0x").replace(":", "").replace(" ", "")
    if not cleaned or len(cleaned) > 40 or any(c not in "0123456789abcdef" for c in cleaned):
        return None
    return int(cleaned, 16)
