"""Every query of the audit log: leaves, stored subtree hashes, checkpoints, cosignatures (flush, never commit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from telreg.core.models import AuditEvent
from telreg.core.tlog.merkle import Subtree
from telreg.core.tlog.models import AuditCheckpoint, AuditCosignature, AuditLeaf, AuditTreeHash

EVENT_COLUMNS = (AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action,
                 AuditEvent.subject_type, AuditEvent.subject_key, AuditEvent.register, AuditEvent.details)


def tree_size(session: Session) -> int:
    last = session.scalar(select(func.max(AuditLeaf.leaf_index)))
    return 0 if last is None else int(last) + 1


def highest_integrated_event(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditLeaf.event_id))) or 0)


def unintegrated_events(session: Session, *, above: int, limit: int) -> Sequence[Any]:
    """Committed events with no leaf yet, in id order, with an id above ABOVE."""
    has_leaf = select(AuditLeaf.event_id).where(AuditLeaf.event_id == AuditEvent.id).exists()
    stmt = (select(*EVENT_COLUMNS).where(AuditEvent.id > above, ~has_leaf).order_by(AuditEvent.id).limit(limit))
    return session.execute(stmt).all()


def count_unintegrated(session: Session) -> int:
    has_leaf = select(AuditLeaf.event_id).where(AuditLeaf.event_id == AuditEvent.id).exists()
    return int(session.scalar(select(func.count()).select_from(AuditEvent).where(~has_leaf)) or 0)


def add_leaves(session: Session, leaves: list[dict[str, Any]], hashes: list[dict[str, Any]]) -> None:
    """Insert the new leaves and subtree hashes; on PostgreSQL one statement per table (arrays unnested), which
    is what lets the integrator keep up with thousands of events a second."""
    if session.get_bind().dialect.name == "postgresql":
        if leaves:
            session.execute(text(
                "INSERT INTO audit_tlog_leaves (leaf_index, event_id, leaf_hash, integrated_at) "
                "SELECT * FROM unnest(CAST(:i AS bigint[]), CAST(:e AS bigint[]), CAST(:h AS bytea[]), "
                "CAST(:t AS timestamp[]))"),
                {"i": [r["leaf_index"] for r in leaves], "e": [r["event_id"] for r in leaves],
                 "h": [r["leaf_hash"] for r in leaves],
                 "t": [r["integrated_at"].astimezone(dt.UTC).replace(tzinfo=None) for r in leaves]})
        if hashes:
            session.execute(text("INSERT INTO audit_tlog_hashes (level, idx, hash) SELECT * FROM "
                                 "unnest(CAST(:l AS smallint[]), CAST(:i AS bigint[]), CAST(:h AS bytea[]))"),
                            {"l": [r["level"] for r in hashes], "i": [r["idx"] for r in hashes],
                             "h": [r["hash"] for r in hashes]})
        return
    if leaves:
        session.execute(insert(AuditLeaf.__table__), leaves)
    if hashes:
        session.execute(insert(AuditTreeHash.__table__), hashes)


def level_hashes(session: Session, level: int, start: int, count: int) -> list[bytes]:
    """COUNT consecutive complete-subtree hashes of LEVEL from index START (fewer when they do not exist)."""
    if level == 0:
        stmt = (select(AuditLeaf.leaf_hash).where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index < start + count)
                .order_by(AuditLeaf.leaf_index))
    else:
        stmt = (select(AuditTreeHash.hash)
                .where(AuditTreeHash.level == level, AuditTreeHash.idx >= start, AuditTreeHash.idx < start + count)
                .order_by(AuditTreeHash.idx))
    return [bytes(h) for h in session.scalars(stmt)]


def stored_subtree(session: Session) -> Subtree:
    """A Subtree source reading the stored hashes (one query per hash, cached; proofs need O(log² n))."""
    cache: dict[tuple[int, int], bytes] = {}

    def subtree(level: int, index: int) -> bytes:
        key = (level, index)
        if key not in cache:
            found = level_hashes(session, level, index, 1)
            if not found:
                raise LookupError(f"no stored hash at level {level}, index {index}")
            cache[key] = found[0]
        return cache[key]

    return subtree


def leaf_of_event(session: Session, event_id: int) -> AuditLeaf | None:
    return session.scalar(select(AuditLeaf).where(AuditLeaf.event_id == event_id))


def leaves_of_events(session: Session, event_ids: Sequence[int]) -> dict[int, tuple[int, bytes]]:
    rows = session.execute(select(AuditLeaf.event_id, AuditLeaf.leaf_index, AuditLeaf.leaf_hash)
                           .where(AuditLeaf.event_id.in_(list(event_ids))))
    return {int(e): (int(i), bytes(h)) for e, i, h in rows}


def entries(session: Session, start: int, count: int) -> list[Any]:
    """The event rows of leaves [START, START + COUNT), in leaf order (None where the event is missing)."""
    stmt = (select(AuditLeaf.leaf_index, *EVENT_COLUMNS)
            .join(AuditEvent, AuditEvent.id == AuditLeaf.event_id, isouter=True)
            .where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index < start + count)
            .order_by(AuditLeaf.leaf_index))
    return list(session.execute(stmt).all())


def stream_leaves(session: Session, *, batch: int = 5000) -> Iterator[Any]:
    """(leaf_index, stored leaf hash, event id, the event's columns or None…) in leaf order, in batches."""
    stmt = (select(AuditLeaf.leaf_index, AuditLeaf.leaf_hash, AuditLeaf.event_id, *EVENT_COLUMNS)
            .join(AuditEvent, AuditEvent.id == AuditLeaf.event_id, isouter=True).order_by(AuditLeaf.leaf_index))
    after = -1
    while True:
        rows = session.execute(stmt.where(AuditLeaf.leaf_index > after).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def stream_level(session: Session, level: int, *, batch: int = 20000) -> Iterator[tuple[int, bytes]]:
    stmt = select(AuditTreeHash.idx, AuditTreeHash.hash).where(AuditTreeHash.level == level).order_by(AuditTreeHash.idx)
    after = -1
    while True:
        rows = session.execute(stmt.where(AuditTreeHash.idx > after).limit(batch)).all()
        if not rows:
            return
        for idx, h in rows:
            yield int(idx), bytes(h)
        after = rows[-1][0]


def stored_levels(session: Session) -> list[int]:
    return [int(x) for x in session.scalars(select(AuditTreeHash.level).distinct().order_by(AuditTreeHash.level))]


def checkpoints(session: Session) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size)))


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1))


def add_checkpoint(session: Session, checkpoint: AuditCheckpoint) -> AuditCheckpoint:
    session.add(checkpoint)
    session.flush()
    return checkpoint


def cosignatures(session: Session, checkpoint_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """checkpoint id -> {witness name: cosignature line}."""
    out: dict[int, dict[str, str]] = {}
    rows = session.execute(select(AuditCosignature.checkpoint_id, AuditCosignature.witness, AuditCosignature.line)
                           .where(AuditCosignature.checkpoint_id.in_(list(checkpoint_ids))))
    for cid, witness, line in rows:
        out.setdefault(int(cid), {})[witness] = line
    return out


def recent_checkpoints(session: Session, *, limit: int) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(limit)))


def latest_cosigned_size(session: Session, witness: str) -> int:
    """The largest of our checkpoints WITNESS cosigned (0 when none): the 'old' size it expects next."""
    size = session.scalar(select(func.max(AuditCheckpoint.tree_size))
                          .join(AuditCosignature, AuditCosignature.checkpoint_id == AuditCheckpoint.id)
                          .where(AuditCosignature.witness == witness))
    return int(size or 0)


def checkpoint_of_size(session: Session, size: int) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.tree_size == size))
