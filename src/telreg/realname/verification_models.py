"""The verification register's table: documents an officer flagged as forged, lost or used by an impostor.

    realname_verification_flags   one row per flag: the document's blind index (identities.document_index) and
                                  its number sealed, the result, the officer's reason, who loaded it and when,
                                  and, once withdrawn, who withdrew it and when

A document number is never stored in clear: the register finds a document by its blind index, and keeps the
number sealed only so the officer's list can show it masked. The name an impostor's document really belongs
to is sealed too. At most one flag per document is in force (a partial unique index on the index where
``withdrawn_at`` is NULL); withdrawn flags stay as the register's history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

__all__ = ["FLAG_RESULTS", "SEALED_FIELDS", "VerificationFlag"]

FLAG_RESULTS = ("forged", "lost", "impostor")  # the VerificationResult values a flag can give
# The associated data of each sealed column: a token copied into another column does not open there.
SEALED_FIELDS = {
    "document": "realname_verification_flags.document",
    "owner_name": "realname_verification_flags.owner_name",
}


class VerificationFlag(Base):
    """A document the register refuses, from ``loaded_at`` until ``withdrawn_at`` (None: in force)."""

    __tablename__ = "realname_verification_flags"
    __table_args__ = (
        CheckConstraint(one_of("result", FLAG_RESULTS), name="result"),
        CheckConstraint("owner_name_sealed IS NULL OR result = 'impostor'", name="owner_only_for_impostor"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name="withdrawn_by_someone"),
        Index("uq_realname_verification_flags_in_force", "document_index", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(32))  # as loaded (types sharing a number share the index)
    document_index: Mapped[str] = mapped_column(String(64), index=True)  # identities.document_index
    document_sealed: Mapped[str] = mapped_column(Text)  # the normalised number, for the masked listing
    result: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))  # the officer's words: where the report came from
    owner_name_sealed: Mapped[str | None] = mapped_column(Text)  # impostor: whose document it really is
    loaded_at: Mapped[dt.datetime]
    loaded_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
