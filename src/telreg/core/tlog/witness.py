"""This deployment as a C2SP tlog-witness: cosign another log's checkpoint when it is consistent with the last
one we cosigned for that origin (POST /audit/add-checkpoint).

The check of the old size and the write of the new checkpoint are one atomic step: a conditional UPDATE
``WHERE tree_size = :old AND root_hash = :old_root`` (PostgreSQL re-evaluates it after waiting for a concurrent
writer's row lock; SQLite lets one writer in at a time), or, for a log seen for the first time, an INSERT that
the primary key on origin refuses if another request inserted first. The loser answers 409 with the winner's
size, never a cosignature that would roll the log back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.db import insert_unless_duplicate
from telreg.core.i18n import N_
from telreg.core.tlog.errors import (
    WitnessBadRequest,
    WitnessBadSignature,
    WitnessInconsistent,
    WitnessUnknownLog,
)
from telreg.core.tlog.keys import witness_signer, witnessed_logs
from telreg.core.tlog.merkle import EMPTY_ROOT, HASH_SIZE
from telreg.core.tlog.models import WitnessedLog
from telreg.core.tlog.note import NoteError, parse_checkpoint, parse_note, unb64, verify_note
from telreg.core.tlog.proofs import verify_consistency

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Cosigned:
    lines: str  # one or more signature lines, each ending in \n


@dataclass(frozen=True)
class SizeConflict:
    latest_size: int  # answered as 409, text/x.tlog.size


def parse_request(body: str) -> tuple[int, list[bytes], str]:
    """(old size, consistency proof, checkpoint note) of an add-checkpoint body; 400 when malformed."""
    if len(body) > MAX_BODY:
        raise WitnessBadRequest(N_("The request is larger than %(limit)s bytes."), limit=MAX_BODY)
    head, sep, note = body.partition("\n\n")
    lines = head.split("\n")
    old_text = lines[0]
    if not sep or not old_text.startswith("old ") or not _decimal(old_text[4:]):
        raise WitnessBadRequest(N_("The request must start with an 'old <size>' line and end with a "
                                   "checkpoint after a blank line."))
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessBadRequest(N_("A consistency proof has at most %(limit)s lines."), limit=MAX_PROOF_LINES)
    proof = []
    for line in lines[1:]:
        try:
            h = unb64(line, what="proof hash")
        except NoteError:
            h = b""
        if len(h) != HASH_SIZE:
            raise WitnessBadRequest(N_("A consistency proof line is not a base64 SHA-256 hash."))
        proof.append(h)
    return int(old_text[4:]), proof, note


def _decimal(text: str) -> bool:
    return text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))


def add_checkpoint(session: Session, *, settings: Settings, clock: Clock, body: str) -> Cosigned | SizeConflict:
    old, proof, note_text = parse_request(body)
    try:
        note = parse_note(note_text)
        checkpoint = parse_checkpoint(note.text)
    except NoteError as exc:
        raise WitnessBadRequest(N_("The checkpoint is malformed: %(problem)s."), problem=str(exc)) from None
    verifier = witnessed_logs(settings).get(checkpoint.origin)
    if verifier is None:
        raise WitnessUnknownLog(N_("This witness does not witness the log %(origin)s."), origin=checkpoint.origin)
    try:
        verify_note(note, [verifier])
    except NoteError as exc:
        raise WitnessBadSignature(N_("The checkpoint's signature cannot be verified: %(problem)s."),
                                  problem=str(exc)) from None
    if old > checkpoint.size:
        raise WitnessBadRequest(N_("The old size %(old)s is larger than the checkpoint's size %(size)s."),
                                old=old, size=checkpoint.size)
    if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
        raise WitnessInconsistent(N_("A checkpoint of size 0 must have the root of the empty tree."))
    current = session.get(WitnessedLog, checkpoint.origin, populate_existing=True)
    current_size = current.tree_size if current is not None else 0
    if old != current_size:
        return SizeConflict(current_size)
    old_root = bytes(current.root_hash) if current is not None else EMPTY_ROOT
    if not verify_consistency(old, checkpoint.size, old_root, checkpoint.root, proof):
        raise WitnessInconsistent(N_("The consistency proof from size %(old)s to %(size)s does not verify."),
                                  old=old, size=checkpoint.size)
    now = clock.now()
    if current is None:
        row = WitnessedLog(origin=checkpoint.origin, tree_size=checkpoint.size, root_hash=checkpoint.root,
                           note=note_text, cosigned_count=1, updated_at=now)
        if insert_unless_duplicate(session, row) is None:
            return _conflict(session, checkpoint.origin)
    else:
        result = session.execute(
            update(WitnessedLog)
            .where(WitnessedLog.origin == checkpoint.origin, WitnessedLog.tree_size == old,
                   WitnessedLog.root_hash == old_root)
            .values(tree_size=checkpoint.size, root_hash=checkpoint.root, note=note_text,
                    cosigned_count=WitnessedLog.cosigned_count + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            return _conflict(session, checkpoint.origin)
    timestamp = max(1, int(now.timestamp()))
    return Cosigned(witness_signer(settings).sign_line(note.text, timestamp=timestamp))


def _conflict(session: Session, origin: str) -> SizeConflict:
    latest = session.get(WitnessedLog, origin, populate_existing=True)
    return SizeConflict(latest.tree_size if latest is not None else 0)


def latest_witnessed(session: Session, origin: str) -> WitnessedLog | None:
    return session.get(WitnessedLog, origin)
