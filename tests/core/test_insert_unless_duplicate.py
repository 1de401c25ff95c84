"""core.db.insert_unless_duplicate: one INSERT … ON CONFLICT DO NOTHING RETURNING, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.db import insert_unless_duplicate
from telreg.realname.models import Operator

AT = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_a_new_row_comes_back_persistent_with_its_generated_id(session: Session) -> None:
    stored = insert_unless_duplicate(session, Operator(code="op1", name="Harbour Mobile", created_at=AT))

    assert stored is not None and stored.id is not None
    assert stored in session and stored.name == "Harbour Mobile" and stored.created_at == AT
    assert session.get(Operator, stored.id) is stored


def test_a_duplicate_key_gives_none_and_the_transaction_goes_on(session: Session) -> None:
    first = insert_unless_duplicate(session, Operator(code="op1", name="Harbour Mobile", created_at=AT))
    again = insert_unless_duplicate(session, Operator(code="op1", name="Someone else", created_at=AT))
    other = insert_unless_duplicate(session, Operator(code="op2", name="Peak Telecom", created_at=AT))

    assert first is not None and again is None and other is not None
    session.commit()  # the refused insert did not poison the transaction
    names = dict(session.execute(select(Operator.code, Operator.name)).all())
    assert names == {"op1": "Harbour Mobile", "op2": "Peak Telecom"}
    assert session.scalar(select(func.count()).select_from(Operator)) == 2
