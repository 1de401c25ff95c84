"""The registration hot path (issue 18 §4): the statements one registration sends, and the rules the Core
statements keep, checked against a model over random sequences of attempts. SQLite and PostgreSQL.

No timing here: speed is measured by bench/realname.py. What is asserted is the shape of the work (which
statements, in which order: a regression to per-row ORM round trips shows here) and that the rows and answers
are those the rules give.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.core.models import AuditEvent
from telreg.realname import identities
from telreg.realname.models import Identity, Number, QuotaCounter, Refusal, Registration
from telreg.runtime import Runtime

from .registration.helpers import hkid, make_operator, person, request, submit


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Collect the statements sent meanwhile as "VERB table" (BEGIN left out: the edge's, not the service's)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        verb = words[0].upper()
        if verb == "BEGIN":
            return
        table = {"SELECT": _after(words, "FROM"), "INSERT": _after(words, "INTO")}.get(verb, "")
        seen.append(f"{verb} {table}".strip())

    event.listen(runtime.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", note)


def _after(words: list[str], keyword: str) -> str:
    # The last one: the operator's query names the numbers in a subquery of its select list, before its own FROM.
    places = [i for i, word in enumerate(words) if word == keyword]
    return words[places[-1] + 1] if places else "?"


def test_a_new_holder_on_a_new_number_is_one_statement_per_row_written(runtime: Runtime) -> None:
    make_operator(runtime)
    with statements(runtime) as seen:
        outcome = submit(runtime, request("51234567", person("CHAN Tai Man")))
    assert outcome["status"] == "registered", outcome
    assert seen == [
        "SAVEPOINT",
        "SELECT realname_operators",  # the operator, and whether the number exists, in one round trip
        "SELECT realname_identities",  # by blind index, FOR UPDATE on PostgreSQL
        "INSERT realname_identities",
        "INSERT realname_quota_counters",
        "INSERT realname_numbers",
        "INSERT realname_registrations",
        "INSERT audit_events",
        "RELEASE",
    ]


def test_a_known_holder_adds_no_statement_for_the_identity(runtime: Runtime) -> None:
    make_operator(runtime)
    holder = person("CHAN Tai Man")
    assert submit(runtime, request("51234567", holder))["status"] == "registered"
    with statements(runtime) as seen:
        outcome = submit(runtime, request("51234568", holder))
    assert outcome["status"] == "registered" and outcome["quota"] == {"held": 2, "limit": 10}, outcome
    assert seen.count("SELECT realname_identities") == 1 and "INSERT realname_identities" not in seen
    assert len(seen) == 8, seen


def test_the_answer_masks_the_details_on_record_not_the_spelling_given(runtime: Runtime) -> None:
    make_operator(runtime)
    submit(runtime, request("51234567", person("CHAN Tai-man", number=hkid("A", "123456"))))
    again = submit(runtime, request("51234568", person("chan tai man", number=hkid("A", "123456"))))
    assert again["status"] == "registered", again
    with unit_of_work(runtime.session_factory) as session:
        identity = session.scalars(select(Identity)).one()
        on_record = identities.masked(runtime.vault, identity)
    assert again["holder"] == on_record
    assert on_record["name"].startswith("CHAN")  # the record's spelling, masked


# ---- a model of the rules over random attempts -------------------------------------------------------------

PEOPLE = [("CHAN Tai Man", "1990-01-01"), ("WONG Siu Ming", "1980-05-05"), ("LEE Ka Fai", "1985-02-28")]
example_ids = itertools.count()

attempts = st.lists(st.tuples(
    st.integers(0, 3),  # number
    st.integers(0, len(PEOPLE) - 1),  # person
    st.booleans(),  # a different name on the same document (a mismatch unless it is the first sight)
    st.sampled_from(["op1", "op2"]),
    st.sampled_from(["prepaid", "postpaid"]),
), min_size=1, max_size=10)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=attempts)
def test_outcomes_and_rows_follow_the_rules(runtime: Runtime, attempts: list[tuple[int, int, bool, str, str]]
                                            ) -> None:
    for code in ("op1", "op2"):
        try:
            make_operator(runtime, code, f"Operator {code}")
        except DomainError:
            pass  # made by an earlier example: the database is shared by the examples
    run = next(example_ids)  # numbers and documents of their own, so the examples do not meet
    numbers = [f"51{run % 100:02d}{i:04d}" for i in range(4)]
    documents = [hkid("ABCDEFGH"[i], f"{run:03d}{i:03d}") for i in range(len(PEOPLE))]

    owner: dict[int, tuple[str, int]] = {}  # number -> (operator, person): what the rules must end with
    first_name: dict[int, str] = {}  # person -> the name their document was first registered under
    held: dict[tuple[int, str, str], int] = {}
    for number, who, renamed, operator, service in attempts:
        name = PEOPLE[who][0] if not renamed else f"{PEOPLE[who][0]} Junior"
        body = request(numbers[number], person(name, PEOPLE[who][1], number=documents[who]),
                       operator=operator, service=service)
        outcome = submit(runtime, body)

        if number in owner:
            expected = "number_registered" if owner[number][0] == operator else "unknown_number"
        elif who in first_name and first_name[who] != name:
            expected = "identity_mismatch"
        else:
            expected = "registered"
        assert outcome.get("code", outcome["status"]) == expected, (body, outcome)
        if expected == "registered":
            owner[number] = (operator, who)
            first_name.setdefault(who, name)
            key = (who, operator, service)
            held[key] = held.get(key, 0) + 1
            assert outcome["quota"]["held"] == held[key], outcome

    with unit_of_work(runtime.session_factory) as session:
        rows = session.execute(
            select(Number.number, Number.state, Number.service, Registration.operator_id, Registration.holder_id,
                   Registration.quota_service, Registration.checks)
            .join(Registration, Registration.number_id == Number.id)
            .where(Number.number.in_(numbers), Registration.ended_at.is_(None))).all()
        audited = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "realname-registered", AuditEvent.subject_key.in_(numbers))).all()
        refused = session.scalars(select(Refusal.code).where(Refusal.number.in_(numbers))).all()
        indexes = [identities.document_index(runtime.vault, doc_type="hkid", normalised=d.replace("(", "")
                                             .replace(")", "")) for d in documents]
        on_record = {i.id: identities.open_details(runtime.vault, i)["document"]
                     for i in session.scalars(select(Identity).where(Identity.document_index.in_(indexes)))}
        counters = {(c.identity_id, c.operator_id, c.service): c.held for c in session.scalars(
            select(QuotaCounter).where(QuotaCounter.identity_id.in_(on_record), QuotaCounter.held > 0))}

    assert sorted(r.number for r in rows) == sorted(numbers[n] for n in owner)
    for row in rows:
        operator, who = owner[numbers.index(row.number)]
        assert row.state == "active" and row.quota_service == row.service
        assert on_record[row.holder_id] == documents[who].replace("(", "").replace(")", "")
        checks = row.checks if isinstance(row.checks, dict) else json.loads(row.checks)
        assert set(checks) == {"holder"} and checks["holder"]["capture"] == "manual", checks
    # One audit event per registration, naming the registration and the holder's identity only.
    assert len(audited) == len(owner)
    for event_ in audited:
        assert set(event_.details) >= {"registration_id", "holder_identity", "quota"}
        assert "name" not in json.dumps(event_.details).lower()
    # Every refusal recorded, with the code it is kept under (another operator's number: number_other_operator).
    kept = {"unknown_number": "number_other_operator"}
    expected_refusals = len(attempts) - len(owner)
    assert len(refused) == expected_refusals
    assert set(refused) <= {kept.get(c, c) for c in ("number_registered", "unknown_number", "identity_mismatch")}
    # A refused attempt leaves nothing behind: identities only of people who registered, and counters that count
    # exactly the current registrations.
    assert len(on_record) == len({who for who in first_name})
    assert counters == Counter((r.holder_id, r.operator_id, r.quota_service) for r in rows)
    assert sum(held.values()) == len(rows)
