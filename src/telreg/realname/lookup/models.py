"""Tables of the one-identity lookup: code challenges (one per code sent, or pretended sent) and flags.

    realname_lookup_challenges   a person's request for a code: the document's blind index and the number
                                 given, the code's keyed hash, attempts, and once proved the access it grants
    realname_flags >─ realname_numbers, realname_operators, realname_identities
                                 a number its holder does not recognise, for the operator to investigate

Nothing here is personal data in clear: the document is its blind index (identities.document_index), the code
and the two bearer tokens are stored only as hashes. Numbers are stored as the numbers table stores them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

CHALLENGE_STATES = ("pending", "proved", "locked", "superseded")
FLAG_STATUSES = ("open", "closed")


class LookupChallenge(Base):
    """One code request. ``identity_id`` is set only when the number given is registered to the document.

    A request that matched nothing gets a row of the same shape (and a code nobody is sent), so neither the
    answer nor the work done tells whether the identity exists.
    """

    __tablename__ = "realname_lookup_challenges"
    __table_args__ = (
        CheckConstraint(one_of("state", CHALLENGE_STATES), name="state"),
        Index("ix_realname_lookup_challenges_document_created", "document_index", "created_at"),
        Index("ix_realname_lookup_challenges_number_created", "number", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token handed out
    document_index: Mapped[str] = mapped_column(String(64))  # blind index of the document given
    number: Mapped[str] = mapped_column(String(16))  # national digits of the number given
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("realname_identities.id"))
    number_id: Mapped[int | None] = mapped_column(ForeignKey("realname_numbers.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("realname_operators.id"))
    code_hash: Mapped[str] = mapped_column(String(64))  # keyed hash (vault index key) of the 6-digit code
    attempts: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    proved_at: Mapped[dt.datetime | None]
    access_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256 of the access token
    access_expires_at: Mapped[dt.datetime | None]


class NumberFlag(Base):
    """A number its holder flagged as not recognised; the operator investigates and closes it with a note."""

    __tablename__ = "realname_flags"
    __table_args__ = (
        CheckConstraint(one_of("status", FLAG_STATUSES), name="status"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_when_closed"),
        # One open flag per number and holder: flagging again is answered with the flag already open.
        Index("uq_realname_flags_open", "number_id", "identity_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_realname_flags_operator_status", "operator_id", "status", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    number_id: Mapped[int] = mapped_column(ForeignKey("realname_numbers.id"))
    number: Mapped[str] = mapped_column(String(16))
    identity_id: Mapped[int] = mapped_column(ForeignKey("realname_identities.id"))  # the holder who flagged
    challenge_id: Mapped[int] = mapped_column(ForeignKey("realname_lookup_challenges.id"))  # the proof used
    at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)  # the operator's closing note
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))
