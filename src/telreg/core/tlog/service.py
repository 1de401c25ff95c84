"""The audit log's use cases: integrate and sign, ask witnesses, publish, prove, serve tiles."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.db import unit_of_work
from telreg.core.i18n import N_
from telreg.core.tlog import store
from telreg.core.tlog.entries import event_leaf_hash, leaf_data
from telreg.core.tlog.errors import AuditEntryNotFound, AuditKeyRefused, TileNotFound
from telreg.core.tlog.integrator import FULL_SCAN_EVERY, Integrated, integrate
from telreg.core.tlog.keys import log_signer, witnesses
from telreg.core.tlog.merkle import consistency_proof, inclusion_proof, tree_root
from telreg.core.tlog.models import AuditCheckpoint, AuditCosignature
from telreg.core.tlog.note import NoteError, b64, verify_note

if TYPE_CHECKING:
    from telreg.runtime import Runtime

log = logging.getLogger("telreg.audit")
TILE_WIDTH = 256
HTTP_CLIENT = "audit_http_client"  # runtime.extras key: an httpx.Client for talking to witnesses (tests inject)


def run_integrator(runtime: Runtime, *, wait: bool = True, full_scan: bool = False) -> Integrated | None:
    """Integrate and sign in one transaction, then ask the witnesses to cosign (outside it)."""
    signer = log_signer(runtime.settings)
    with unit_of_work(runtime.session_factory) as session:
        done = integrate(session, clock=runtime.clock, signer=signer, origin=runtime.settings.audit_log_origin,
                         wait=wait, full_scan=full_scan)
    if done is not None and witnesses(runtime.settings):
        ask_witnesses(runtime)
    return done


def scheduled_run(runtime: Runtime) -> Integrated | None:
    """The worker's recurring call: at most once per audit_checkpoint_interval_seconds, never waiting for
    another integrator, with a full scan now and then."""
    now = time.monotonic()  # an operational interval, not business time (a frozen test clock must not stop it)
    last = runtime.extras.get("audit_last_run")
    if isinstance(last, float) and now - last < runtime.settings.audit_checkpoint_interval_seconds:
        return None
    runtime.extras["audit_last_run"] = now
    runs = int(runtime.extras.get("audit_runs", 0)) + 1  # type: ignore[call-overload]
    runtime.extras["audit_runs"] = runs
    return run_integrator(runtime, wait=False, full_scan=runs % FULL_SCAN_EVERY == 1)


def _http(runtime: Runtime) -> httpx.Client:
    client = runtime.extras.get(HTTP_CLIENT)
    if client is None:
        client = httpx.Client(timeout=10.0)
        runtime.extras[HTTP_CLIENT] = client
    return client  # type: ignore[return-value]


def ask_witnesses(runtime: Runtime) -> int:
    """Ask every configured witness to cosign the latest checkpoint; return how many new cosignatures arrived."""
    added = 0
    for url, verifier in witnesses(runtime.settings):
        with unit_of_work(runtime.read_session_factory) as session:
            latest = store.latest_checkpoint(session)
            if latest is None or verifier.name in store.cosignatures(session, [latest.id]).get(latest.id, {}):
                continue
            old = store.latest_cosigned_size(session, verifier.name)
            subtree = store.stored_subtree(session)
            line = None
            for _ in range(2):  # once more with the size a 409 names
                proof = consistency_proof(subtree, old, latest.tree_size) if old <= latest.tree_size else []
                body = f"old {old}\n" + "".join(b64(h) + "\n" for h in proof) + "\n" + latest.note
                try:
                    response = _http(runtime).post(f"{url}/add-checkpoint", content=body.encode())
                except httpx.HTTPError as exc:
                    log.warning("witness %s unreachable: %s", url, exc)
                    break
                if response.status_code == 409 and response.headers.get("content-type", "").startswith(
                        "text/x.tlog.size"):
                    old = int(response.text.strip() or 0)
                    if old > latest.tree_size:
                        log.warning("witness %s has seen size %s, beyond our %s", url, old, latest.tree_size)
                        break
                    continue
                if response.status_code != 200:
                    log.warning("witness %s refused checkpoint %s: %s %s", url, latest.tree_size,
                                response.status_code, response.text[:200])
                    break
                line = _verified_cosignature(latest, response.text, verifier)
                break
        if line is not None:
            with unit_of_work(runtime.session_factory) as session:
                session.add(AuditCosignature(checkpoint_id=latest.id, witness=verifier.name, line=line,
                                             created_at=runtime.clock.now()))
            added += 1
    return added


def _verified_cosignature(checkpoint: AuditCheckpoint, lines: str, verifier: Any) -> str | None:
    text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
    try:
        _, good = verify_note(text + "\n" + lines, [verifier])
    except NoteError as exc:
        log.warning("witness %s sent a cosignature that does not verify: %s", verifier.name, exc)
        return None
    return good[0].line


def published(session: Session, settings: Settings) -> tuple[AuditCheckpoint, list[str]] | None:
    """The newest checkpoint every configured witness cosigned (the newest one when none is configured), with
    the cosignature lines."""
    required = {verifier.name for _, verifier in witnesses(settings)}
    recent = store.recent_checkpoints(session, limit=100)
    cosigs = store.cosignatures(session, [c.id for c in recent])
    for checkpoint in recent:
        have = cosigs.get(checkpoint.id, {})
        if required <= set(have):
            return checkpoint, [have[name] for name in sorted(required)]
    return None


def published_note(session: Session, settings: Settings) -> str:
    found = published(session, settings)
    if found is None:
        raise TileNotFound(N_("No checkpoint of the audit log has been published yet."))
    checkpoint, lines = found
    return checkpoint.note + "".join(lines)


@dataclass(frozen=True)
class InclusionProof:
    event_id: int
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes
    checkpoint: str


def prove(session: Session, *, event_id: int) -> InclusionProof:
    """An inclusion proof of the event in the tree of the latest checkpoint."""
    leaf = store.leaf_of_event(session, event_id)
    checkpoint = store.latest_checkpoint(session)
    if leaf is None or checkpoint is None or leaf.leaf_index >= checkpoint.tree_size:
        raise AuditEntryNotFound(N_("Audit event %(event_id)s is not covered by a checkpoint yet."),
                                 event_id=event_id)
    subtree = store.stored_subtree(session)
    size = int(checkpoint.tree_size)
    return InclusionProof(event_id, int(leaf.leaf_index), size, bytes(leaf.leaf_hash),
                          inclusion_proof(subtree, int(leaf.leaf_index), size), tree_root(subtree, size),
                          checkpoint.note)


def _tile_range(session: Session, settings: Settings, level: int, index: int, width: int | None) -> int:
    found = published(session, settings)
    size = int(found[0].tree_size) if found else 0
    w = TILE_WIDTH if width is None else width
    if not 0 <= level <= 63 or not 1 <= w <= TILE_WIDTH or (index * TILE_WIDTH + w) * TILE_WIDTH ** level > size:
        raise TileNotFound(N_("There is no such tile in the published tree."))
    return w


def tile(session: Session, settings: Settings, *, level: int, index: int, width: int | None) -> bytes:
    w = _tile_range(session, settings, level, index, width)
    hashes = store.level_hashes(session, 8 * level, index * TILE_WIDTH, w)
    if len(hashes) != w:
        raise TileNotFound(N_("There is no such tile in the published tree."))
    return b"".join(hashes)


def entry_bundle(session: Session, settings: Settings, *, index: int, width: int | None) -> bytes:
    w = _tile_range(session, settings, 0, index, width)
    out = bytearray()
    for row in store.entries(session, index * TILE_WIDTH, w):
        if row.id is None:
            raise AuditEntryNotFound(N_("Entry %(index)s of the audit log has lost its event."), index=row[0])
        data = leaf_data(row)
        if len(data) > 0xFFFF:
            raise AuditEntryNotFound(N_("Entry %(index)s of the audit log is too large for an entry bundle."),
                                     index=row[0])
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


def uncovered(session: Session, settings: Settings, events: list[Any]) -> set[int]:
    """The ids of EVENTS (rows a page already holds) not covered by a verified checkpoint: not integrated yet,
    beyond the latest checkpoint whose signature verifies, or whose recomputed leaf hash differs from the
    stored one. One query for the leaves and one for the checkpoint, whatever the number of events."""
    if not events:
        return set()
    checkpoint = store.latest_checkpoint(session)
    size = 0
    if checkpoint is not None:
        try:
            verify_note(checkpoint.note, [log_signer(settings).verifier])
            size = int(checkpoint.tree_size)
        except (NoteError, AuditKeyRefused):
            size = 0
    leaves = store.leaves_of_events(session, [e.id for e in events])
    bad = set()
    for event in events:
        leaf = leaves.get(event.id)
        if leaf is None or leaf[0] >= size or event_leaf_hash(event) != leaf[1]:
            bad.add(event.id)
    return bad
