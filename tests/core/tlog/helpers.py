"""Shared by the audit-log tests: record events, integrate, and switch off the append-only triggers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.tlog import service
from telreg.runtime import Runtime

TABLES = ("audit_events", "audit_tlog_leaves", "audit_tlog_hashes", "audit_checkpoints", "audit_cosignatures")


def record(runtime: Runtime, n: int = 1, *, key: str = "21234567", **extra: object) -> list[int]:
    ids = []
    with unit_of_work(runtime.session_factory) as session:
        for i in range(n):
            ids.append(audit.record(session, clock=runtime.clock, actor="ivr", action=f"registered-{i}",
                                    subject_type="number", subject_key=key,
                                    details={"channel": "ivr", "n": i, "name": "陳大文"}, **extra).id)
    return ids


def checkpoint(runtime: Runtime) -> int:
    done = service.run_integrator(runtime, wait=True, full_scan=True)
    assert done is not None
    return done.size


@contextmanager
def triggers_dropped(engine: Engine) -> Iterator[None]:
    """The attacker's first move. PostgreSQL's database outlives the test, so the triggers come back after."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for table in TABLES:
            if postgres:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            else:
                for verb in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))
    try:
        yield
    finally:
        if postgres:
            with engine.begin() as conn:
                for table in TABLES:
                    conn.execute(text(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                      f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"))
