"""Tables of the status services: the CRLs the issuing CA signed, and the pre-signed OCSP responses.

    ecert_crls            one row per CRL issued (its number is unique: two workers can never issue the same one)
    ecert_ocsp_responses  one pre-signed response per (serial, hash algorithm of the CertID), as Boulder/cfssl
                          keep them: the responder serves bytes, it does not sign on the hot path

A response row remembers what it was signed from (``cert_status`` and the certificate's ``status_changed_at``),
so a row that no longer matches its certificate is known stale without reading its DER.

The index on ``ecert_certificates.status_changed_at`` is declared here, next to its one reader: the OCSP
responder asks for ``max(status_changed_at)`` every few seconds (its "has anything changed?" marker), and the
index makes that a single B-tree probe on both backends instead of a scan of every certificate.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of
from telreg.ecert.models import Certificate

__all__ = ["OCSP_STATUSES", "CrlRecord", "OcspResponseRecord"]

OCSP_STATUSES = ("good", "revoked", "unknown")

Index("ix_ecert_certificates_status_changed_at", Certificate.status_changed_at)


class CrlRecord(Base):
    """A CRL the issuing CA signed: its number, its validity and its DER as served."""

    __tablename__ = "ecert_crls"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)  # the CRLNumber extension: strictly increasing
    this_update: Mapped[dt.datetime]
    next_update: Mapped[dt.datetime]
    entries: Mapped[int]  # how many certificates it lists
    der: Mapped[bytes] = mapped_column(LargeBinary)
    issued_by: Mapped[str] = mapped_column(String(100))  # "worker", "officer:…", "cli"
    created_at: Mapped[dt.datetime]


class OcspResponseRecord(Base):
    """A pre-signed OCSP response for one certificate, for CertIDs hashed with one algorithm."""

    __tablename__ = "ecert_ocsp_responses"
    __table_args__ = (
        UniqueConstraint("serial", "hash_algorithm", name="uq_ecert_ocsp_responses_serial_hash"),
        CheckConstraint(one_of("cert_status", OCSP_STATUSES), name="cert_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("ecert_certificates.id"), index=True)
    serial: Mapped[str] = mapped_column(String(40))  # as in ecert_certificates
    hash_algorithm: Mapped[str] = mapped_column(String(8))  # of the CertID: sha1 (RFC 5019), sha256, …
    cert_status: Mapped[str] = mapped_column(String(8))
    # The certificate's status_changed_at when this response was signed: a later change makes the row stale.
    source_changed_at: Mapped[dt.datetime]
    der: Mapped[bytes] = mapped_column(LargeBinary)
    this_update: Mapped[dt.datetime]
    next_update: Mapped[dt.datetime]
    produced_at: Mapped[dt.datetime]
    refresh_at: Mapped[dt.datetime] = mapped_column(index=True)  # re-signed from then on, well before next_update
