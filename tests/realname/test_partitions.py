"""The real-name tables partitioned by operator on PostgreSQL (migration c18b00000001, docs/scaling.md).

Numbers, registrations and quota counters are ``PARTITION BY HASH (operator_id)``: rows land in their operator's
partition, a look-up by operator reads one partition, the one-current-registration rule and a number's
uniqueness across operators hold under concurrent writers (a port moves the row between partitions; the
trigger-kept realname_number_keys keeps the number unique), and the migration goes down to plain tables and up
again with the rows kept. PostgreSQL only: SQLite has no partitioning and keeps the plain schema.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from telreg.realname import repository
from telreg.realname.models import PARTITIONED_BY_OPERATOR
from telreg.runtime import Runtime
from tests.migrations import load_migration, run_step, schema_differences
from tests.realname.porting.helpers import ask, confirm, registered, two_operators
from tests.realname.registration.helpers import hkid, make_operator, person, request, submit
from tests.realname.registration.test_concurrency import _race

MIGRATION = "2026-12-09-1010_realname_partitions.py"
PARTITIONS = 8
REFERRING = {"realname_registrations", "realname_lifecycle_events", "realname_lookup_challenges", "realname_flags",
             "realname_port_requests", "la_task_records"}


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _operator_id(engine: Engine, code: str) -> int:
    return int(_scalar(engine, "SELECT id FROM realname_operators WHERE code = :code", code=code))


def _partition_of(engine: Engine, table: str, operator_id: int) -> str:
    """The partition of TABLE that PostgreSQL's hash puts OPERATOR_ID in (its own partition constraint)."""
    return str(_scalar(engine, f"""
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '{table}'::regclass
          AND satisfies_hash_partition('{table}'::regclass, {PARTITIONS},
                                       substring(pg_get_expr(c.relpartbound, c.oid)
                                                 FROM 'remainder ([0-9]+)')::int, CAST(:op AS integer))""", op=operator_id))


def _insert_number(conn: Connection, *, operator_id: int, number: str) -> int:
    return int(conn.execute(text("""
        INSERT INTO realname_numbers (operator_id, number, service, line, state, legacy, created_at, state_changed_at)
        VALUES (:op, :number, 'prepaid', 'mobile', 'unregistered', false, now(), now()) RETURNING id"""),
        {"op": operator_id, "number": number}).scalar_one())


def _partitioned(engine: Engine) -> dict[str, tuple[str, int]]:
    """Each partitioned table: (strategy and key column, number of partitions)."""
    rows = _rows(engine, """
        SELECT p.partrelid::regclass::text, p.partstrat::text || ':' || a.attname,
               (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = p.partrelid)
        FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]""")
    return {name: (key, int(count)) for name, key, count in rows}


def _keys_mirror_numbers(conn: Connection) -> bool:
    """realname_number_keys holds exactly (id, number, ICCID, operator) of every number."""
    columns = "id, number, iccid, operator_id"
    diff = conn.execute(text(f"""
        (SELECT {columns} FROM realname_numbers EXCEPT SELECT {columns} FROM realname_number_keys)
        UNION ALL
        (SELECT {columns} FROM realname_number_keys EXCEPT SELECT {columns} FROM realname_numbers)""")).all()
    return not diff


def test_the_per_operator_tables_are_hash_partitioned_by_operator(engine: Engine) -> None:
    expected = {table: ("h:operator_id", PARTITIONS) for table in PARTITIONED_BY_OPERATOR}
    assert {t: v for t, v in _partitioned(engine).items() if t.startswith("realname_")} == expected
    # Identities span operators: one table (docs/scaling.md says how they distribute).
    assert "realname_identities" not in _partitioned(engine)


def test_rows_land_in_the_partition_of_their_operator(runtime: Runtime, engine: Engine) -> None:
    for code in ("op1", "op2", "op3"):
        make_operator(runtime, code, f"Operator {code}")
    for i, code in enumerate(("op1", "op2", "op3", "op1", "op2")):
        outcome = submit(runtime, request(f"5123456{i}", person(f"HOLDER {i}", number=hkid("B", f"{i}23456")),
                                          operator=code))
        assert outcome["status"] == "registered", outcome
    for table in PARTITIONED_BY_OPERATOR:
        held = _rows(engine, f"SELECT operator_id, tableoid::regclass::text FROM {table}")
        assert held, table
        for operator_id, partition in held:
            assert partition == _partition_of(engine, table, operator_id), (table, operator_id)
    by_operator = Counter(op for op, _ in _rows(engine, "SELECT operator_id, id FROM realname_registrations"))
    assert by_operator == {_operator_id(engine, "op1"): 2, _operator_id(engine, "op2"): 2,
                           _operator_id(engine, "op3"): 1}


