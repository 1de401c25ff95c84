"""The integrator: committed events get leaf indexes in id order, the tree matches an in-memory one, checkpoints
are signed, and an event committed late (PostgreSQL) is taken by the next run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.core.tlog import store
from telreg.core.tlog.entries import event_leaf_hash, leaf_data
from telreg.core.tlog.integrator import integrate
from telreg.core.tlog.keys import log_signer
from telreg.core.tlog.merkle import EMPTY_ROOT, inclusion_proof, root_of, tree_root
from telreg.core.tlog.models import AuditCheckpoint, AuditLeaf
from telreg.core.tlog.note import parse_checkpoint, verify_note
from telreg.core.tlog.proofs import verify_inclusion
from telreg.runtime import Runtime

from .helpers import checkpoint, record


def test_leaf_data_is_canonical_json(runtime: Runtime) -> None:
    [event_id] = record(runtime)
    with unit_of_work(runtime.session_factory) as session:
        data = leaf_data(session.get(AuditEvent, event_id))
    assert data == (b'{"action":"registered-0","actor":"ivr","details":{"channel":"ivr","n":0,"name":'
                    b'"\\u9673\\u5927\\u6587"},"id":%d,"occurred_at":"2026-03-02T02:00:00.000000+00:00",'
                    b'"register":null,"subject_key":"21234567","subject_type":"number","v":1}' % event_id)


def test_an_empty_log_gets_a_signed_checkpoint_of_size_zero(runtime: Runtime) -> None:
    assert checkpoint(runtime) == 0
    with unit_of_work(runtime.session_factory) as session:
        [row] = store.checkpoints(session)
    note, _ = verify_note(row.note, [log_signer(runtime.settings).verifier])
    assert parse_checkpoint(note.text).root == EMPTY_ROOT


def test_integrated_events_form_the_rfc6962_tree_and_each_is_provable(runtime: Runtime) -> None:
    ids = record(runtime, 7)
    assert checkpoint(runtime) == 7
    ids += record(runtime, 6, key="21234568")
    assert checkpoint(runtime) == 13
    assert checkpoint(runtime) == 13  # nothing new: no new checkpoint
    with unit_of_work(runtime.session_factory) as session:
        events = {e.id: e for e in session.scalars(select(AuditEvent))}
        leaves = list(session.scalars(select(AuditLeaf).order_by(AuditLeaf.leaf_index)))
        assert [leaf.event_id for leaf in leaves] == ids
        expected = [event_leaf_hash(events[i]) for i in ids]
        assert [bytes(leaf.leaf_hash) for leaf in leaves] == expected
        sub = store.stored_subtree(session)
        assert tree_root(sub, 13) == root_of(expected)
        sizes = [(c.tree_size, bytes(c.root_hash)) for c in store.checkpoints(session)]
        assert sizes == [(7, root_of(expected[:7])), (13, root_of(expected))]
        for i in range(13):
            assert verify_inclusion(i, 13, expected[i], inclusion_proof(sub, i, 13), root_of(expected))


def test_a_limit_integrates_part_of_the_backlog(runtime: Runtime) -> None:
    record(runtime, 5)
    with unit_of_work(runtime.session_factory) as session:
        done = integrate(session, clock=runtime.clock, signer=log_signer(runtime.settings),
                         origin=runtime.settings.audit_log_origin, limit=3)
    assert done is not None and (done.old_size, done.size) == (0, 3)
    assert checkpoint(runtime) == 5


# PostgreSQL only: SQLite commits in id order (one writer at a time)
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_event_committed_after_a_higher_id_is_integrated_next(runtime: Runtime, backend: str) -> None:
    slow = runtime.session_factory()
    try:
        early = audit.record(slow, clock=runtime.clock, actor="ivr", action="slow", subject_type="number",
                             subject_key="21234567")
        slow.flush()
        [late] = record(runtime)
        assert early.id < late
        assert checkpoint(runtime) == 1  # only the committed one
        slow.commit()
    finally:
        slow.close()
    assert checkpoint(runtime) == 2
    with unit_of_work(runtime.session_factory) as session:
        order = [leaf.event_id for leaf in session.scalars(select(AuditLeaf).order_by(AuditLeaf.leaf_index))]
        assert order == [late, early.id]
        assert session.scalar(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.id.desc())) == 2


def test_a_generated_key_is_refused_in_production(settings) -> None:  # type: ignore[no-untyped-def]
    from telreg.config import Environment
    from telreg.core.tlog.errors import AuditKeyRefused

    production = settings.model_copy(update={"env": Environment.production})
    with pytest.raises(AuditKeyRefused, match="TELREG_AUDIT_LOG_KEY_FILE"):
        log_signer(production)


def test_the_development_key_file_is_private(runtime: Runtime) -> None:
    import stat

    log_signer(runtime.settings)
    path = runtime.settings.data_dir / "audit_log.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+telreg.localhost/audit+")


def test_the_worker_integrates_on_its_schedule(runtime: Runtime) -> None:
    from telreg.core import jobs

    runtime.settings = runtime.settings.model_copy(update={"audit_checkpoint_interval_seconds": 3600})
    record(runtime, 4)
    jobs.run_worker(runtime, once=True, schedules=True)
    with unit_of_work(runtime.session_factory) as session:
        assert store.tree_size(session) == 4 and store.latest_checkpoint(session).tree_size == 4  # type: ignore[union-attr]
    record(runtime, 1)
    jobs.run_worker(runtime, once=True, schedules=True)  # within the interval: no second run yet
    with unit_of_work(runtime.session_factory) as session:
        assert store.tree_size(session) == 4


def test_audit_checkpoint_on_demand(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    record(runtime, 2)
    code, out, _ = cli("audit", "checkpoint")
    assert code == 0 and "integrated 2 event(s); tree size 2" in out and "telreg.localhost/audit\n2\n" in out
    code, out, _ = cli("audit", "prove", "1", "--json")
    import json

    proof = json.loads(out)
    assert code == 0 and proof["leaf_index"] == 0 and proof["tree_size"] == 2 and len(proof["path"]) == 1
    code, _, err = cli("audit", "prove", "99")
    assert code == 1 and "not covered by a checkpoint" in err


def test_production_workers_refuse_to_start_without_the_audit_log_key(runtime, cli) -> None:  # type: ignore[no-untyped-def]
    """Not a warning a second from the worker's loop: the process stops at once, naming the setting."""
    from telreg.config import Environment

    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})
    code, out, err = cli("worker", "--once")
    assert code == 1 and "TELREG_AUDIT_LOG_KEY_FILE" in err + out and "ran " not in out
