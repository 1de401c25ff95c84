"""Table of the client certificates bound to sender accounts (mutual TLS for senders' automation).

    sender_accounts ─< ecert_client_certificates >─ ecert_certificates      (one binding per certificate, ever)

A binding says "requests presenting this certificate act for that account". It is made by a do-not-call officer
(the one who enables API access) and ended by one; an ended binding stays as history and the certificate cannot be
bound again (``certificate_id`` is unique): a sender who needs another binding gets a new certificate. Whether a
binding *works* is decided on every request from the certificate's state (good, not on hold, not revoked, not
expired) and the account's API access, never from the binding alone (telreg.ecert.client_auth).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base

__all__ = ["ClientCertificate"]


class ClientCertificate(Base):
    """A certificate bound to a sender account for mutual TLS; ``unbound_at`` set once the binding ended."""

    __tablename__ = "ecert_client_certificates"
    __table_args__ = (
        CheckConstraint("(unbound_at IS NULL) = (unbound_by IS NULL)", name="unbound_together"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("ecert_certificates.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"), index=True)
    bound_at: Mapped[dt.datetime]
    bound_by: Mapped[str] = mapped_column(String(100))
    unbound_at: Mapped[dt.datetime | None]
    unbound_by: Mapped[str | None] = mapped_column(String(100))
