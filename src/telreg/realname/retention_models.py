"""Table of retention: one row per identity whose personal data was erased (realname/retention.py).

    realname_erasures >─1 realname_identities    who was erased, when, under which retention period, which
                                                  fields, by which run (the worker's job, or a person's command)

The row holds ids, dates and column names only — never a value. The unique identity id makes an erasure happen
once: two workers erasing one identity at once cannot both record it (the second one's insert fails and its
savepoint rolls back, see retention.erase).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base

__all__ = ["Erasure"]


class Erasure(Base):
    """The erasure of one identity's personal data (crypto-shredding by re-sealing without the fields)."""

    __tablename__ = "realname_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("realname_identities.id"), unique=True)
    erased_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_ended_at: Mapped[dt.datetime]  # the end of the identity's last registration (any role)
    policy_days: Mapped[int] = mapped_column(Integer)  # the retention period the erasure was due under
    fields: Mapped[list[str]] = mapped_column(JSON)  # "table.column" erased, e.g. realname_identities.name_sealed
    actor: Mapped[str] = mapped_column(String(100))  # "job:<id>" for the worker, else the person or "cli"
