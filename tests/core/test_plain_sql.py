"""core/plain_sql.py: which database URLs the bare driver reads (the rest go through the engine), and the SQL it
sends psycopg. Reading real databases is tested in tests/dnc/test_status_core.py on both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from telreg.core.plain_sql import Reading, open_reader


def test_psycopg_gets_pyformat_parameters_and_literal_percent_signs() -> None:
    reading = Reading("SELECT a::date, '5%' FROM t WHERE x = :number AND y = :day", (("a", "date"), ("b", "text")))
    assert reading.pyformat == "SELECT a::date, '5%%' FROM t WHERE x = %(number)s AND y = %(day)s"


def test_rows_carry_the_columns_by_name() -> None:
    row = Reading("SELECT 1", (("register", "text"), ("registration_date", "date"))).row("fax", None)
    assert (row.register, row.registration_date) == ("fax", None)


def test_only_what_it_reads_as_the_engine_does(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    assert open_reader(f"sqlite:///{missing}") is None  # the engine creates it (private): left to the engine
    assert not missing.exists()
    assert open_reader("sqlite://") is None and open_reader("sqlite:///:memory:") is None
    assert open_reader("postgresql+psycopg2://u@h/db") is None and open_reader("mysql://u@h/db") is None
    present = tmp_path / "t.sqlite3"
    present.write_bytes(b"")
    reader = open_reader(f"sqlite:///{present}")
    assert reader is not None
    with reader:
        assert reader.rows(Reading("SELECT 'x' AS a, '2026-03-02' AS d", (("a", "text"), ("d", "date")))) == [
            ("x", dt.date(2026, 3, 2))]
