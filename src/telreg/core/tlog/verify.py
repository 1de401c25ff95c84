"""`telreg audit verify`: recompute the whole log from the event rows and check it against every signature.

Checks, in order: every leaf index 0…n−1 exists and points at an existing event whose recomputed leaf hash is
the stored one; every stored subtree hash equals the one rebuilt from the recomputed leaves; every checkpoint
is signed by the log key, says what its row says, covers no more than n entries, has the rebuilt root at its
size, and is consistent with the checkpoint before it (a consistency proof built from the rebuilt tree and
checked with proofs.verify_consistency); finally a trusted checkpoint given by the operator (a copy kept
elsewhere, or one cosigned by witnesses) must be consistent with the rebuilt tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from telreg.core.tlog import store
from telreg.core.tlog.entries import event_leaf_hash
from telreg.core.tlog.merkle import HASH_SIZE, consistency_proof, node_hash, tree_root
from telreg.core.tlog.note import NoteError, Verifier, parse_checkpoint, verify_note
from telreg.core.tlog.proofs import verify_consistency


@dataclass(frozen=True)
class Problem:
    message: str
    leaf_index: int | None = None
    event_id: int | None = None


@dataclass
class Report:
    size: int = 0
    checkpoints: int = 0
    pending: int = 0  # committed events not integrated yet
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_entry(self) -> Problem | None:
        """The problem naming the lowest leaf index (the first entry that differs)."""
        # A problem naming an event is exact; a checkpoint that disagrees only bounds where the change is.
        exact = [p for p in self.problems if p.event_id is not None]
        named = exact or [p for p in self.problems if p.leaf_index is not None]
        return min(named, key=lambda p: p.leaf_index) if named else None  # type: ignore[arg-type,return-value]


class _Levels:
    """The rebuilt tree, one bytearray of concatenated hashes per level."""

    def __init__(self, leaves: bytearray) -> None:
        self.levels = [leaves]
        while len(self.levels[-1]) > HASH_SIZE:
            below, above = self.levels[-1], bytearray()
            for i in range(0, len(below) - HASH_SIZE, 2 * HASH_SIZE):
                above += node_hash(bytes(below[i:i + HASH_SIZE]), bytes(below[i + HASH_SIZE:i + 2 * HASH_SIZE]))
            self.levels.append(above)

    def subtree(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * HASH_SIZE:(index + 1) * HASH_SIZE])


def verify(session: Session, *, verifier: Verifier, trusted: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> Report:
    report = Report()
    leaves = bytearray()
    expected = 0
    total = store.tree_size(session)
    for row in store.stream_leaves(session):
        leaf_index, stored, event_id = int(row[0]), bytes(row[1]), int(row[2])
        if leaf_index != expected:
            report.problems.append(Problem(f"leaf indexes {expected}…{leaf_index - 1} are missing from the "
                                           "sequence", leaf_index=expected))
            leaves += bytes(HASH_SIZE) * (leaf_index - expected)
            expected = leaf_index
        if row.id is None:
            report.problems.append(Problem(f"entry {leaf_index}: event {event_id} has been deleted",
                                           leaf_index, event_id))
            recomputed = bytes(HASH_SIZE)
        else:
            recomputed = event_leaf_hash(row)
            if recomputed != stored:
                report.problems.append(Problem(f"entry {leaf_index}: event {event_id} is not what was logged "
                                               "(its leaf hash differs from the stored one)", leaf_index, event_id))
        leaves += recomputed
        expected += 1
        if progress is not None and expected % 1000 == 0:
            progress(expected, total)
    if progress is not None:
        progress(expected, total)
    report.size = expected
    tree = _Levels(leaves)
    _check_stored_hashes(session, tree, report)
    _check_checkpoints(session, tree, verifier, report)
    if trusted is not None:
        _check_trusted(trusted, tree, verifier, report)
    report.pending = store.count_unintegrated(session)
    return report


def _check_stored_hashes(session: Session, tree: _Levels, report: Report) -> None:
    for level in store.stored_levels(session):
        have = tree.levels[level] if level < len(tree.levels) else bytearray()
        for idx, stored in store.stream_level(session, level):
            rebuilt = bytes(have[idx * HASH_SIZE:(idx + 1) * HASH_SIZE])
            if rebuilt != stored:
                first = idx << level
                if (idx + 1) << level > report.size:
                    first = report.size  # a subtree reaching beyond the end: the first missing entry
                report.problems.append(Problem(
                    f"stored tree hash at level {level}, index {idx} (tile {level // 8}/{(idx >> 8)}, entries "
                    f"{first}…{first + (1 << level) - 1}) differs from the one rebuilt from the events",
                    leaf_index=first))
                break  # one per level is enough to name the place


def _check_checkpoints(session: Session, tree: _Levels, verifier: Verifier, report: Report) -> None:
    previous: tuple[int, bytes] | None = None
    for row in store.checkpoints(session):
        report.checkpoints += 1
        size = int(row.tree_size)
        try:
            note, _ = verify_note(row.note, [verifier])
            signed = parse_checkpoint(note.text)
        except NoteError as exc:
            report.problems.append(Problem(f"checkpoint of size {size}: {exc}"))
            continue
        if signed.size != size or signed.root != bytes(row.root_hash) or signed.origin != verifier.name:
            report.problems.append(Problem(f"checkpoint of size {size}: its row differs from its signed note"))
            continue
        if size > report.size:
            report.problems.append(Problem(
                f"checkpoint of size {size} covers entries {report.size}…{size - 1}, which the log no longer "
                "holds (truncated)", leaf_index=report.size))
            continue
        if tree_root(tree.subtree, size) != signed.root:
            low = previous[0] if previous else 0
            report.problems.append(Problem(
                f"checkpoint of size {size}: the rebuilt root differs from the signed one; an entry between "
                f"{low} and {size - 1} was changed", leaf_index=low))
            continue
        if previous is not None:
            proof = consistency_proof(tree.subtree, previous[0], size)
            if not verify_consistency(previous[0], size, previous[1], signed.root, proof):
                report.problems.append(Problem(f"checkpoint of size {size} is not consistent with the one of "
                                               f"size {previous[0]}", leaf_index=previous[0]))
        previous = (size, signed.root)


def _check_trusted(text: str, tree: _Levels, verifier: Verifier, report: Report) -> None:
    try:
        note, _ = verify_note(text, [verifier])
        trusted = parse_checkpoint(note.text)
    except NoteError as exc:
        report.problems.append(Problem(f"the trusted checkpoint cannot be used: {exc}"))
        return
    if trusted.size > report.size:
        report.problems.append(Problem(
            f"the trusted checkpoint (size {trusted.size}) covers entries {report.size}…{trusted.size - 1}, which "
            "the log no longer holds", leaf_index=report.size))
        return
    current = tree_root(tree.subtree, report.size)
    proof = consistency_proof(tree.subtree, trusted.size, report.size)
    if not verify_consistency(trusted.size, report.size, trusted.root, current, proof):
        report.problems.append(Problem(f"the log is not consistent with the trusted checkpoint of size "
                                       f"{trusted.size}: an entry below {trusted.size} was changed",
                                       leaf_index=0))
