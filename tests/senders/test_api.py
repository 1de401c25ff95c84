"""The HTTP API: thin routes over the services; errors as {"error", "detail"} with the right status."""

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core import captcha
from telreg.core.db import unit_of_work
from telreg.deps import DbSession, RuntimeDep
from telreg.senders.deps import start_sender_session

from .helpers import PASSWORD, PDF, make_officer


@pytest.fixture
def api(runtime):
    app = create_app(runtime)

    # Sign-in (CAPTCHA, lockout) is built elsewhere; this test-only route starts a sender session the same way.
    @app.post("/test/sender-session/{account_id}")
    def _start(account_id: int, request: Request, session: DbSession, runtime: RuntimeDep) -> dict:
        start_sender_session(request, session, runtime, account_id)  # issue 14
        from telreg.core.security import csrf_token

        return {"csrf_token": csrf_token(request)}

    with TestClient(app) as client:
        yield client


FORM = {
    "capacity": "individual", "name": "CHAN Tai Man", "contact_email": "chan@example.com",
    "plans": ["fax:12-months", "sms:3-months"], "username": "chan.taiman", "password": PASSWORD,
    "security_question": "Name of my first school?", "security_answer": "St. Paul's",
}


def _captcha(api):
    """A CAPTCHA's token and answer: the runtime draws pictures of a known answer (core.captcha's test hook)."""
    api.app.state.runtime.extras[captcha.EXTRAS_KEY] = lambda: "K7PQ2"
    return {"captcha_token": api.get("/api/v1/captcha").json()["token"], "captcha_answer": "K7PQ2"}


def _apply(api, **changes):
    data = {**FORM, **_captcha(api), **changes}
    files = [("documents", ("hkid.pdf", PDF, "application/pdf"))]
    return api.post("/api/v1/senders/applications", data={**data, "document_types": ["hkid-copy"]}, files=files)


def _officer(api, runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
    response = api.post("/api/v1/auth/login", json={"username": "olivia", "password": "correct-horse-battery"})
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_apply_review_pay_then_the_sender_sees_and_renews(api, runtime):
    response = _apply(api)
    assert response.status_code == 201, response.text
    application = response.json()
    assert application["state"] == "applied"
    assert application["order"]["total"] == "HK$2,025.00"
    assert application["documents"]["required"][0]["status"] == "submitted"

    headers = _officer(api, runtime)
    listed = api.get("/api/v1/senders/applications").json()
    assert [a["id"] for a in listed] == [application["id"]]
    accepted = api.post(f"/api/v1/senders/accounts/{application['id']}/documents/accept", headers=headers)
    assert accepted.json()["state"] == "awaiting-payment"
    order_id = application["order"]["id"]
    short = api.post(f"/api/v1/senders/orders/{order_id}/payments", headers=headers,
                     json={"method": "cheque", "reference": "001234", "amount": "2000"})
    assert short.status_code == 201 and short.json()["outstanding_cents"] == 2_500
    over = api.post(f"/api/v1/senders/orders/{order_id}/payments", headers=headers,
                    json={"method": "cash", "reference": "R1", "amount": "30"})
    assert over.status_code == 422 and over.json()["error"] == "overpayment"
    paid = api.post(f"/api/v1/senders/orders/{order_id}/payments", headers=headers,
                    json={"method": "payment-by-phone", "reference": "PPS 77", "amount": "25.00"})
    assert paid.json()["account_state"] == "active"

    sender = api.post(f"/test/sender-session/{application['id']}").json()
    profile = api.get("/api/v1/senders/me").json()
    assert {r["register"]: r["expires_on"] for r in profile["registers"]} == {"fax": "2027-03-02",
                                                                               "sms": "2026-06-02"}
    renewal = api.post("/api/v1/senders/me/renewals", json={"plans": {"sms": "12-months"}},
                       headers={"X-CSRF-Token": sender["csrf_token"]})
    assert renewal.status_code == 201 and renewal.json()["total"] == "HK$1,600.00"
    assert api.post("/api/v1/senders/me/renewals", json={"plans": {"sms": "12-months"}}).status_code == 403


def test_application_mistakes_get_clear_errors(api):
    assert _apply(api, plans=["email:12-months"]).json()["error"] == "unknown_register"
    assert _apply(api).status_code == 201
    taken = _apply(api)
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    wrong = api.post("/api/v1/senders/applications", data={**FORM, **_captcha(api), "username": "other.one",
                                                           "document_types": ["hkid-copy"]},
                     files=[("documents", ("hkid.pdf", b"MZ not a pdf", "application/pdf"))])
    assert wrong.status_code == 422 and "not a PDF, PNG or JPEG" in wrong.json()["detail"]


def test_officer_and_sender_endpoints_need_their_sign_in(api, runtime):
    assert api.get("/api/v1/senders/applications").status_code == 401
    assert api.get("/api/v1/senders/me").status_code == 401
    fees = api.get("/api/v1/senders/fees").json()
    assert fees["in_force"]["12-months"]["amount"] == "HK$1,600.00"
    headers = _officer(api, runtime)
    revised = api.post("/api/v1/senders/fees", headers=headers,
                       json={"plan": "3-months", "amount": "450", "effective_from": "2026-04-01"})
    assert revised.status_code == 201 and revised.json()["amount"] == "HK$450.00"
    assert api.post("/api/v1/senders/fees", json={"plan": "3-months", "amount": "460",
                                                  "effective_from": "2026-05-01"}).status_code == 403
