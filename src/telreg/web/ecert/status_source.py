"""What the public page asks of the CA: its hierarchy (none before ``ecert init``) and a certificate's status as
the OCSP responder states it (``ocsp.certificate_status`` on the same row: good, revoked, or unknown for a serial
never issued or only reserved), told apart into "on hold" when the revocation is the reversible certificateHold.

An uploaded certificate is checked first: one not signed by our issuing CA is "unknown" whatever its serial, since
a serial says nothing about a certificate from another issuer.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from sqlalchemy.orm import Session

from telreg.core.i18n import N_
from telreg.ecert import repository
from telreg.ecert.crl import hierarchy_of
from telreg.ecert.errors import BadRequestData, CaNotReady
from telreg.ecert.keys import Hierarchy
from telreg.ecert.ocsp import certificate_status
from telreg.ecert.serials import parse_serial, serial_hex
from telreg.runtime import Runtime

__all__ = ["hierarchy_or_none", "status_by_serial", "status_of_certificate"]


def hierarchy_or_none(runtime: Runtime) -> Hierarchy | None:
    """The CA's hierarchy, or None while no CA is set up here (the page then says so)."""
    try:
        return hierarchy_of(runtime)
    except CaNotReady:
        return None


def status_by_serial(session: Session, *, serial: str) -> dict[str, Any]:
    """The status of the certificate with this serial (hex as typed: colons, spaces, 0x and case ignored)."""
    number = parse_serial(serial)
    if number is None:
        raise BadRequestData(N_("%(serial)s is not a serial number: type the hexadecimal digits the certificate "
                                "shows (0–9, A–F)."), serial=serial.strip()[:80])
    return _answer(session, serial_hex(number))


def status_of_certificate(session: Session, *, runtime: Runtime, certificate: x509.Certificate) -> dict[str, Any]:
    """The status of an uploaded certificate: "unknown" unless our issuing CA signed it."""
    hierarchy = hierarchy_or_none(runtime)
    serial = serial_hex(certificate.serial_number)
    if hierarchy is None or not _issued_by(certificate, hierarchy.issuing.certificate):
        return {"serial": serial, "status": "unknown"}
    return _answer(session, serial)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 -- another issuer, a signature that fails, another key type: not ours
        return False
    return True


def _answer(session: Session, serial: str) -> dict[str, Any]:
    row = repository.certificate_by_serial(session, serial)
    status = certificate_status(row)
    if row is None or status == "unknown":
        return {"serial": serial, "status": "unknown"}
    if status == "revoked" and row.state == "hold":
        status = "hold"
    return {"serial": serial, "status": status, "revoked_at": row.revoked_at,
            "reason": row.revocation_reason if status == "revoked" else None, "not_after": row.not_after}
