"""The real-name staff pages respect whom a clerk acts for (issue 5): the shop offers only the clerk's
operator and refuses a forged form for another; the compliance queues and their flags likewise; the regulator
sees every operator's queues. Over HTTP without a browser, SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.notify import FakeSms
from telreg.realname import repository
from telreg.realname.lookup.models import NumberFlag
from telreg.runtime import Runtime
from tests.realname.lookup.helpers import CARD, ZHANG_AT_CMCC, code_sent, holdings
from tests.realname.registration.helpers import make_operator, refusals
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer
from tests.web.test_realname_pages import ADULT

SHOP = "/staff/realname/register"
QUEUES = "/staff/realname/queues"


def _sign_in(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...],
             operator: str | None = None) -> None:
    client.cookies.clear()
    make_officer(runtime, username=username, roles=roles, operator=operator)
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303


def _offered(html: str) -> list[str]:
    """The operator codes of the page's operator select."""
    select_html = html[html.index('<select id="operator"'):]
    select_html = select_html[:select_html.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select_html)


def _two_operators(runtime: Runtime) -> None:
    make_operator(runtime, "op1", "Operator One")
    make_operator(runtime, "op2", "Operator Two")


def test_the_shop_offers_only_the_clerks_operator(client: Any, runtime: Runtime) -> None:
    _two_operators(runtime)
    _sign_in(client, runtime, "clerk.ho", ("operator-staff",), operator="op2")
    assert _offered(client.get(SHOP).text) == ["op2"]
    _sign_in(client, runtime, "admin.lee", ("admin",))
    assert _offered(client.get(SHOP).text) == ["op1", "op2"]


def test_a_forged_shop_form_for_another_operator_is_refused_and_writes_nothing(client: Any,
                                                                               runtime: Runtime) -> None:
    _two_operators(runtime)
    _sign_in(client, runtime, "clerk.ho", ("operator-staff",), operator="op2")
    token = form_token(client.get(SHOP).text)
    forged = client.post(SHOP, data={**ADULT, "operator": "op1", "csrf_token": token})
    assert forged.status_code == 403
    assert "clerk.ho acts for op2, not op1." in forged.text and "Traceback" not in forged.text
    with unit_of_work(runtime.session_factory) as session:
        assert repository.number_row(session, ADULT["number"]) is None
    assert refusals(runtime) == []

    # The same form for the clerk's own operator registers.
    own = client.post(SHOP, data={**ADULT, "operator": "op2", "csrf_token": token})
    assert own.status_code == 200 and 'data-status="registered"' in own.text


def test_the_queues_of_another_operator_are_refused_but_the_regulator_sees_all(client: Any,
                                                                               runtime: Runtime) -> None:
    _two_operators(runtime)
    _sign_in(client, runtime, "clerk.ho", ("operator-staff",), operator="op1")
    own = client.get(QUEUES)
    assert own.status_code == 200 and _offered(own.text) == ["op1"]
    other = client.get(f"{QUEUES}?operator=op2")
    assert other.status_code == 403 and "clerk.ho acts for op1, not op2." in other.text

    _sign_in(client, runtime, "ofca.lam", ("regulator",))
    page = client.get(f"{QUEUES}?operator=op2")
    assert page.status_code == 200 and _offered(page.text) == ["op1", "op2"]
    assert re.search(r'<option value="op2"\s+selected', page.text)


def test_a_flag_of_another_operator_cannot_be_closed_from_the_page(client: Any, runtime: Runtime,
                                                                   sms: FakeSms) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)  # operators cmcc, ctcc, cucc
    api = "/api/v1/realname/lookup"
    asked = client.post(f"{api}/codes", json={"document": {"type": "cn-resident-id", "number": CARD},
                                              "number": ZHANG_AT_CMCC[0]}).json()
    opened = client.post(f"{api}/codes/verify", json={"challenge": asked["challenge"],
                                                      "code": code_sent(sms, ZHANG_AT_CMCC[0])}).json()
    flag_id = client.post(f"{api}/flags", json={"position": 2},
                          headers={"X-CSRF-Token": opened["csrf_token"]}).json()["id"]

    _sign_in(client, runtime, "clerk.li", ("operator-staff",), operator="cucc")
    token = form_token(client.get(QUEUES).text)
    refused = client.post(f"/staff/realname/flags/{flag_id}/close",
                          data={"note": "not ours", "operator": "cmcc", "csrf_token": token})
    assert refused.status_code == 403 and "clerk.li acts for cucc, not cmcc." in refused.text
    api_refused = client.post(f"/api/v1/realname/flags/{flag_id}/close", json={"note": "not ours"},
                              headers={"X-CSRF-Token": token})
    assert api_refused.status_code == 403
    assert api_refused.json()["detail"] == "clerk.li acts for cucc, not cmcc."
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(NumberFlag.status).where(NumberFlag.id == flag_id)) == "open"
