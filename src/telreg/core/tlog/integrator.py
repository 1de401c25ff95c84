"""The integrator: gives committed audit events their leaf index, stores the new tree hashes, signs a checkpoint.

Events are written in their action's own transaction with no index (audit.record is unchanged). On PostgreSQL
transactions commit out of id order, so an index given at insert time could leave a hole that a later commit
fills; instead one integrator at a time (``pg_advisory_xact_lock``; on SQLite the writer lock of BEGIN
IMMEDIATE) takes the committed events that have no leaf, in id order, appends them, and signs the new size.
An event committed after a run, with an id below the last one integrated, is simply taken by the next run.

To stay cheap on a large log a run looks only at ids above (highest integrated id − LOOKBACK); a transaction
that stays open longer than LOOKBACK ids of traffic is caught by the full scan every FULL_SCAN_EVERY runs and
by `telreg audit checkpoint`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.tlog import store
from telreg.core.tlog.entries import event_leaf_hash
from telreg.core.tlog.merkle import EMPTY_ROOT, compact_range, node_hash
from telreg.core.tlog.models import AuditCheckpoint
from telreg.core.tlog.note import Checkpoint, Signer

LOCK_KEY = 0x7465_6C72_6567_0001 & 0x7FFF_FFFF_FFFF_FFFF  # "telreg" + 1: the integrator's advisory lock
LOOKBACK = 100_000
BATCH = 5_000
FULL_SCAN_EVERY = 300


@dataclass(frozen=True)
class Integrated:
    old_size: int
    size: int
    root: bytes
    checkpoint: AuditCheckpoint | None  # None when nothing new was signed


def lock(session: Session, *, wait: bool = True) -> bool:
    """Become the one integrator, until the transaction ends; False (wait=False) when another one runs."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # BEGIN IMMEDIATE already made this transaction the only writer
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}))


def integrate(session: Session, *, clock: Clock, signer: Signer, origin: str, full_scan: bool = False,
              wait: bool = True, limit: int | None = None) -> Integrated | None:
    """Append every committed, unintegrated event (at most LIMIT) and sign the new tree; None when another
    integrator holds the lock (wait=False)."""
    if not lock(session, wait=wait):
        return None
    now = clock.now()
    old_size = size = store.tree_size(session)
    subtree = store.stored_subtree(session)
    frontier = [(level, index, subtree(level, index)) for level, index in compact_range(size)]
    floor = -1 if full_scan else store.highest_integrated_event(session) - LOOKBACK
    while limit is None or size - old_size < limit:
        take = BATCH if limit is None else min(BATCH, limit - (size - old_size))
        events = store.unintegrated_events(session, above=floor, limit=take)
        if not events:
            break
        leaves: list[dict[str, Any]] = []
        hashes: list[dict[str, Any]] = []
        for event in events:
            h = event_leaf_hash(event)
            leaves.append({"leaf_index": size, "event_id": event.id, "leaf_hash": h, "integrated_at": now})
            frontier.append((0, size, h))
            while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
                (level, left, lh), (_, _, rh) = frontier[-2], frontier[-1]
                parent = (level + 1, left >> 1, node_hash(lh, rh))
                frontier[-2:] = [parent]
                hashes.append({"level": parent[0], "idx": parent[1], "hash": parent[2]})
            size += 1
        store.add_leaves(session, leaves, hashes)
        floor = events[-1].id
    root = _root(frontier)
    checkpoint = None
    if size > old_size or store.latest_checkpoint(session) is None:
        checkpoint = sign_checkpoint(session, signer=signer, origin=origin, size=size, root=root, now=now)
    return Integrated(old_size, size, root, checkpoint)


def _root(frontier: list[tuple[int, int, bytes]]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1][2]
    for _, _, h in reversed(frontier[:-1]):
        root = node_hash(h, root)
    return root


def sign_checkpoint(session: Session, *, signer: Signer, origin: str, size: int, root: bytes,
                    now: dt.datetime) -> AuditCheckpoint:
    note = signer.sign(Checkpoint(origin, size, root).text)
    return store.add_checkpoint(session, AuditCheckpoint(tree_size=size, root_hash=root, note=note,
                                                         created_at=now))
