"""Tables of staff two-factor sign-in (issue 14): each user's TOTP secret, sealed, and its recovery codes.

Nothing here opens a sign-in by itself: the secret is a vault token (core.vault, the column's name as its
associated data), and a recovery code is kept only as an argon2 hash (core.passwords), like a password.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base

__all__ = ["RecoveryCode", "TwoFactor"]


class TwoFactor(Base):
    """A staff user's authenticator: enrolled once a first correct code confirms it (``confirmed_at``)."""

    __tablename__ = "staff_two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_sealed: Mapped[str] = mapped_column(Text)  # the base32 secret, sealed by the vault
    confirmed_at: Mapped[dt.datetime | None]
    # The newest RFC 6238 time step (Unix time // 30) accepted: a code of this step or an older one is refused,
    # so a code seen over a shoulder or replayed from a log cannot sign anyone in again.
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]


class RecoveryCode(Base):
    """One single-use recovery code, shown once at enrolment (or regeneration); only its hash is kept."""

    __tablename__ = "staff_recovery_codes"
    __table_args__ = (Index("ix_staff_recovery_codes_user", "user_id", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
