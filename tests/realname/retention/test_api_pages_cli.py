"""Who reads the retention report (API and page), the page in three languages, and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer
from tests.web.page_text import english_runs, raw_values, visible_text

from .helpers import DAYS, erasures, identity_of, make_operator, register, terminate, wait_days
from .world import ERASED_ON, TODAY, World, build_world

API = "/api/v1/realname/retention"
PAGE = "/staff/realname/retention"
PERIOD = {"from": ERASED_ON.isoformat(), "to": TODAY.isoformat()}


def login(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...], operator: str | None = None) -> None:
    """Create a staff account with these roles and sign it in on CLIENT (instead of whoever was signed in)."""
    make_officer(runtime, username=username, roles=roles, operator=operator)
    client.cookies.clear()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


def _ids(section: dict[str, Any]) -> list[int]:
    return [row["identity_id"] for row in section["identities"]]


def test_the_regulator_reads_every_identity(client: Any, runtime: Runtime, world: World) -> None:
    login(client, runtime, "reg.lee", ("regulator",))
    data = client.get(API, params=PERIOD).json()
    assert (_ids(data["due"]), _ids(data["held"]), _ids(data["kept"]), _ids(data["erased"])) == \
        ([world.due], [world.held], [world.kept], [world.erased])
    response = client.get(API, params={**PERIOD, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "realname-retention-2028-03-02-2028-03-11.csv" in response.headers["content-disposition"]
    assert [row["section"] for row in csv.DictReader(io.StringIO(response.text))] == \
        ["due", "held", "kept", "erased"]


def test_an_operator_compliance_officer_reads_its_operators_people_only(client: Any, runtime: Runtime, world: World) -> None:
    login(client, runtime, "comp.op2", ("operator-compliance",), operator="op2")
    data = client.get(API, params=PERIOD).json()
    assert (data["due"]["count"], data["held"]["count"], _ids(data["erased"])) == (0, 0, [world.erased])
    login(client, runtime, "comp.op1", ("operator-compliance",), operator="op1")
    data = client.get(API, params=PERIOD).json()
    assert (_ids(data["due"]), data["erased"]["count"]) == ([world.due], 0)


def test_other_roles_and_strangers_are_refused(client: Any, runtime: Runtime, world: World) -> None:
    assert client.get(API).status_code == 401
    login(client, runtime, "dnc.lee", ("dnc-officer",))
    assert client.get(API).status_code == 403
    login(client, runtime, "clerk.ho", ("operator-staff",), operator="op1")
    assert client.get(API).status_code == 403
    assert client.get(PAGE).status_code == 403
    login(client, runtime, "admin.ng", ("admin",))
    assert client.get(API, params=PERIOD).json()["erased"]["count"] == 1


def test_a_bad_date_is_refused_clearly(client: Any, runtime: Runtime, world: World) -> None:
    login(client, runtime, "reg.lee", ("regulator",))
    response = client.get(PAGE, params={"from": "yesterday"})
    assert response.status_code == 422
    assert "From: &#39;yesterday&#39; is not a date such as 2026-03-02." in response.text
    assert client.get(API, params={"from": "2028-13-01"}).status_code == 422


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_the_page_in_three_languages(client: Any, runtime: Runtime, world: World, lang: str) -> None:
    login(client, runtime, "reg.lee", ("regulator",))
    response = client.get(PAGE, params={**PERIOD, "lang": lang})
    assert response.status_code == 200 and f'<html lang="{lang}">' in response.text
    html = response.text
    for section, expected in (("due", world.due), ("held", world.held), ("kept", world.kept),
                              ("erased", world.erased)):
        assert re.search(rf'id="{section}-count">1<', html), section
        assert f'data-identity="{expected}"' in html.split(f'id="{section}"', 1)[1].split("</table>", 1)[0]
    assert world.task in html
    text = visible_text(html)
    assert raw_values(text) == []
    if lang == "en":
        assert "Hong Kong identity card" in text and "Retention of personal data" in text
    else:
        assert english_runs(text, names=["reg.lee", "Operator One", "Operator Two"]) == []


def test_the_cli_reports_and_runs(cli: Any, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    make_operator(runtime)
    register(runtime, "51234567")
    terminate(runtime, "51234567")
    holder = identity_of(runtime, "51234567")
    wait_days(runtime, DAYS + 1)
    code, out, _ = cli("realname", "retention", "report", "--json")
    assert code == 0 and json.loads(out)["due"]["identities"][0]["identity_id"] == holder
    code, out, _ = cli("realname", "retention", "report")
    assert code == 0 and f"identity {holder} (hkid)" in out and "due now: 1" in out
    code, out, _ = cli("realname", "retention", "run")
    assert code == 0 and json.loads(out) == {"erased": 1, "held": 0, "kept": 0, "failed": 0}
    assert erasures(runtime, holder) == 1
    code, out, err = cli("realname", "retention", "report", "--operator", "op9")
    assert code == 1 and "no operator with the code 'op9'" in err
