"""The lookup over HTTP: public code request and proof, the session's access, flags with CSRF, and the
operators' flag endpoints. SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

from typing import Any

from telreg.core.notify import FakeSms
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import CARD, ZHANG_AT_CMCC, code_sent, holdings, wrong

API = "/api/v1/realname/lookup"
ASK = {"document": {"type": "cn-resident-id", "number": CARD}, "number": ZHANG_AT_CMCC[0]}


def _open(client: Any, sms: FakeSms) -> str:
    asked = client.post(f"{API}/codes", json=ASK)
    assert asked.status_code == 202, asked.text
    code = code_sent(sms, ZHANG_AT_CMCC[0])
    opened = client.post(f"{API}/codes/verify", json={"challenge": asked.json()["challenge"], "code": code})
    assert opened.status_code == 200, opened.text
    return opened.json()["csrf_token"]


def test_public_lookup_then_flag_with_the_sessions_token(client: Any, runtime: Runtime, sms: FakeSms) -> None:
    holdings(runtime)
    assert client.get(f"{API}/summary").json()["error"] == "lookup_access_ended"
    unmatched = client.post(f"{API}/codes", json={**ASK, "number": "13700137000"})
    asked = client.post(f"{API}/codes", json=ASK)
    assert unmatched.status_code == asked.status_code == 202
    assert unmatched.json()["message"] == asked.json()["message"]
    assert set(unmatched.json()) == set(asked.json()) == {"challenge", "expires_at", "message"}

    code = code_sent(sms, ZHANG_AT_CMCC[0])
    challenge = asked.json()["challenge"]
    rejected = client.post(f"{API}/codes/verify", json={"challenge": challenge, "code": wrong(code)})
    assert rejected.status_code == 422
    assert rejected.json()["error"] == "code_rejected" and rejected.json()["attempts_left"] == 4
    opened = client.post(f"{API}/codes/verify", json={"challenge": asked.json()["challenge"], "code": code})
    assert opened.status_code == 200
    token = opened.json()["csrf_token"]
    assert [o["count"] for o in opened.json()["summary"]["operators"]] == [3, 0, 1]
    assert client.get(f"{API}/summary").json() == opened.json()["summary"]

    assert client.post(f"{API}/flags", json={"position": 2}).json()["error"] == "csrf_rejected"
    flagged = client.post(f"{API}/flags", json={"position": 2}, headers={"X-CSRF-Token": token})
    assert flagged.status_code == 201 and flagged.json()["number"] == "13800******"
    repeated = client.post(f"{API}/flags", json={"number": ZHANG_AT_CMCC[1]}, headers={"X-CSRF-Token": token})
    assert repeated.status_code == 200 and repeated.json()["id"] == flagged.json()["id"]

    assert client.post(f"{API}/end").status_code == 204
    assert client.get(f"{API}/summary").status_code == 401


def test_too_many_codes_is_429_with_retry_after(client: Any, runtime: Runtime) -> None:
    holdings(runtime)
    statuses = [client.post(f"{API}/codes", json=ASK).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    refused = client.post(f"{API}/codes", json=ASK)
    assert refused.json()["error"] == "lookup_rate_limited" and int(refused.headers["Retry-After"]) > 0


def test_operators_list_and_close_flags(client: Any, runtime: Runtime, sms: FakeSms) -> None:
    holdings(runtime)
    public = _open(client, sms)
    flag_id = client.post(f"{API}/flags", json={"position": 1}, headers={"X-CSRF-Token": public}).json()["id"]
    client.post(f"{API}/end")

    assert client.get("/api/v1/realname/flags", params={"operator": "cmcc"}).status_code == 401
    make_officer(runtime, username="clerk.wong", roles=("operator-staff",), operator="cmcc")
    signed = client.post("/api/v1/auth/login", json={"username": "clerk.wong", "password": OFFICER_PASSWORD})
    staff = {"X-CSRF-Token": signed.json()["csrf_token"]}
    listed = client.get("/api/v1/realname/flags", params={"operator": "cmcc"})
    assert [(f["id"], f["number"], f["holder"]["name"]) for f in listed.json()] == [
        (flag_id, ZHANG_AT_CMCC[0], "张*")]
    closed = client.post(f"/api/v1/realname/flags/{flag_id}/close", json={"note": "SIM swapped back"},
                         headers=staff)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(f"/api/v1/realname/flags/{flag_id}/close", json={"note": "twice"}, headers=staff)
    assert again.status_code == 409 and again.json()["error"] == "flag_closed"
    assert client.get("/api/v1/realname/flags", params={"operator": "cmcc"}).json() == []


def test_not_offered_under_the_hong_kong_policy(client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "hong-kong"})
    answer = client.post(f"{API}/codes", json={"document": {"type": "hkid", "number": "A123456(3)"},
                                               "number": "51234567"})
    assert answer.status_code == 404 and answer.json()["error"] == "lookup_not_offered"


def test_the_policy_files_lookup_limits_are_the_ones_applied(client: Any, runtime: Runtime, sms: FakeSms,
                                                             tmp_path: Any) -> None:
    from importlib import resources

    from telreg.realname.policy import load_policy

    holdings(runtime)
    shipped = (resources.files("telreg.realname.policy") / "files" / "mainland-china.toml").read_text("utf-8")
    assert "codes_per_number = 3" in shipped and "max_attempts = 5" in shipped
    custom = tmp_path / "strict.toml"
    custom.write_text(shipped.replace("codes_per_number = 3", "codes_per_number = 1")
                      .replace("max_attempts = 5", "max_attempts = 2"), encoding="utf-8")
    assert load_policy(str(custom)).lookup.codes_per_number == 1
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": str(custom)})

    asked = client.post(f"{API}/codes", json=ASK)
    assert asked.status_code == 202
    code = code_sent(sms, ZHANG_AT_CMCC[0])
    rejected = client.post(f"{API}/codes/verify", json={"challenge": asked.json()["challenge"], "code": wrong(code)})
    assert rejected.json()["attempts_left"] == 1  # 2 allowed by the file, not the default 5
    again = client.post(f"{API}/codes", json=ASK)  # a second code for the number within the hour: 1 allowed
    assert again.status_code == 429 and again.json()["error"] == "lookup_rate_limited"
    assert int(again.headers["Retry-After"]) > 0
