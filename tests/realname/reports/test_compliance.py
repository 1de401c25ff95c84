"""The regulator's compliance report: daily snapshots kept as history, the figures, CSV, the API and its role.
SQLite and PostgreSQL. The world and its hand-counted figures are in helpers.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.realname import reports
from telreg.runtime import Runtime
from tests.realname.lifecycle.helpers import at, import_numbers
from tests.realname.registration.helpers import HONG_KONG, hkid, person, request, submit
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import DAY, build_world

API = "/api/v1/realname/reports/compliance"


@pytest.fixture(autouse=True)
def _world(runtime: Runtime) -> None:
    build_world(runtime)


def _snapshot(runtime: Runtime, day: dt.date = DAY) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return reports.take_snapshots(session, clock=runtime.clock, policy=HONG_KONG, day=day)


def _rows(runtime: Runtime, first: dt.date = DAY, last: dt.date = DAY) -> list[dict[str, Any]]:
    with unit_of_work(runtime.session_factory) as session:
        return reports.compliance(session, date_from=first, date_to=last)


def test_a_days_snapshot_has_the_hand_counted_figures(runtime: Runtime) -> None:
    # A refusal just after midnight belongs to the next day (Hong Kong time), not to DAY.
    at(runtime, DAY + dt.timedelta(days=1), hour=0)
    submit(runtime, request("51234566", person("LEE Ka Yan", number="A1234567")))
    at(runtime, DAY + dt.timedelta(days=1), hour=1)
    assert _snapshot(runtime) == 2
    op1, op2 = _rows(runtime)
    assert (op1["operator"], op1["registered"], op1["total"], op1["rate_percent"]) == ("op1", 3, 4, 75.0)
    assert op1["target_percent"] == 100.0  # seed 000: no anonymous card after the deadline
    assert op1["steps"] == {"deactivated": 2}
    assert op1["refusals"] == {"invalid_document": 1, "minor_without_guardian": 1}
    assert op1["states"]["active"] == 3 and op1["states"]["unregistered_legacy"] == 1
    assert op1["states"]["deactivated"] == 2
    assert (op2["operator"], op2["registered"], op2["total"], op2["rate_percent"]) == ("op2", 0, 0, None)


def test_history_is_written_once_and_kept(runtime: Runtime) -> None:
    assert _snapshot(runtime) == 2
    submit(runtime, request("51234567", person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))))
    assert _snapshot(runtime) == 0  # the day's rows exist: not redone with later figures
    assert _rows(runtime)[0]["registered"] == 3
    at(runtime, DAY + dt.timedelta(days=1), hour=1)
    assert _snapshot(runtime, DAY + dt.timedelta(days=1)) == 2
    days = [(row["day"], row["operator"], row["registered"])
            for row in _rows(runtime, DAY, DAY + dt.timedelta(days=1))]
    assert days == [("2026-03-02", "op1", 3), ("2026-03-02", "op2", 0), ("2026-03-03", "op1", 4),
                    ("2026-03-03", "op2", 0)]


def test_live_figures_follow_the_numbers(runtime: Runtime) -> None:
    import_numbers(runtime, "61234503", operator="op2")
    with unit_of_work(runtime.session_factory) as session:
        live = {row["operator"]: row for row in reports.live_figures(session, policy=HONG_KONG)}
    assert (live["op1"]["rate_percent"], live["op2"]["rate_percent"]) == (75.0, 0.0)


def test_csv_has_one_line_per_day_and_operator(runtime: Runtime) -> None:
    _snapshot(runtime)
    lines = list(csv.DictReader(io.StringIO(reports.compliance_csv(_rows(runtime)))))
    assert [line["operator"] for line in lines] == ["op1", "op2"]
    op1 = lines[0]
    assert (op1["day"], op1["registered"], op1["total"]) == ("2026-03-02", "3", "4")
    assert op1["rate_percent"] == "75.00"
    assert (op1["step_deactivated"], op1["numbers_active"], op1["target_percent"]) == ("2", "3", "100")
    assert op1["refusals"] == "invalid_document=1 minor_without_guardian=1"
    assert lines[1]["rate_percent"] == ""


def test_a_period_backwards_is_refused(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="before it starts"):
        _rows(runtime, DAY, DAY - dt.timedelta(days=1))


def _sign_in(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...]) -> None:
    operator = "op1" if "operator-staff" in roles else None
    make_officer(runtime, username=username, roles=roles, operator=operator)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text


def test_the_api_is_for_the_regulator(client: Any, runtime: Runtime) -> None:
    assert client.get(API).status_code == 401
    _sign_in(client, runtime, "clerk.chan", ("operator-staff",))
    assert client.get(API).status_code == 403
    client.cookies.clear()
    _sign_in(client, runtime, "ofca.lam", ("regulator",))
    _snapshot(runtime)
    body = client.get(API, params={"from": "2026-03-01", "to": "2026-03-02"}).json()
    assert (body["from"], body["to"], body["target_percent"]) == ("2026-03-01", "2026-03-02", 100.0)
    assert [(row["day"], row["operator"], row["rate_percent"]) for row in body["days"]] == [
        ("2026-03-02", "op1", 75.0), ("2026-03-02", "op2", None)]
    assert [row["operator"] for row in body["live"]] == ["op1", "op2"]
    download = client.get(API, params={"from": "2026-03-02", "to": "2026-03-02", "format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.text.splitlines()[1].startswith("2026-03-02,op1,3,4,75.00,100,")
    assert client.get(API, params={"from": "2026-03-05", "to": "2026-03-01"}).status_code == 422
    assert client.get(API, params={"from": "yesterday"}).status_code == 422
