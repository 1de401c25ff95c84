"""The porting migration, on SQLite and PostgreSQL: it goes down and up again, and its partial unique index
lets a number have one open request at a time but any number of decided ones."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.realname.porting_models import PortRequest
from telreg.runtime import Runtime
from tests.migrations import load_migration, run_step

from .helpers import ask, registered, reject, two_operators

FILE = "2026-12-06-2010_realname_porting.py"


def test_down_and_up_again(engine: Engine) -> None:
    module = load_migration(FILE)
    assert (module.revision, module.down_revision) == ("a1c0de120002", "a1c0de120001")
    # The partitioning of the real-name tables first: this migration's foreign keys name the plain tables' ids.
    later = [load_migration("2026-12-09-1010_realname_partitions.py")]
    for step in later:
        run_step(engine, step.downgrade)
    run_step(engine, module.downgrade)
    try:
        assert "realname_port_requests" not in inspect(engine).get_table_names()
    finally:
        run_step(engine, module.upgrade)
        for step in reversed(later):
            run_step(engine, step.upgrade)
    indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("realname_port_requests")}
    assert indexes["uq_realname_port_requests_open"]["unique"]


def test_one_open_request_per_number_many_decided(runtime: Runtime, session: Session) -> None:
    two_operators(runtime)
    registered(runtime)
    first = ask(runtime)
    reject(runtime, first["id"])
    second = ask(runtime)  # a decided request does not count
    row = session.get(PortRequest, second["id"])
    assert row is not None
    session.add(PortRequest(**{c.key: getattr(row, c.key) for c in PortRequest.__table__.columns
                               if c.key != "id"}))
    with pytest.raises(IntegrityError):  # a second open one does (the `session` fixture rolls back)
        session.flush()
