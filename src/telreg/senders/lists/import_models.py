"""The record of each bulk import of a list: how far it got, so that a crash is never taken for a whole list.

An import is validated whole first (any bad line refuses the file, nothing written), then applied in batches of
``settings.list_import_batch_rows`` rows, each its own transaction (others write between them; see
senders/lists/bulk.py). The record is ``applying`` with ``applied_rows`` counting the lines done, and becomes
``complete`` only after the last batch; ``failed`` when a batch failed. One left ``applying`` whose
``updated_at`` is old was interrupted (the process died): importing the same file again finishes it, since lines
already recorded are skipped.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base
from telreg.senders.models import REGISTER_CHECK

__all__ = ["IMPORT_STATES", "SenderListImport"]

IMPORT_STATES = ("applying", "complete", "failed")


class SenderListImport(Base):
    """One file imported into one list, and how far its batches got."""

    __tablename__ = "sender_list_imports"
    __table_args__ = (
        CheckConstraint(REGISTER_CHECK, name="register"),
        CheckConstraint("state IN ('applying', 'complete', 'failed')", name="state"),
        Index("ix_sender_list_imports_list", "account_id", "register", "client_ref", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    client_ref: Mapped[str] = mapped_column(String(64), default="")
    register: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10))
    total_rows: Mapped[int] = mapped_column(Integer)
    applied_rows: Mapped[int] = mapped_column(Integer, default=0)
    recorded: Mapped[int] = mapped_column(Integer, default=0)
    consents: Mapped[int] = mapped_column(Integer, default=0)
    batch_rows: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(String(200))  # the failure's class name, for the operators
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
