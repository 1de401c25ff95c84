"""The audit log's insert-only tables (issue 14): leaf sequence, tree hashes, checkpoints, cosignatures, and the
latest checkpoint this deployment cosigned for each log it witnesses (the only table with UPDATEs)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base


class AuditLeaf(Base):
    """Entry LEAF_INDEX of the Merkle tree is the audit event EVENT_ID; given by the integrator, never at insert."""

    __tablename__ = "audit_tlog_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    integrated_at: Mapped[dt.datetime]


class AuditTreeHash(Base):
    """The hash of the complete subtree at LEVEL (1 and up; level 0 is the leaf hash) covering leaves
    [idx * 2**level, (idx + 1) * 2**level); written once, when its last leaf is integrated."""

    __tablename__ = "audit_tlog_hashes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed C2SP checkpoint of the tree at TREE_SIZE; NOTE is the signed note as the log signed it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class AuditCosignature(Base):
    """A witness's cosignature line on one of our checkpoints (verified with its key before it is stored)."""

    __tablename__ = "audit_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"), index=True)
    witness: Mapped[str] = mapped_column(String(255))
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class WitnessedLog(Base):
    """As a witness: the latest checkpoint we cosigned for a log (C2SP tlog-witness), one row per origin.

    Changed only by a conditional UPDATE (``WHERE tree_size = old AND root_hash = old root``) or an INSERT that
    the primary key refuses when another request got there first: check and persist are one atomic step.
    """

    __tablename__ = "audit_witnessed_logs"

    origin: Mapped[str] = mapped_column(String(255), primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    cosigned_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime]


APPEND_ONLY_TABLES = ("audit_tlog_leaves", "audit_tlog_hashes", "audit_checkpoints", "audit_cosignatures")
