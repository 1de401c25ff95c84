"""Table of number porting: a holder moves a registered number to another operator (seed 004 Q4.3).

    realname_numbers ─< realname_port_requests >─ realname_operators (donor, recipient)
                        realname_port_requests >─ realname_registrations (before, after)

A request is made by the receiving operator's staff, with the holder's document as proof that the registered
holder asks for it, and decided by the donor operator's staff. Confirming completes the port in the same
transaction (porting.py): the number's operator changes, the registration ends as ``ported`` and a new one
starts at the recipient for the same holder. None of these columns holds personal data: ids, codes, instants,
and the staff member's reason for a rejection.

    requested ──confirm──> completed        (``confirmed`` is kept for a cut-over scheduled apart from the
        │                                    confirmation; the service completes on confirmation)
        ├──reject───> rejected (reason)
        └──cancel───> cancelled (by the recipient, e.g. the holder changed their mind)

At most one request per number is open (``requested``): a partial unique index, so two concurrent requests for
one number cannot both be recorded, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

__all__ = ["PORT_STATES", "PortRequest"]

PORT_STATES = ("requested", "confirmed", "rejected", "completed", "cancelled")


class PortRequest(Base):
    """One request to move a number from its operator (the donor) to another (the recipient)."""

    __tablename__ = "realname_port_requests"
    __table_args__ = (
        CheckConstraint(one_of("state", PORT_STATES), name="state"),
        CheckConstraint("donor_operator_id <> recipient_operator_id", name="two_operators"),
        CheckConstraint("(state = 'requested') = (decided_at IS NULL)", name="decided_unless_open"),
        CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)",
                        name="completed_when_completed"),
        Index("uq_realname_port_requests_open", "number_id", unique=True,
              sqlite_where=text("state = 'requested'"), postgresql_where=text("state = 'requested'")),
        Index("ix_realname_port_requests_donor_state", "donor_operator_id", "state"),
        Index("ix_realname_port_requests_recipient_state", "recipient_operator_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("realname_numbers.id"), index=True)
    number: Mapped[str] = mapped_column(String(16))  # copied: read alone in lists and audit
    donor_operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    recipient_operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    state: Mapped[str] = mapped_column(String(16))
    # True when the document given was compared with the registered holder's (blind index); False for a
    # monthly subscriber's number held by contract, with no registration to compare: the donor checks its own.
    holder_checked: Mapped[bool]
    requested_at: Mapped[dt.datetime]
    requested_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected or cancelled
    completed_at: Mapped[dt.datetime | None]
    registration_before_id: Mapped[int | None] = mapped_column(ForeignKey("realname_registrations.id"))
    registration_after_id: Mapped[int | None] = mapped_column(ForeignKey("realname_registrations.id"))
