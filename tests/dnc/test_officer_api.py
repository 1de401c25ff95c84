"""The officers' HTTP API: paper applications, termination feeds and a number's history, over a signed-in session.

Every test runs on SQLite and PostgreSQL (the ``client`` fixture follows ``backend``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.dnc.vocabulary import Register
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, list_number, make_officer

from .helpers import PDF_BILL

API = "/api/v1/dnc"
PNG_BILL = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _sign_in(client: Any, runtime: Runtime, *, username: str = OFFICER) -> dict[str, str]:
    """Sign in (creating the officer) and return the CSRF header every change must carry."""
    make_officer(runtime, username=username)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _apply(client: Any, headers: dict[str, str], *, number: str = "61234567", registers: tuple[str, ...] = ("sms",),
           bill: bytes = PDF_BILL, filename: str = "bill.pdf", **fields: str) -> Any:
    data = {"number": number, "registers": list(registers), "applicant_name": "CHAN Tai Man", **fields}
    return client.post(f"{API}/paper-applications", data=data, files={"bill": (filename, bill)}, headers=headers)


def _feed(client: Any, headers: dict[str, str], content: bytes, operator: str = "op1") -> Any:
    return client.post(f"{API}/feeds/terminated", data={"operator": operator},
                       files={"file": ("terminated.csv", content, "text/csv")}, headers=headers)


def _listed(client: Any, number: str, register: str = "sms") -> bool:
    return bool(client.get(f"{API}/status/{number}").json()["registers"][register]["listed"])


# ---- who may call --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/history/61234567", "/paper-applications", "/feeds/terminated"])
def test_reading_needs_a_signed_in_officer(client: Any, path: str) -> None:
    response = client.get(API + path)
    assert response.status_code == 401
    assert response.json() == {"error": "not_authenticated", "detail": "Please sign in to see this page."}


def test_changes_without_a_session_are_refused_and_change_nothing(client: Any, runtime: Runtime) -> None:
    # With no session there is nobody to forge a request for: the sign-in check answers (401), not CSRF (403).
    response = _apply(client, {"X-CSRF-Token": "guessed"})
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"
    assert client.post(f"{API}/paper-applications/1/approve").status_code == 401
    assert _feed(client, {}, b"number,terminated_on\n").status_code == 401
    headers = _sign_in(client, runtime)
    assert client.get(f"{API}/paper-applications").json() == []
    assert client.get(f"{API}/feeds/terminated", headers=headers).json() == []


def test_changes_need_the_sessions_csrf_token(client: Any, runtime: Runtime) -> None:
    _sign_in(client, runtime)
    for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
        response = _apply(client, headers)
        assert response.status_code == 403
        assert response.json()["detail"].startswith("This form has expired or did not come from this site.")
        assert _feed(client, headers, b"number,terminated_on\n").status_code == 403
    assert client.get(f"{API}/paper-applications").json() == []
    assert client.get(f"{API}/feeds/terminated").json() == []


def test_staff_without_the_officer_role_are_refused(client: Any, runtime: Runtime) -> None:
    headers = _sign_in(client, runtime)
    with unit_of_work(runtime.session_factory) as session:
        # Only admin and dnc-officer exist today, and admin may do everything: stand in for a later staff role.
        get_user(session, OFFICER).roles = ["senders-officer"]
    for response in (client.get(f"{API}/history/61234567"), client.get(f"{API}/paper-applications"),
                     _apply(client, headers), _feed(client, headers, b"number,terminated_on\n")):
        assert response.status_code == 403
        assert response.json() == {"error": "permission_denied", "detail": "This needs the 'dnc-officer' role.",
                                   "role": "dnc-officer"}


def test_an_admin_may_act_as_an_officer(client: Any, runtime: Runtime) -> None:
    make_officer(runtime, username="boss", roles=("admin",))
    token = client.post("/api/v1/auth/login", json={"username": "boss", "password": OFFICER_PASSWORD}).json()
    response = _apply(client, {"X-CSRF-Token": token["csrf_token"]})
    assert response.status_code == 201 and response.json()["submitted_by"] == "boss"


# ---- paper applications --------------------------------------------------------------------------------------


def test_a_paper_application_is_recorded_listed_on_approval_and_kept_in_history(
    client: Any, runtime: Runtime, clock: Any
) -> None:
    headers = _sign_in(client, runtime)
    recorded = _apply(client, headers, number="6123 4567", registers=("sms", "Prerecorded", "sms"))
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert (body["number"], body["registers"], body["action"], body["status"], body["submitted_by"]) == (
        "61234567", ["sms", "prerecorded"], "register", "pending", OFFICER)
    assert body["bill_filename"] == "bill.pdf" and len(body["bill_sha256"]) == 64
    assert not _listed(client, "61234567")  # nothing is listed before approval

    listed = client.get(f"{API}/paper-applications", params={"status": "pending"}).json()
    assert [a["id"] for a in listed] == [body["id"]]
    assert client.get(f"{API}/paper-applications", params={"status": "approved"}).json() == []

    clock.advance(days=1)
    approved = client.post(f"{API}/paper-applications/{body['id']}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    assert [(o["register"], o["result"], o["registered_on"], o["protected_from"]) for o in approved.json()] == [
        ("sms", "registered", "2026-03-03", "2026-03-14"), ("prerecorded", "registered", "2026-03-03", "2026-03-14")]
    assert _listed(client, "61234567") and _listed(client, "61234567", "prerecorded")
    assert not _listed(client, "61234567", "fax")
    assert client.get(f"{API}/paper-applications").json()[0]["decided_by"] == OFFICER

    history = client.get(f"{API}/history/+852 6123 4567")
    assert history.status_code == 200
    assert [(e["event"], e["register"], e["actor"]) for e in history.json()] == [
        ("paper-application-recorded", None, f"officer:{OFFICER}"),
        ("registered", "sms", f"officer:{OFFICER}"),
        ("registered", "prerecorded", f"officer:{OFFICER}"),
    ]
    assert history.json()[1]["details"]["channel"] == "paper"

    again = client.post(f"{API}/paper-applications/{body['id']}/approve", headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "already_decided"
    assert again.json()["detail"] == f"Paper application {body['id']} was already approved by {OFFICER}."


def test_a_deregistration_application_delists_on_approval(client: Any, runtime: Runtime) -> None:
    list_number(runtime, "61234567", (Register.sms, Register.fax))
    headers = _sign_in(client, runtime)
    application = _apply(client, headers, registers=("fax",), action="deregister", bill=PNG_BILL,
                         filename="bill.png").json()
    outcomes = client.post(f"{API}/paper-applications/{application['id']}/approve", headers=headers).json()
    assert [(o["register"], o["result"]) for o in outcomes] == [("fax", "deregistered")]
    assert not _listed(client, "61234567", "fax") and _listed(client, "61234567", "sms")


def test_a_rejected_application_lists_nothing_and_keeps_the_reason(client: Any, runtime: Runtime) -> None:
    headers = _sign_in(client, runtime)
    application = _apply(client, headers).json()
    blank = client.post(f"{API}/paper-applications/{application['id']}/reject", json={"reason": ""},
                        headers=headers)
    assert blank.status_code == 422 and blank.json()["error"] == "invalid_input"
    assert blank.json()["problems"][0]["field"] == "reason"
    spaces = client.post(f"{API}/paper-applications/{application['id']}/reject", json={"reason": "   "},
                         headers=headers)
    assert spaces.status_code == 422 and spaces.json()["detail"] == "Say why the application is rejected."

    rejected = client.post(f"{API}/paper-applications/{application['id']}/reject",
                           json={"reason": "The bill is older than three months."}, headers=headers)
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == (
        "rejected", "The bill is older than three months.")
    assert not _listed(client, "61234567")
    late = client.post(f"{API}/paper-applications/{application['id']}/approve", headers=headers)
    assert late.status_code == 409 and "already rejected" in late.json()["detail"]


def test_unknown_applications_are_not_found(client: Any, runtime: Runtime) -> None:
    headers = _sign_in(client, runtime)
    for action, kwargs in (("approve", {}), ("reject", {"json": {"reason": "no"}})):
        response = client.post(f"{API}/paper-applications/999/{action}", headers=headers, **kwargs)
        assert response.status_code == 404
        assert response.json() == {"error": "paper_application_not_found",
                                   "detail": "There is no paper application 999.", "id": 999}
    wrong_id = client.post(f"{API}/paper-applications/first/approve", headers=headers)
    assert wrong_id.status_code == 422 and wrong_id.json()["problems"][0]["field"] == "path.application_id"


@pytest.mark.parametrize(
    ("overrides", "code", "detail"),
    [
        ({"registers": ("sms", "tv")}, "invalid_input",
         "'tv' is not a register; the registers are fax, sms and prerecorded."),
        ({"number": "1234"}, "invalid_number", "4 digits"),
        ({"number": "800 123 456"}, "invalid_number", None),
        ({"action": "renew"}, "invalid_input", "'renew' is not an action; use register or deregister."),
        ({"applicant_name": "   "}, "invalid_input", "The applicant's name is required."),
        ({"bill": b"just some text", "filename": "bill.txt"}, "unacceptable_file",
         "'bill.txt' is not a PDF, PNG or JPEG file."),
        ({"bill": b""}, "unacceptable_file", "'bill.pdf' is empty."),
    ],
)
def test_bad_paper_applications_are_refused_with_the_reason(
    client: Any, runtime: Runtime, overrides: dict[str, Any], code: str, detail: str | None
) -> None:
    headers = _sign_in(client, runtime)
    response = _apply(client, headers, **overrides)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == code
    if detail is not None:
        assert detail in response.json()["detail"]
    assert client.get(f"{API}/paper-applications").json() == []  # nothing half-recorded
    assert client.get(f"{API}/history/61234567").json() == []


def test_an_oversized_bill_is_refused_with_the_limit(client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"max_upload_bytes": 1000})
    headers = _sign_in(client, runtime)
    response = _apply(client, headers, bill=PDF_BILL + b"0" * 2000)
    assert response.status_code == 422
    # The limit, not the size read (one byte past the limit) as if it were the file's.
    assert response.json()["detail"] == "'bill.pdf' is too large: the limit is 1,000 bytes."
    assert client.get(f"{API}/paper-applications").json() == []


def test_a_paper_application_without_a_bill_or_register_names_the_missing_field(
    client: Any, runtime: Runtime
) -> None:
    headers = _sign_in(client, runtime)
    no_bill = client.post(f"{API}/paper-applications", headers=headers,
                          data={"number": "61234567", "registers": ["sms"], "applicant_name": "CHAN"})
    assert no_bill.status_code == 422 and [p["field"] for p in no_bill.json()["problems"]] == ["bill"]
    assert "bill: Field required" in no_bill.json()["detail"]
    no_register = client.post(f"{API}/paper-applications", headers=headers,
                              data={"number": "61234567", "applicant_name": "CHAN"},
                              files={"bill": ("bill.pdf", PDF_BILL)})
    assert no_register.status_code == 422 and [p["field"] for p in no_register.json()["problems"]] == ["registers"]


def test_approval_in_the_update_window_waits_and_leaves_the_application_pending(
    client: Any, runtime: Runtime, clock: Any
) -> None:
    headers = _sign_in(client, runtime)
    application = _apply(client, headers).json()
    clock.set(dt.datetime(2026, 3, 2, 23, 30, tzinfo=HK))
    response = client.post(f"{API}/paper-applications/{application['id']}/approve", headers=headers)
    assert response.status_code == 503 and response.json()["error"] == "update_window"
    assert response.headers["retry-after"] == str(30 * 60)
    assert "try again after 00:00" in response.json()["detail"]
    assert client.get(f"{API}/paper-applications").json()[0]["status"] == "pending"
    assert not _listed(client, "61234567")
    clock.set(dt.datetime(2026, 3, 3, 0, 0, tzinfo=HK))
    assert client.post(f"{API}/paper-applications/{application['id']}/approve", headers=headers).status_code == 200
    assert _listed(client, "61234567")


# ---- termination feeds ---------------------------------------------------------------------------------------


def test_a_feed_removes_terminated_numbers_and_its_run_is_listed(client: Any, runtime: Runtime, clock: Any) -> None:
    list_number(runtime, "61234567")
    list_number(runtime, "61234568", (Register.sms,))  # ported: not in the feed, keeps its listing
    headers = _sign_in(client, runtime)
    clock.advance(days=30)
    response = _feed(client, headers, b"number,terminated_on\r\n6123 4567,2026-03-31\r\n91234567,2026-03-30\r\n")
    assert response.status_code == 200, response.text
    run = response.json()
    assert (run["status"], run["operator"], run["lines"], run["numbers"], run["removed"], run["errors"]) == (
        "applied", "op1", 3, 2, 3, [])  # lines include the header
    assert run["imported_by"] == f"officer:{OFFICER}" and run["filename"] == "terminated.csv"
    assert not any(_listed(client, "61234567", r.value) for r in Register)
    assert _listed(client, "61234568")
    history = client.get(f"{API}/history/61234567").json()
    assert [e["event"] for e in history[-3:]] == ["removed-terminated"] * 3
    assert history[-1]["details"]["operator"] == "op1" and history[-1]["details"]["import"] == run["id"]
    assert [r["id"] for r in client.get(f"{API}/feeds/terminated").json()] == [run["id"]]


def test_a_malformed_feed_is_rejected_whole_with_line_numbers_and_still_recorded(
    client: Any, runtime: Runtime
) -> None:
    list_number(runtime, "61234567", (Register.sms,))
    headers = _sign_in(client, runtime)
    content = b"number,terminated_on\n61234567,2026-03-01\n1234,2026-03-01\n61234569,yesterday\n"
    response = _feed(client, headers, content)
    assert response.status_code == 422
    run = response.json()
    assert (run["status"], run["removed"]) == ("rejected", 0)
    assert [e["line"] for e in run["errors"]] == [3, 4]
    assert run["errors"][1]["error"] == "line 4: 'yesterday' is not an ISO date such as 2026-03-02"
    assert _listed(client, "61234567")  # the valid line was not applied either
    assert [r["status"] for r in client.get(f"{API}/feeds/terminated").json()] == ["rejected"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"number,terminated_on\n61234567,2026-03-01\n\xff\xfe91234567,2026-03-01\n",
         "line 3: the file is not UTF-8 text"),
        (b"phone,date\n61234567,2026-03-01\n", "line 1: the header must be number,terminated_on"),
    ],
)
def test_a_feed_that_is_not_the_format_says_why(client: Any, runtime: Runtime, content: bytes, message: str) -> None:
    headers = _sign_in(client, runtime)
    response = _feed(client, headers, content)
    assert response.status_code == 422 and response.json()["status"] == "rejected"
    assert response.json()["errors"][0]["error"].startswith(message)


def test_an_oversized_feed_is_rejected_with_the_limit(client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"feed_max_bytes": 100})
    headers = _sign_in(client, runtime)
    response = _feed(client, headers, b"number,terminated_on\n" + b"61234567,2026-03-01\n" * 10)
    assert response.status_code == 422 and response.json()["status"] == "rejected"
    assert "the limit is 100" in response.json()["errors"][0]["error"]


def test_a_feed_needs_an_operator(client: Any, runtime: Runtime) -> None:
    headers = _sign_in(client, runtime)
    blank = _feed(client, headers, b"number,terminated_on\n", operator="  ")
    assert blank.status_code == 422 and blank.json() == {"error": "invalid_input",
                                                         "detail": "Say which operator sent the feed."}
    missing = client.post(f"{API}/feeds/terminated", headers=headers,
                          files={"file": ("t.csv", b"number,terminated_on\n")})
    assert missing.status_code == 422 and [p["field"] for p in missing.json()["problems"]] == ["operator"]
    assert client.get(f"{API}/feeds/terminated").json() == []


def test_a_feed_in_the_update_window_is_refused_with_retry_after(client: Any, runtime: Runtime, clock: Any) -> None:
    list_number(runtime, "61234567", (Register.sms,))
    headers = _sign_in(client, runtime)
    clock.set(dt.datetime(2026, 3, 2, 23, 0, tzinfo=HK))
    response = _feed(client, headers, b"number,terminated_on\n61234567,2026-03-02\n")
    assert response.status_code == 503 and response.headers["retry-after"] == "3600"
    assert _listed(client, "61234567")
    assert client.get(f"{API}/feeds/terminated").json() == []


# ---- history -------------------------------------------------------------------------------------------------


def test_history_of_a_malformed_number_says_what_is_wrong(client: Any, runtime: Runtime) -> None:
    _sign_in(client, runtime)
    response = client.get(f"{API}/history/2123456a")
    assert response.status_code == 422 and response.json()["error"] == "invalid_number"
    assert "letters" in response.json()["detail"]
    assert client.get(f"{API}/history/21234567").json() == []  # a valid number never listed: no events