@pytest.mark.parametrize(("table", "where"), [
    ("realname_numbers", "operator_id = {op} AND number = '51234567'"),
    ("realname_numbers", "operator_id = {op} AND state = 'active'"),
    ("realname_registrations", "operator_id = {op} AND number_id = 1 AND ended_at IS NULL"),
    ("realname_quota_counters", "identity_id = 1 AND operator_id = {op} AND service = 'prepaid'"),
])
def test_a_look_up_by_operator_reads_one_partition(runtime: Runtime, engine: Engine, table: str,
                                                   where: str) -> None:
    make_operator(runtime)
    op = _operator_id(engine, "op1")
    [plan] = _scalar(engine, f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE {where.format(op=op)}")

    def relations(node: dict[str, Any]) -> list[str]:
        return ([node["Relation Name"]] if "Relation Name" in node else []) + [
            name for child in node.get("Plans", []) for name in relations(child)]

    assert relations(plan["Plan"]) == [_partition_of(engine, table, op)]
    # Without the operator every partition is read (the number view's look-up by number alone probes each).
    [everywhere] = _scalar(engine, f"EXPLAIN (FORMAT JSON) SELECT * FROM {table}")
    assert len(set(relations(everywhere["Plan"]))) == PARTITIONS


def test_two_concurrent_registrations_of_one_number_make_one_current(runtime: Runtime, engine: Engine) -> None:
    make_operator(runtime)
    first = request("51234567", person("CHAN Tai Man"))
    second = request("51234567", person("WONG Siu Ming", number=hkid("B", "123456")))
    results = _race([lambda: submit(runtime, first), lambda: submit(runtime, second)])

    assert sorted(r["status"] for r in results) == ["refused", "registered"], results
    [refused] = [r for r in results if r["status"] == "refused"]
    assert refused["code"] == "number_registered", refused
    assert _scalar(engine, "SELECT count(*) FROM realname_registrations WHERE ended_at IS NULL") == 1


def test_the_current_registration_index_refuses_a_second_current_row(runtime: Runtime, engine: Engine) -> None:
    two_operators(runtime)
    registered(runtime)
    with pytest.raises(IntegrityError, match=r"Key \(number_id, operator_id\)"), engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO realname_registrations (number_id, operator_id, holder_id, capture_method, verified_by,
                checks, quota_service, registered_at, registered_by)
            SELECT number_id, operator_id, holder_id, capture_method, verified_by, checks, quota_service,
                   registered_at, registered_by FROM realname_registrations"""))


def _wait_until_blocked(engine: Engine, marker: str) -> None:
    """Return once the session whose query carries MARKER waits for a lock (it met the other's uncommitted row)."""
    for _ in range(200):
        if _scalar(engine, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database() AND query LIKE :q", q=f"%{marker}%"):
            return
        time.sleep(0.05)
    raise AssertionError("the second writer never waited for the first")


def test_two_operators_cannot_hold_one_number_even_before_the_first_commits(runtime: Runtime,
                                                                            engine: Engine) -> None:
    two_operators(runtime)
    op1, op2 = _operator_id(engine, "op1"), _operator_id(engine, "op2")
    inserted = threading.Event()
    outcome: dict[str, Any] = {}

    def second() -> None:
        inserted.wait(10)
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT 1 /* second-writer */"))
                conn.execute(text("""
                    /* second-writer */ INSERT INTO realname_numbers (operator_id, number, service, line, state,
                        legacy, created_at, state_changed_at)
                    VALUES (:op, '51234567', 'prepaid', 'mobile', 'unregistered', false, now(), now())"""),
                    {"op": op2})
            outcome["second"] = "inserted"
        except IntegrityError as exc:
            outcome["second"] = str(exc.orig)

    thread = threading.Thread(target=second)
    thread.start()
    with engine.begin() as conn:  # the first holds its row uncommitted until the second is seen waiting
        _insert_number(conn, operator_id=op1, number="51234567")
        inserted.set()
        _wait_until_blocked(engine, "second-writer")
    thread.join(30)

    assert "uq_realname_number_keys_number" in outcome["second"], outcome
    assert _rows(engine, "SELECT operator_id FROM realname_numbers WHERE number = '51234567'") == [(op1,)]


def test_two_operators_registering_one_new_number_at_once_make_one_registration_and_a_refusal(
        runtime: Runtime, engine: Engine) -> None:
    """The partition's ON CONFLICT cannot see another operator's row: the number keys refuse the second, and the
    service answers it as it answers a number of another operator (no crash, nothing half-applied)."""
    two_operators(runtime)
    results = _race([lambda: submit(runtime, request("51234567", operator="op1")),
                     lambda: submit(runtime, request("51234567", person("WONG Siu Ming", number=hkid("B", "123456")),
                                                     operator="op2"))])

    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["status"] for r in results) == ["refused", "registered"], results
    [refused] = [r for r in results if r["status"] == "refused"]
    assert refused["code"] == "unknown_number", refused  # as another operator's number is always answered
    assert _scalar(engine, "SELECT count(*) FROM realname_numbers WHERE number = '51234567'") == 1
    assert _scalar(engine, "SELECT count(*) FROM realname_registrations") == 1
    assert _scalar(engine, "SELECT sum(held) FROM realname_quota_counters") == 1  # the loser's place given back


def test_a_port_moves_the_number_to_the_recipients_partition_and_keeps_it_unique(runtime: Runtime,
                                                                                 engine: Engine) -> None:
    two_operators(runtime)
    op1, op2 = _operator_id(engine, "op1"), _operator_id(engine, "op2")
    registered(runtime)
    port = ask(runtime)
    assert confirm(runtime, port["id"])["state"] == "completed"

    [(number_id, partition)] = _rows(engine, "SELECT id, tableoid::regclass::text FROM realname_numbers")
    assert partition == _partition_of(engine, "realname_numbers", op2)
    assert _rows(engine, "SELECT operator_id FROM realname_number_keys WHERE id = :id", id=number_id) == [(op2,)]
    history = _rows(engine, "SELECT operator_id, tableoid::regclass::text, ended_at IS NULL "
                            "FROM realname_registrations ORDER BY id")
    assert history == [(op1, _partition_of(engine, "realname_registrations", op1), False),
                       (op2, _partition_of(engine, "realname_registrations", op2), True)]
    # The donor cannot take the number back as a new row: it is held, by the recipient.
    with pytest.raises(IntegrityError, match="uq_realname_number_keys_number"), engine.begin() as conn:
        _insert_number(conn, operator_id=op1, number="51234567")


def test_a_change_queued_behind_a_port_reads_the_moved_row(runtime: Runtime, engine: Engine) -> None:
    """A port moves the number's row to another partition; a transaction waiting for that row's lock would fail
    (PostgreSQL cannot follow a row across partitions). repository.number_row queues on the key row instead."""
    two_operators(runtime)
    op1, op2 = _operator_id(engine, "op1"), _operator_id(engine, "op2")
    with engine.begin() as conn:
        _insert_number(conn, operator_id=op1, number="51234567")
    moved = threading.Event()
    seen: dict[str, Any] = {}

    def waiter() -> None:
        moved.wait(10)
        with runtime.session_factory() as session:
            try:
                row = repository.number_row(session, "51234567", for_update=True)
                seen["operator"] = row.operator_id if row is not None else None
            except Exception as exc:  # noqa: BLE001 - the failure is what the test must see
                seen["error"] = repr(exc)
            session.rollback()

    thread = threading.Thread(target=waiter)
    thread.start()
    with runtime.session_factory() as mover:
        number = repository.number_row(mover, "51234567", for_update=True)
        assert number is not None
        number.operator_id = op2
        mover.flush()
        moved.set()
        _wait_until_blocked(engine, "FOR UPDATE")
        mover.commit()
    thread.join(30)
    assert seen == {"operator": op2}


def test_a_port_racing_a_new_row_of_the_number_leaves_one_row(runtime: Runtime, engine: Engine) -> None:
    two_operators(runtime)
    op2 = _operator_id(engine, "op2")
    registered(runtime)
    port = ask(runtime)

    def new_row_at_recipient() -> str:
        with engine.begin() as conn:
            return f"row {_insert_number(conn, operator_id=op2, number='51234567')}"

    results = _race([lambda: confirm(runtime, port["id"]), new_row_at_recipient])

    # Whichever wins, the loser fails cleanly and the number has one row, at the recipient or the donor.
    assert _scalar(engine, "SELECT count(*) FROM realname_numbers WHERE number = '51234567'") == 1, results
    assert sum(isinstance(r, Exception) for r in results) == 1, results
    with engine.connect() as conn:
        assert _keys_mirror_numbers(conn)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["insert", "move", "delete", "iccid"]), st.integers(0, 5),
                          st.integers(0, 4)), max_size=25))
