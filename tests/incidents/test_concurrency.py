"""Two incidents opened at the same moment on PostgreSQL get distinct references: the second waits on the
unique reference the first holds, loses, and takes the next number in its own transaction (a savepoint)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.incidents import service
from telreg.runtime import Runtime
from tests.incidents.helpers import REGULATOR, open_as, people, staff

POSTGRES_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])


@POSTGRES_ONLY
def test_two_concurrent_opens_take_distinct_references(runtime: Runtime) -> None:
    people(runtime)
    staff(runtime, "reg.lam", ("regulator",))
    first = runtime.session_factory()
    try:
        now = runtime.clock.now()
        window = service.Window(now.replace(hour=8), now)
        held = service.open_incident(first, runtime=runtime, user=get_user(first, REGULATOR), title="First",
                                     category="leak", description="", window=window)
        assert held.reference == "INC-2026-0001"  # inserted, not committed: the number is held
        answers: dict[str, Any] = {}

        def second() -> None:
            try:
                answers["reference"] = open_as(runtime, "reg.lam", title="Second", window=window)
            except Exception as exc:  # noqa: BLE001 - reported to the main thread
                answers["error"] = exc

        thread = threading.Thread(target=second)
        thread.start()
        with runtime.engine.connect() as watch:  # wait until the second insert waits on the first's row
            for _ in range(2000):
                waiting = watch.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                             "AND datname = current_database()")).scalar()
                if waiting or not thread.is_alive():
                    break
                watch.rollback()
                threading.Event().wait(0.01)
        first.commit()
        thread.join(timeout=60)
    finally:
        first.close()
    assert "error" not in answers, answers
    assert answers["reference"] == "INC-2026-0002"
    with unit_of_work(runtime.session_factory) as session:
        listed = service.list_incidents(session, user=get_user(session, REGULATOR))
        assert sorted(row.reference for row in listed) == ["INC-2026-0001", "INC-2026-0002"]
