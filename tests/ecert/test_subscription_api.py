"""The subscriptions and fees API for CA officers and the CLI, on SQLite and PostgreSQL; and a certificate really
issued by the test CA going through lapse (certificateHold) and payment (released)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.ecert import subscriptions
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate, StatusEvent
from telreg.ecert.subscription_models import EcertFee, EcertPayment
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import issue_test_certificate
from .test_subscriptions import at, certificate, make_ca_officer, make_certificate, run_daily, status_events

API = "/api/v1/ecert"


def _sign_in(client: Any, runtime: Runtime, *, username: str = "ca.wong",
             roles: tuple[str, ...] = ("ca-officer",)) -> dict[str, str]:
    make_officer(runtime, username=username, roles=roles)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_only_ca_officers_see_or_change_fees_and_subscriptions(client: Any, runtime: Runtime) -> None:
    _, serial = make_certificate(runtime)
    assert client.get(f"{API}/fees").status_code == 401
    assert client.get(f"{API}/subscriptions/{serial}").status_code == 401
    headers = _sign_in(client, runtime, username="dnc.chan", roles=("dnc-officer",))
    assert client.get(f"{API}/fees").json()["error"] == "permission_denied"
    refused = client.post(f"{API}/subscriptions/{serial}/payments", headers=headers,
                          json={"years": 1, "amount": "50", "method": "cash"})
    assert refused.status_code == 403
    client.post("/api/v1/auth/logout", headers=headers)
    _sign_in(client, runtime)
    no_token = client.post(f"{API}/subscriptions/{serial}/payments",
                           json={"years": 1, "amount": "50", "method": "cash"})
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(EcertPayment)) == 0


def test_fee_table_and_revisions(client: Any, runtime: Runtime, clock: FixedClock) -> None:
    headers = _sign_in(client, runtime)
    table = client.get(f"{API}/fees").json()
    assert table["in_force"] == {"*": {"amount_cents": 5_000, "amount": "HK$50.00"}}
    past = client.post(f"{API}/fees", headers=headers,
                       json={"profile": "*", "amount": "60", "effective_from": "2026-03-01"})
    assert past.status_code == 422 and "past date (2026-03-01)" in past.json()["detail"]
    revised = client.post(f"{API}/fees", headers=headers,
                          json={"profile": "smart-id", "amount": "60.00", "effective_from": "2026-04-01"})
    assert revised.status_code == 201, revised.text
    assert revised.json() == {"profile": "smart-id", "amount_cents": 6_000, "amount": "HK$60.00",
                              "effective_from": "2026-04-01", "source": "revision", "created_by": "staff:ca.wong"}
    bad = client.post(f"{API}/fees", headers=headers,
                      json={"profile": "*", "amount": "sixty", "effective_from": "2026-04-01"})
    assert bad.status_code == 422
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(EcertFee)) == 1
    clock.set(dt.datetime(2026, 4, 1, 9, 0))
    assert client.get(f"{API}/fees").json()["in_force"]["smart-id"]["amount"] == "HK$60.00"


def test_free_periods(client: Any, runtime: Runtime) -> None:
    headers = _sign_in(client, runtime)
    added = client.post(f"{API}/fees/free-periods", headers=headers,
                        json={"profile": "smart-id", "kind": "validity", "issued_until": "2007-03-31",
                              "note": "Smart ID e-Cert offer"})
    assert added.status_code == 201, added.text
    period = added.json()
    assert (period["profile"], period["kind"], period["issued_until"], period["withdrawn_at"]) == (
        "smart-id", "validity", "2007-03-31", None)
    bad = client.post(f"{API}/fees/free-periods", headers=headers, json={"profile": "*", "kind": "months"})
    assert bad.status_code == 422
    assert [p["id"] for p in client.get(f"{API}/fees/free-periods").json()] == [period["id"]]
    withdrawn = client.delete(f"{API}/fees/free-periods/{period['id']}", headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_by"] == "staff:ca.wong"
    assert client.get(f"{API}/fees/free-periods").json() == []
    assert len(client.get(f"{API}/fees/free-periods?include_withdrawn=true").json()) == 1
    assert client.delete(f"{API}/fees/free-periods/{period['id']}", headers=headers).status_code == 409


def test_payment_over_the_api_releases_a_lapse_hold(client: Any, runtime: Runtime, clock: FixedClock) -> None:
    cert_id, serial = make_certificate(runtime)
    at(clock, dt.date(2026, 3, 3))
    assert run_daily(runtime)["held"] == 1
    headers = _sign_in(client, runtime)
    lapsed = client.get(f"{API}/subscriptions", params={"which": "lapsed"}).json()
    assert [(s["serial"], s["held_for_lapse"]) for s in lapsed] == [(serial, True)]
    assert client.get(f"{API}/subscriptions", params={"which": "due"}).json() == []
    wrong = client.post(f"{API}/subscriptions/{serial}/payments", headers=headers,
                        json={"years": 1, "amount": "40", "method": "cash", "reference": "R-1"})
    assert wrong.status_code == 422 and wrong.json()["error"] == "wrong_amount"
    assert wrong.json()["detail"] == ("The subscription fee for 1 year(s) is HK$50.00 (HK$50.00 a year), but "
                                      "HK$40.00 was given; nothing was recorded.")
    assert certificate(runtime, cert_id).state == "hold"
    paid = client.post(f"{API}/subscriptions/{serial}/payments", headers=headers,
                       json={"years": 1, "amount": "50.00", "method": "cash", "reference": "R-1"})
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert body["released"] is True
    assert body["subscription"]["paid_until"] == "2027-03-01" and body["subscription"]["status"] == "paid"
    assert body["subscription"]["certificate_state"] == "good"
    assert [(p["amount"], p["reference"], p["recorded_by"]) for p in body["subscription"]["payments"]] == [
        ("HK$50.00", "R-1", "staff:ca.wong")]
    view = client.get(f"{API}/subscriptions/{serial}").json()
    assert view["held_for_lapse"] is False and view["email"] == "c**********@example.test"
    assert client.get(f"{API}/subscriptions/{'0' * 32}").status_code == 404
    at(clock, dt.date(2027, 2, 20))
    assert [s["serial"] for s in client.get(f"{API}/subscriptions").json()] == [serial]  # due (default)


def test_a_revoked_certificate_takes_no_payment_over_the_api(client: Any, runtime: Runtime,
                                                             clock: FixedClock) -> None:
    from telreg.ecert import revocation

    cert_id, serial = make_certificate(runtime)
    with unit_of_work(runtime.session_factory) as session:
        revocation.revoke(session, clock=clock, certificate=session.get_one(Certificate, cert_id),
                          reason="affiliationChanged", actor="staff:ca.wong")
    headers = _sign_in(client, runtime)
    refused = client.post(f"{API}/subscriptions/{serial}/payments", headers=headers,
                          json={"years": 1, "amount": "50", "method": "cash"})
    assert refused.status_code == 409 and refused.json()["error"] == "subscription_ended"
    assert client.get(f"{API}/subscriptions/{serial}").json()["status"] == "ended"


def test_cli_pay_and_list(cli, runtime: Runtime, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    make_ca_officer(runtime)
    cert_id, serial = make_certificate(runtime)
    at(clock, dt.date(2026, 3, 3))
    run_daily(runtime)
    code, out, _ = cli("ecert", "subscriptions", "--lapsed")
    assert code == 0 and serial in out and "on hold until paid" in out
    code, out, err = cli("ecert", "pay", serial, "--years", "2", "--amount", "50", "--officer", "ca.wong")
    assert code == 1 and "HK$100.00" in err and "nothing was recorded" in err
    code, out, err = cli("ecert", "pay", serial, "--years", "2", "--amount", "100.00", "--method", "octopus",
                         "--reference", "OCT-1", "--officer", "ca.wong")
    assert code == 0, (out, err)
    assert "subscription paid until 2028-03-01" in out and "released" in out
    assert certificate(runtime, cert_id).state == "good"
    at(clock, dt.date(2028, 2, 20))
    code, out, _ = cli("ecert", "subscriptions", "--due")
    assert code == 0 and serial in out
    code, out, _ = cli("ecert", "subscription", serial)
    assert code == 0 and "HK$100.00 for 2 year(s) by octopus OCT-1" in out


def test_a_certificate_issued_by_the_ca_is_held_on_lapse_and_released_on_payment(
        runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock) -> None:
    row, cert, _ = issue_test_certificate(runtime, hierarchy, profile="personal")
    with unit_of_work(runtime.session_factory) as session:
        issued = session.get_one(Certificate, row.id)
        paid_until = subscriptions.start_subscription(session, clock=clock, settings=runtime.settings,
                                                      certificate=issued, email="chan@example.test")
    assert paid_until == clock.now().date() - dt.timedelta(days=1)
    with unit_of_work(runtime.session_factory) as session:
        subscriptions.record_payment(session, clock=clock, settings=runtime.settings, certificate_id=row.id,
                                     years=1, amount_cents=5_000, method="cash", reference=None,
                                     actor="staff:ca.wong")
    at(clock, paid_until.replace(year=paid_until.year + 1) + dt.timedelta(days=1))
    assert run_daily(runtime)["held"] == 1
    held = certificate(runtime, row.id)
    assert held.state == "hold" and held.revocation_reason == "certificateHold"
    assert int(held.serial, 16) == cert.serial_number
    assert status_events(runtime, row.id)[0][2]["cause"] == "subscription_lapsed"
    with unit_of_work(runtime.session_factory) as session:
        outcome = subscriptions.record_payment(session, clock=clock, settings=runtime.settings,
                                               certificate_id=row.id, years=1, amount_cents=5_000, method="eps",
                                               reference="EPS-77", actor="staff:ca.wong")
    assert outcome.released
    assert certificate(runtime, row.id).state == "good"
    with unit_of_work(runtime.session_factory) as session:
        actions = session.scalars(select(StatusEvent.action).where(StatusEvent.certificate_id == row.id)
                                  .order_by(StatusEvent.id)).all()
    assert actions == ["hold", "release"]
