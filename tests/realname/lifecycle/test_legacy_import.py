"""Legacy imports: whole-file validation with line numbers, the deadline, the CLI. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.realname import legacy
from telreg.realname.models import Number
from telreg.runtime import Runtime
from tests.realname.registration.helpers import (
    HONG_KONG,
    MAINLAND,
    hkid,
    make_operator,
    person,
    request,
    submit,
)

from .helpers import import_numbers, number_row


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime)


def _count(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count()).select_from(Number)) or 0


def test_legacy_numbers_enter_unregistered_with_the_policy_deadline(runtime: Runtime) -> None:
    result = import_numbers(runtime, "51234500", "61234567")
    # Imported on Monday 2 March 2026 (the test clock) + 360 days (seed 000 Q5) = Thursday 25 February 2027.
    assert result == {"operator": "op1", "imported": 2, "to_register": 2, "by_contract": 0,
                      "deadline": "2027-02-25"}
    row = number_row(runtime, "61234567")
    assert (row.state, row.legacy, row.deadline, row.service, row.line) == (
        "unregistered", True, dt.date(2027, 2, 25), "prepaid", "mobile")


def test_the_mainland_deadline_and_an_explicit_one(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")
    # 2 March 2026 + 402 days (MIIT 2016-05-24 notice to 30 June 2017) = 8 April 2027.
    imported = import_numbers(runtime, "13800138000", operator="cmcc", policy=MAINLAND)
    assert imported["deadline"] == "2027-04-08"
    chosen = import_numbers(runtime, "51234500", deadline=dt.date(2026, 3, 2))
    assert chosen["deadline"] == "2026-03-02"


def test_a_bad_file_is_rejected_whole_with_every_line(runtime: Runtime) -> None:
    import_numbers(runtime, "51234500")
    content = ("number,service,line\n"
               "51234500,prepaid,mobile\n"  # line 2: known already
               "not-a-number,prepaid,mobile\n"  # line 3
               "51234501,monthly,mobile\n"  # line 4: no such service
               "51234502,postpaid,satellite\n"  # line 5: no such line
               "51234503,prepaid,mobile\n"  # line 6: fine
               "5123 4503,prepaid,mobile\n"  # line 7: line 6's number again
               "51234504,prepaid\n")  # line 8: a field short
    with unit_of_work(runtime.session_factory) as session, pytest.raises(InvalidInput) as caught:
        legacy.import_legacy(session, clock=runtime.clock, policy=HONG_KONG, operator="op1",
                             content=content.encode(), filename="bad.csv")
    problems = caught.value.extra["problems"]
    assert [p.split(":")[0] for p in problems] == [f"line {n}" for n in (2, 3, 4, 5, 7, 8)]
    assert "already known" in problems[0] and "monthly" in problems[2] and "satellite" in problems[3]
    assert "line 6" in problems[4]
    assert _count(runtime) == 1  # nothing of the file was applied


@pytest.mark.parametrize("content, needle", [
    (b"msisdn,plan\n51234500,prepaid\n", "line 1: the header"),
    (b"number,service\n", "no numbers"),
    (b"number,service\n\xff\xfe,prepaid\n", "line 2: the file is not UTF-8"),
])
def test_unusable_files(runtime: Runtime, content: bytes, needle: str) -> None:
    with unit_of_work(runtime.session_factory) as session, pytest.raises(InvalidInput, match=needle):
        legacy.import_legacy(session, clock=runtime.clock, policy=HONG_KONG, operator="op1", content=content,
                             filename="f.csv")


def test_a_deadline_in_the_past_is_refused(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="in the past"):
        import_numbers(runtime, "51234500", deadline=dt.date(2026, 3, 1))
    assert _count(runtime) == 0


def test_a_legacy_number_is_registered_like_a_new_one(runtime: Runtime) -> None:
    import_numbers(runtime, "51234500")
    assert number_row(runtime, "51234500").state == "unregistered"  # not usable before registration
    outcome = submit(runtime, request("51234500", person(number=hkid("A", "123456"))))
    assert outcome["status"] == "registered"
    assert number_row(runtime, "51234500").state == "active"


def test_cli_imports_and_reports_problems(cli, runtime: Runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "legacy.csv"
    good.write_text("number,service\n51234500,prepaid\n51234501,postpaid\n")
    code, out, _ = cli("realname", "legacy", "import", str(good), "--operator", "op1",
                       "--deadline", "2026-06-01")
    assert code == 0, out
    # Under the Hong Kong policy the postpaid number is registered by contract (seed 000 Q4).
    assert json.loads(out) == {"operator": "op1", "imported": 2, "to_register": 1, "by_contract": 1,
                               "deadline": "2026-06-01"}
    bad = tmp_path / "bad.csv"
    bad.write_text("number,service\n51234502,prepaid\n12,prepaid\n")
    code, _, err = cli("realname", "legacy", "import", str(bad), "--operator", "op1")
    assert code == 1 and "line 3" in err
    code, _, err = cli("realname", "legacy", "import", str(good), "--operator", "nobody")
    assert code == 1 and "nobody" in err
    assert _count(runtime) == 2
