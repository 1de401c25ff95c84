"""The holders' consent instructions for uses beyond the service (issue 16 §3; seed 002 Q7, seed 003).

    realname_identities ─< realname_consents >─ realname_operators (NULL for the CA)

One row per instruction the holder gave (granted or withdrawn), never changed afterwards: the database refuses
UPDATE (migration c16b00000001), so the history a holder exports is the history that was acted on. DELETE
stays possible for the retention helper's erasure at the end of the retention period.

**Who the consent is given to (the controller).** A holder consents to one controller using their data for one
purpose: either a network operator (``controller = 'operator'`` and ``operator_id`` set) or the platform's
certification authority (``controller = 'ecert'`` and ``operator_id`` NULL; the CA is not an operator and has no
row in realname_operators). A check constraint ties the two columns, so "the CA" can never be confused with an
operator whose id happens to be missing, and an operator's consent always points at a real operator (foreign
key). A new kind of controller is a new value of ``controller``, not a magic id.

**Which instruction is in force.** The latest by ``given_at`` (when the holder gave it: a paper form may be
recorded days later), ties broken by ``recorded_at`` and then ``id`` (the later recorded wins). The index
``ix_realname_consents_latest`` holds exactly that order under the key (identity, purpose, controller,
operator), so "the latest per key" is an index range read, and the set-based marketing list a join on it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

__all__ = ["CHANNELS", "CONTROLLERS", "DECISIONS", "Consent"]

DECISIONS = ("granted", "withdrawn")
# How the holder gave the instruction: at the shop counter, on the operator's web site, by SMS, on a call, by
# letter (a paper form), or through an operator's system calling the API.
CHANNELS = ("counter", "web", "sms", "call", "letter", "api")
CONTROLLERS = ("operator", "ecert")


class Consent(Base):
    """One instruction of a holder: grant or withdraw consent to one controller's use for one purpose."""

    __tablename__ = "realname_consents"
    __table_args__ = (
        CheckConstraint(one_of("decision", DECISIONS), name="decision"),
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(one_of("controller", CONTROLLERS), name="controller"),
        CheckConstraint("(controller = 'operator') = (operator_id IS NOT NULL)", name="operator_controller"),
        CheckConstraint("given_at <= recorded_at", name="given_before_recorded"),
        Index("ix_realname_consents_latest", "identity_id", "purpose", "controller", "operator_id", "given_at",
              "recorded_at", "id"),
        Index("ix_realname_consents_operator_purpose", "operator_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("realname_identities.id"))  # the holder
    controller: Mapped[str] = mapped_column(String(16))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("realname_operators.id"))
    purpose: Mapped[str] = mapped_column(String(48))
    decision: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(12))
    given_at: Mapped[dt.datetime]
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(100))  # a form's number, a call's ticket, an e-Cert
