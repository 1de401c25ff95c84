"""The lists API: a signed-in sender (CSRF on POSTs) or an API key records, imports, reads and exports."""

from __future__ import annotations

import datetime as dt

from telreg.core.db import unit_of_work
from telreg.senders import api_keys

from ..usage_helpers import sender_client, sign_in

BASE = "/api/v1/senders/me/lists"
FILE = (b"number,instruction,at,how,reference\n"
        b"9123 4567,consent,2026-02-01T09:00,web-form,F-17\n"
        b"+852 6123 4567,unsubscribe,2026-02-02,reply-stop,\n")


def test_a_signed_in_sender_keeps_its_lists_over_http(runtime, account_id):
    with sender_client(runtime) as client:
        csrf = sign_in(client, account_id)
        imported = client.post(f"{BASE}/sms/import", files={"file": ("mine.csv", FILE, "text/csv")},
                               data={"client": "ACME"}, headers=csrf)
        one = client.post(f"{BASE}/sms", json={"number": "91234567", "instruction": "unsubscribe",
                                               "at": "2026-02-05T12:00", "how": "call", "client": "ACME"},
                          headers=csrf)
        current = client.get(f"{BASE}/sms/current", params={"client": "ACME"})
        own = client.get(f"{BASE}/sms/current")
        history = client.get(f"{BASE}/sms/history", params={"client": "ACME", "number": "+852 91234567"})
        export = client.get(f"{BASE}/sms/export", params={"client": "ACME"})
        full = client.get(f"{BASE}/sms/export", params={"client": "ACME", "full": "true"})
        no_csrf = client.post(f"{BASE}/sms", json={"number": "91234567", "instruction": "consent",
                                                   "at": "2026-02-06", "how": "call"})
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"register": "sms", "client_ref": "ACME", "recorded": 2, "consents": 1,
                               "unsubscribes": 1, "already_recorded": 0,
                               "import_id": imported.json()["import_id"]}  # its record (issue 14)
    assert isinstance(imported.json()["import_id"], int)
    assert one.status_code == 201, one.text
    assert one.json()["recorded_by"] == f"sender:{account_id}"
    assert dt.datetime.fromisoformat(one.json()["given_at"]) == dt.datetime(2026, 2, 5, 4, tzinfo=dt.UTC)  # 12:00 HK
    assert [(r["number"], r["instruction"]) for r in current.json()] == [("61234567", "unsubscribe"),
                                                                          ("91234567", "unsubscribe")]
    assert own.json() == []
    assert [(r["instruction"], r["how"], r["reference"]) for r in history.json()] == [
        ("consent", "web-form", "F-17"), ("unsubscribe", "call", None)]
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[0] == "number,instruction,at,how,reference" and len(export.text.splitlines()) == 3
    assert len(full.text.splitlines()) == 4 and full.text.splitlines()[0].endswith("recorded_at,recorded_by")
    assert no_csrf.status_code == 403


def test_bad_files_and_registers_get_clear_answers(runtime, account_id):
    bad = b"number,instruction,at\n91234567,consent,2026-02-01\n12,consent,2026-02-01\n"
    with sender_client(runtime) as client:
        csrf = sign_in(client, account_id)
        refused = client.post(f"{BASE}/sms/import", files={"file": ("bad.csv", bad, "text/csv")}, headers=csrf)
        fax = client.get(f"{BASE}/fax/current")
        nonsense = client.get(f"{BASE}/telex/current")
        after = client.get(f"{BASE}/sms/current")
    assert refused.status_code == 422 and refused.json()["error"] == "instructions_file_refused"
    assert refused.json()["errors"] == [{"line": 3, "problem": refused.json()["errors"][0]["problem"]}]
    assert "2 digits" in refused.json()["errors"][0]["problem"]
    assert fax.status_code == 409 and fax.json()["error"] == "register_not_held"
    assert nonsense.status_code == 422 and nonsense.json()["error"] == "unknown_register"
    assert after.json() == []


def test_without_a_session_or_key_the_lists_are_closed(runtime, account_id):
    with sender_client(runtime) as client:
        responses = [client.get(f"{BASE}/sms/current"), client.get(f"{BASE}/sms/export"),
                     client.post(f"{BASE}/sms/import", files={"file": ("mine.csv", FILE, "text/csv")}),
                     client.get(f"{BASE}/sms/current", headers={"Authorization": "Bearer tr_nonsense"})]
    # No key and no session: nobody to check a CSRF token for, so the sign-in check answers (401), POST too.
    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert responses[0].json()["error"] == "not_authenticated"


def test_an_api_key_records_without_csrf_and_is_named_as_recorder(runtime, account_id):
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                                enabled=True, officer="olivia")
        key, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=account_id, label="crm sync", registers=None)
        key_id = key.id
    bearer = {"Authorization": f"Bearer {plaintext}"}
    with sender_client(runtime) as client:
        imported = client.post(f"{BASE}/sms/import", files={"file": ("crm.csv", FILE, "text/csv")}, headers=bearer)
        history = client.get(f"{BASE}/sms/history", headers=bearer)
    assert imported.status_code == 200, imported.text
    assert {r["recorded_by"] for r in history.json()} == {f"api-key:{key_id}"}


def test_current_history_and_export_come_in_pages(runtime, account_id):
    """Issue 14: a long list is read a page at a time, with the total and the next page's address."""
    lines = "".join(f"9{i:07d},consent,2026-02-01T09:00\n" for i in range(25))
    with sender_client(runtime) as client:
        csrf = sign_in(client, account_id)
        client.post(f"{BASE}/sms/import", files={"file": ("m.csv", f"number,instruction,at\n{lines}".encode(),
                                                          "text/csv")}, headers=csrf)
        first = client.get(f"{BASE}/sms/current", params={"limit": 10})
        last = client.get(f"{BASE}/sms/current", params={"limit": 10, "offset": 20})
        history = client.get(f"{BASE}/sms/history", params={"limit": 10, "offset": 10})
        export = client.get(f"{BASE}/sms/export", params={"limit": 10, "offset": 10})
        too_many = client.get(f"{BASE}/sms/current", params={"limit": 10_001})
    assert [r["number"] for r in first.json()] == [f"9{i:07d}" for i in range(10)]
    assert first.headers["X-Total-Count"] == "25" and 'offset=10' in first.headers["Link"]
    assert len(last.json()) == 5 and "Link" not in last.headers
    assert [r["number"] for r in history.json()] == [f"9{i:07d}" for i in range(10, 20)]
    assert export.text.splitlines()[1].startswith("90000010,") and len(export.text.splitlines()) == 11
    assert export.headers["X-Total-Count"] == "25"
    assert too_many.status_code == 422
