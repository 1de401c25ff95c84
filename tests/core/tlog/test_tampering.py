"""An attacker with write access to the database (triggers dropped) edits, deletes, reorders and inserts events,
edits stored hashes, truncates the tree: `telreg audit verify` fails and names the first entry that differs."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from telreg.runtime import Runtime

from .helpers import checkpoint, record, triggers_dropped


def _verify(cli, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    code, out, _ = cli("audit", "verify", "--json", *args)
    return code, json.loads(out)


def _setup(runtime: Runtime) -> list[int]:
    ids = record(runtime, 5)
    checkpoint(runtime)
    ids += record(runtime, 4, key="21234568")
    checkpoint(runtime)
    return ids


def _sql(engine: Engine, statement: str, **params: object) -> None:
    with triggers_dropped(engine), engine.begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_log_verifies(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    _setup(runtime)
    record(runtime, 2)  # not integrated yet: pending, not a failure
    code, report = _verify(cli)
    assert code == 0 and report["ok"] and report["size"] == 9 and report["checkpoints"] == 2
    assert report["pending"] == 2
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "ok: 9 entries, 2 checkpoint(s) verified" in out


def test_an_edited_event_is_named(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(runtime)
    _sql(engine, "UPDATE audit_events SET actor = 'someone-else' WHERE id = :id", id=ids[3])
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"] == {"leaf_index": 3, "event_id": ids[3]}
    code, out, _ = cli("audit", "verify")
    assert code == 1 and f"first entry that differs: leaf index 3, event {ids[3]}" in out


def test_a_deleted_event_is_named(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(runtime)
    _sql(engine, "DELETE FROM audit_events WHERE id = :id", id=ids[6])
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"] == {"leaf_index": 6, "event_id": ids[6]}
    assert any("deleted" in p for p in report["problems"])


def test_two_swapped_events_are_named(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(runtime)
    _sql(engine, "UPDATE audit_events SET action = CASE WHEN id = :a THEN 'registered-7' ELSE 'registered-2' END "
                 "WHERE id IN (:a, :b)", a=ids[2], b=ids[7])
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"] == {"leaf_index": 2, "event_id": ids[2]}


def test_an_event_inserted_into_the_history_is_named(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(runtime)
    # A forged event slipped in at position 4: the attacker re-points leaf 4 to it (and the rest one later would
    # follow; the first one is enough to be caught).
    _sql(engine, "INSERT INTO audit_events (id, occurred_at, actor, action, subject_type, subject_key, details) "
                 "VALUES (:id, '2026-03-02 01:00:00', 'forger', 'deregistered', 'number', '21234567', '{}')",
         id=ids[-1] + 100)
    _sql(engine, "UPDATE audit_tlog_leaves SET event_id = :new WHERE leaf_index = 4", new=ids[-1] + 100)
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"] == {"leaf_index": 4, "event_id": ids[-1] + 100}


def test_an_edited_leaf_hash_is_named(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(runtime)
    with engine.connect() as conn:
        other = conn.execute(text("SELECT leaf_hash FROM audit_tlog_leaves WHERE leaf_index = 0")).scalar_one()
    _sql(engine, "UPDATE audit_tlog_leaves SET leaf_hash = :h WHERE leaf_index = 5", h=other)
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"]["leaf_index"] == 5 and report["first_entry"]["event_id"] == ids[5]


def test_an_edited_tile_hash_is_found(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    _setup(runtime)
    _sql(engine, "UPDATE audit_tlog_hashes SET hash = :h WHERE level = 1 AND idx = 1", h=bytes(32))
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"]["leaf_index"] == 2
    assert any("level 1, index 1" in p for p in report["problems"])


def test_a_truncated_tree_is_found_against_the_stored_checkpoint(runtime: Runtime, engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    _setup(runtime)
    _sql(engine, "DELETE FROM audit_tlog_leaves WHERE leaf_index >= 7")
    code, report = _verify(cli)
    assert code == 1 and report["first_entry"]["leaf_index"] == 7, report["problems"]
    assert any("truncated" in p for p in report["problems"])


def test_a_rewritten_log_fails_against_its_checkpoints_and_a_trusted_copy(runtime: Runtime, engine: Engine, cli,
                                                                          tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from telreg.core.db import unit_of_work
    from telreg.core.models import AuditEvent
    from telreg.core.tlog import store
    from telreg.core.tlog.entries import event_leaf_hash
    from telreg.core.tlog.merkle import memory_subtree

    ids = _setup(runtime)
    with unit_of_work(runtime.session_factory) as session:
        trusted = store.latest_checkpoint(session).note  # type: ignore[union-attr]
    (tmp_path / "trusted.note").write_text(trusted, encoding="utf-8")
    # The careful attacker edits an event and recomputes its leaf and every stored hash above it; then removes
    # the checkpoints that would give it away. Only signatures kept elsewhere remain.
    _sql(engine, "UPDATE audit_events SET actor = 'someone-else' WHERE id = :id", id=ids[1])
    with unit_of_work(runtime.session_factory) as session:
        events = {e.id: e for e in session.scalars(__import__("sqlalchemy").select(AuditEvent))}
        leaves = [event_leaf_hash(events[i]) for i in ids]
    sub = memory_subtree(leaves)
    with triggers_dropped(engine), engine.begin() as conn:
        conn.execute(text("UPDATE audit_tlog_leaves SET leaf_hash = :h WHERE leaf_index = 1"), {"h": leaves[1]})
        for level, idx in ((1, 0), (2, 0), (3, 0)):
            conn.execute(text("UPDATE audit_tlog_hashes SET hash = :h WHERE level = :l AND idx = :i"),
                         {"h": sub(level, idx), "l": level, "i": idx})
    code, report = _verify(cli)
    assert code == 1 and any("rebuilt root differs" in p for p in report["problems"])
    _sql(engine, "DELETE FROM audit_checkpoints")
    assert _verify(cli)[0] == 0  # nothing in the database gives it away any more …
    code, report = _verify(cli, "--from-checkpoint", str(tmp_path / "trusted.note"))
    assert code == 1 and any("trusted checkpoint" in p for p in report["problems"])  # … but the copy does
