"""The migration that makes instructions unique copes with a database already holding duplicates.

The test runs the migration's own downgrade (back to the old, non-unique index), writes rows twice as the old
code could, and runs its upgrade: the copies go (the first recorded of each stays), distinct instructions all
stay. Only this migration's functions run, so later migrations (other contexts') play no part.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from telreg.core.db import unit_of_work
from telreg.senders.lists.models import SenderInstruction
from tests.migrations import load_migration, run_step

T = dt.datetime(2026, 2, 1, 1, 0, tzinfo=dt.UTC)


def _row(account_id: int, **changes: object) -> dict[str, object]:
    row = {"account_id": account_id, "client_ref": "", "register": "sms", "number": "91234567",
           "instruction": "consent", "given_at": T, "how": "web-form", "reference": None,
           "recorded_at": T + dt.timedelta(days=1), "recorded_by": "first"}
    return {**row, **changes}


def test_existing_duplicates_are_removed_keeping_the_first_recorded(runtime, engine, account_id):
    migration = load_migration("2026-11-27-1900_instruction_dedup.py")
    assert migration.down_revision == "b7d2f4a81c63"
    table = SenderInstruction.__table__
    run_step(engine, migration.downgrade)
    upgraded = False
    try:
        rows = [
            _row(account_id),                                                      # kept
            _row(account_id, recorded_by="second", recorded_at=T + dt.timedelta(days=2)),  # copy of the 1st
            _row(account_id, reference="F-1"),                                     # kept: another reference
            _row(account_id, reference="F-1", recorded_by="again"),                # a copy of the third
            _row(account_id, reference=None, recorded_by="third"),                 # a copy of the 1st
            _row(account_id, client_ref="ACME"),                                   # kept: another list
            _row(account_id, how="call"),                                          # kept: another how
            _row(account_id, instruction="unsubscribe"),                           # kept: another kind
        ]
        with unit_of_work(runtime.session_factory) as session:
            ids = [session.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()
                   for row in rows]
        run_step(engine, migration.upgrade)
        upgraded = True
    finally:
        if not upgraded:  # leave the shared test database as every other test expects it
            with engine.begin() as connection:
                connection.execute(delete(table))
            run_step(engine, migration.upgrade)
    with unit_of_work(runtime.read_session_factory) as session:
        kept = session.execute(select(table.c.id, table.c.recorded_by).order_by(table.c.id)).all()
    assert kept == [(ids[i], "first") for i in (0, 2, 5, 6, 7)]
    # And from now on the index refuses a copy outright.
    with pytest.raises(IntegrityError), unit_of_work(runtime.session_factory) as session:
        session.execute(insert(table).values(**_row(account_id, recorded_by="late copy")))
