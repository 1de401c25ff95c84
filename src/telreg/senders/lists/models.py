"""The table of a sender's own consent and unsubscribe instructions: append-only, one row per instruction given.

``client_ref`` is "" for the account's own list; a marketing service provider keeps a separate list per client
company (seed 001 Q5.2) under that client's reference. Rows are never updated or deleted: the current state of a
number is its latest instruction, and the rest is the history a sender may have to show.

The same instruction is recorded once: :data:`SAME_INSTRUCTION` (the list, the number, when, the kind, how it
was given) and the reference make a unique index, so importing a file twice, or two requests racing, adds
nothing the second time. The reference is compared as ``coalesce(reference, '')``: NULLs never conflict in a
unique index, so two identical instructions without a reference would otherwise both be kept.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base
from telreg.senders.models import REGISTER_CHECK

__all__ = ["SAME_INSTRUCTION", "SenderInstruction"]

# Its leading columns are the look-up of a list's numbers (current state, history), so it is that index too.
SAME_INSTRUCTION = ("account_id", "client_ref", "register", "number", "given_at", "instruction", "how")


class SenderInstruction(Base):
    """One consent or unsubscribe instruction a recipient gave a sender, on one register."""

    __tablename__ = "sender_instructions"
    __table_args__ = (
        CheckConstraint(REGISTER_CHECK, name="register"),
        CheckConstraint("instruction IN ('consent', 'unsubscribe')", name="instruction"),
        CheckConstraint("length(number) = 8", name="number"),
        Index("uq_sender_instructions_once", *SAME_INSTRUCTION, text("coalesce(reference, '')"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    client_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
    register: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(8))
    instruction: Mapped[str] = mapped_column(String(12))
    given_at: Mapped[dt.datetime]
    how: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
