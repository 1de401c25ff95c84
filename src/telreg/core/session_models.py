"""Tables of server-side sign-in sessions (core/sessions.py): one row per signed-in browser or API client."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

SESSION_KINDS = ("staff", "sender")


class AuthSession(Base):
    """A sign-in that a cookie carries. The id is the SHA-256 (hex) of a random token only the cookie holds, so
    a copy of this table signs no one in. The session ends at ``expires_at`` (absolute), after the kind's idle
    time without a request (``last_seen_at`` is written at most once a minute), or when ``revoked_at`` is set."""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        CheckConstraint(one_of("kind", SESSION_KINDS), name="kind"),
        Index("ix_auth_sessions_principal", "kind", "principal", "revoked_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Staff: the username; senders: the account id, as text (as the audit trail names them).
    principal: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