def test_the_number_keys_mirror_the_numbers_whatever_happens(engine: Engine, steps: list[tuple[str, int, int]]
                                                             ) -> None:
    """Inserts, moves between operators (row movement), ICCID changes and deletes, in any order: the keys table
    always holds exactly the numbers' (id, number, ICCID, operator)."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            operators = [int(conn.execute(text(
                "INSERT INTO realname_operators (code, name, created_at) VALUES (:c, :c, now()) RETURNING id"),
                {"c": f"hyp{i}"}).scalar_one()) for i in range(5)]
            for action, which, operator in steps:
                number = f"5123456{which}"
                nested = conn.begin_nested()
                try:
                    if action == "insert":
                        _insert_number(conn, operator_id=operators[operator], number=number)
                    elif action == "move":
                        conn.execute(text("UPDATE realname_numbers SET operator_id = :op WHERE number = :n"),
                                     {"op": operators[operator], "n": number})
                    elif action == "iccid":
                        conn.execute(text("UPDATE realname_numbers SET iccid = :i WHERE number = :n"),
                                     {"i": f"898520000000000000{operator}", "n": number})
                    else:
                        conn.execute(text("DELETE FROM realname_numbers WHERE number = :n"), {"n": number})
                    nested.commit()
                except IntegrityError:  # a number or ICCID another row holds: refused, nothing half-applied
                    nested.rollback()
                assert _keys_mirror_numbers(conn), (action, which, operator)
        finally:
            trans.rollback()


def test_the_migration_goes_down_to_plain_tables_and_up_again_with_the_rows(runtime: Runtime,
                                                                            engine: Engine) -> None:
    two_operators(runtime)
    registered(runtime)
    registered(runtime, "51234568", holder=person("WONG Siu Ming", number=hkid("B", "123456")), operator="op2")
    port = ask(runtime, "51234567")
    confirm(runtime, port["id"])
    snapshot = {t: _rows(engine, f"SELECT * FROM {t} ORDER BY id") for t in PARTITIONED_BY_OPERATOR}
    migration = load_migration(MIGRATION)
    assert (migration.revision, migration.down_revision) == ("c18b00000001", "c17d00000001")

    run_step(engine, migration.downgrade)
    try:
        assert not set(_partitioned(engine)) & set(PARTITIONED_BY_OPERATOR)
        assert _scalar(engine, "SELECT to_regclass('realname_number_keys')") is None
        assert {t: _rows(engine, f"SELECT * FROM {t} ORDER BY id") for t in PARTITIONED_BY_OPERATOR} == snapshot
        assert schema_differences(engine, set(PARTITIONED_BY_OPERATOR) | REFERRING) == []
        targets = _rows(engine, "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint "
                                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t) AND conname LIKE '%number%'",
                        t=sorted(REFERRING))
        assert targets == [("realname_numbers",)]
    finally:
        run_step(engine, migration.upgrade)

    assert set(PARTITIONED_BY_OPERATOR) <= set(_partitioned(engine))
    assert {t: _rows(engine, f"SELECT * FROM {t} ORDER BY id") for t in PARTITIONED_BY_OPERATOR} == snapshot
    with engine.connect() as conn:
        assert _keys_mirror_numbers(conn)
    assert schema_differences(engine, set(PARTITIONED_BY_OPERATOR) | REFERRING) == []
    # The sequences carried over: a new registration gets the next id, not one taken.
    registered(runtime, "51234569", holder=person("LEE Ka Yan", number=hkid("C", "123456")))
    assert _scalar(engine, "SELECT count(DISTINCT id) FROM realname_registrations") == 4
