"""API keys: by arrangement only, shown once, stored hashed, revocable, scoped to the account's registers."""

import datetime as dt
import hashlib
import re

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import select

from telreg.app import create_app
from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.security import csrf_token
from telreg.deps import DbSession, RuntimeDep
from telreg.senders import api_keys, signin
from telreg.senders.deps import SenderCallerDep, start_sender_session
from telreg.senders.errors import (
    ApiAccessDisabled,
    ApiKeyNotFound,
    ApiKeyRejected,
    RegisterNotHeld,
    UnknownRegister,
)
from telreg.senders.models import SenderAccount, SenderApiKey
from telreg.senders.vocabulary import Plan, Register

from .helpers import make_active, make_officer

TWO_REGISTERS = {Register.fax: Plan.twelve_months, Register.sms: Plan.three_months}
KEY_FORMAT = re.compile(r"^tr_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$")


def _enable(session, runtime, account_id, enabled=True):
    return api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                                   enabled=enabled, officer="olivia")


def _create(session, runtime, account_id, registers=None, label="nightly download"):
    return api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                               label=label, registers=registers)


def _authenticate(session, runtime, bearer):
    return api_keys.authenticate(session, clock=runtime.clock, settings=runtime.settings, bearer=bearer)


@pytest.fixture
def account(session, runtime):
    make_officer(session, runtime.clock)
    return make_active(session, runtime, plans=TWO_REGISTERS)


def test_keys_need_api_access_turned_on_by_an_officer(session, runtime, account):
    with pytest.raises(ApiAccessDisabled, match="by arrangement"):
        _create(session, runtime, account.id)
    row = _enable(session, runtime, account.id)
    assert row.api_access and row.api_access_changed_by == "olivia"
    key, plaintext = _create(session, runtime, account.id)
    assert KEY_FORMAT.match(plaintext)
    events = audit.history(session, subject_type="sender", subject_key=str(account.id))
    assert {"sender-api-access-on", "sender-api-key-created"} <= {e.action for e in events}


def test_the_key_is_shown_once_and_only_its_hash_is_kept(session, runtime, account):
    _enable(session, runtime, account.id)
    key, plaintext = _create(session, runtime, account.id)
    prefix, secret = plaintext.removeprefix("tr_").split(".")
    stored = session.scalar(select(SenderApiKey).where(SenderApiKey.id == key.id))
    assert stored.prefix == prefix
    assert stored.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in "|".join(str(v) for v in vars(stored).values())
    listed = api_keys.list_keys(session, account_id=account.id)
    assert [k["id"] for k in listed] == [key.id]
    assert secret not in str(listed) and listed[0]["key_prefix"] == f"tr_{prefix}"
    _, other = _create(session, runtime, account.id)
    assert other != plaintext


def test_a_key_stands_for_its_account_within_its_scope(session, runtime, account):
    _enable(session, runtime, account.id)
    everything, all_plain = _create(session, runtime, account.id)
    assert everything.registers == "fax,sms"
    _, sms_plain = _create(session, runtime, account.id, registers=["SMS"])
    caller = _authenticate(session, runtime, sms_plain)
    assert caller.account_id == account.id and caller.scope == frozenset({"sms"})
    assert caller.registers == frozenset({"sms"}) and not caller.may_use("fax")
    assert _authenticate(session, runtime, all_plain).registers == frozenset({"fax", "sms"})
    with pytest.raises(RegisterNotHeld, match="prerecorded"):
        _create(session, runtime, account.id, registers=["sms", "prerecorded"])
    with pytest.raises(UnknownRegister):
        _create(session, runtime, account.id, registers=["email"])


def test_using_a_key_records_when(session, runtime, clock, account):
    _enable(session, runtime, account.id)
    key, plaintext = _create(session, runtime, account.id)
    assert key.last_used_at is None
    clock.advance(hours=2)
    _authenticate(session, runtime, plaintext)
    session.expire_all()
    assert session.get(SenderApiKey, key.id).last_used_at == clock.now()


@pytest.mark.parametrize("bearer", ["", "tr_abc", "Basic dXNlcjpwYXNz", "tr_0123456789ab." + "A" * 43,
                                    "tr_ZZZZZZZZZZZZ." + "A" * 43])
def test_malformed_or_unknown_keys_are_refused(session, runtime, account, bearer):
    with pytest.raises(ApiKeyRejected):
        _authenticate(session, runtime, bearer)


def test_a_right_prefix_with_a_wrong_secret_is_refused(session, runtime, account):
    _enable(session, runtime, account.id)
    _, plaintext = _create(session, runtime, account.id)
    forged = plaintext[:-4] + ("AAAA" if not plaintext.endswith("AAAA") else "BBBB")
    with pytest.raises(ApiKeyRejected, match="not valid"):
        _authenticate(session, runtime, forged)


def test_revoked_keys_and_switched_off_access_stop_working(session, runtime, account):
    _enable(session, runtime, account.id)
    first, first_plain = _create(session, runtime, account.id)
    _, second_plain = _create(session, runtime, account.id)
    api_keys.revoke_key(session, clock=runtime.clock, account_id=account.id, key_id=first.id,
                        actor=f"sender:{account.id}")
    with pytest.raises(ApiKeyRejected, match="revoked on 2026-03-02"):
        _authenticate(session, runtime, first_plain)
    assert _authenticate(session, runtime, second_plain).account_id == account.id
    _enable(session, runtime, account.id, enabled=False)
    with pytest.raises(ApiKeyRejected, match="not enabled"):
        _authenticate(session, runtime, second_plain)
    _enable(session, runtime, account.id)
    assert _authenticate(session, runtime, second_plain).account_id == account.id  # keys survive off-and-on


def test_a_sender_can_revoke_only_its_own_keys(session, runtime, account):
    other = make_active(session, runtime, username="lee.siuming", contact_email="lee@example.com")
    _enable(session, runtime, account.id)
    key, _ = _create(session, runtime, account.id)
    with pytest.raises(ApiKeyNotFound):
        api_keys.revoke_key(session, clock=runtime.clock, account_id=other.id, key_id=key.id,
                            actor=f"sender:{other.id}")


def test_expired_and_cancelled_accounts(session, runtime, clock, account):
    _enable(session, runtime, account.id)
    _, plaintext = _create(session, runtime, account.id)
    clock.set(dt.datetime(2027, 3, 10, 9, 0))  # both registers expired, in grace: signed in but nothing usable
    assert _authenticate(session, runtime, plaintext).registers == frozenset()
    clock.set(dt.datetime(2027, 5, 3, 9, 0))  # grace over: cancelled
    with pytest.raises(ApiKeyRejected, match="cancelled"):
        _authenticate(session, runtime, plaintext)


# ---- over HTTP ---------------------------------------------------------------------------------------------------

def _app(runtime):
    app = create_app(runtime)

    # A stand-in for the download/check endpoints: anything that takes SenderCallerDep.
    @app.post("/api/v1/test/caller")
    def _caller(caller: SenderCallerDep) -> dict:
        return {"account_id": caller.account_id, "api_key_id": caller.api_key_id,
                "registers": sorted(caller.registers)}

    # Sign-in with a CAPTCHA is tested in test_signin.py; this starts a sender session the same way.
    @app.post("/test/sender-session/{account_id}")
    def _start(account_id: int, request: Request, session: DbSession, runtime: RuntimeDep) -> dict:
        start_sender_session(request, session, runtime, account_id)  # a server-side session since issue 14
        return {"csrf_token": csrf_token(request)}

    return app


@pytest.fixture
def api(runtime):
    with TestClient(_app(runtime)) as client:
        yield client


@pytest.fixture
def active(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        return make_active(session, runtime, plans=TWO_REGISTERS).id


def _officer(api):
    token = api.post("/api/v1/auth/login", json={"username": "olivia", "password": "correct-horse-battery"})
    return {"X-CSRF-Token": token.json()["csrf_token"]}


def test_http_key_life_from_arrangement_to_revocation(runtime, active):
    app = _app(runtime)
    with TestClient(app) as officer_client:
        headers = _officer(officer_client)
        refused = officer_client.put(f"/api/v1/senders/accounts/{active}/api-access", json={"enabled": True})
        assert refused.status_code == 403
        turned_on = officer_client.put(f"/api/v1/senders/accounts/{active}/api-access", json={"enabled": True},
                                       headers=headers)
        assert turned_on.status_code == 200 and turned_on.json()["api_access"] is True

    with TestClient(app) as browser, TestClient(app) as script:
        csrf = {"X-CSRF-Token": browser.post(f"/test/sender-session/{active}").json()["csrf_token"]}
        unscoped = browser.post("/api/v1/senders/me/api-keys", json={"label": "x", "registers": ["prerecorded"]},
                                headers=csrf)
        assert unscoped.status_code == 409 and unscoped.json()["error"] == "register_not_held"
        no_csrf = browser.post("/api/v1/senders/me/api-keys", json={"label": "x"})
        assert no_csrf.status_code == 403
        created = browser.post("/api/v1/senders/me/api-keys", json={"label": "cron", "registers": ["sms"]},
                               headers=csrf)
        assert created.status_code == 201, created.text
        plaintext, key = created.json()["api_key"], created.json()["key"]
        assert KEY_FORMAT.match(plaintext) and key["registers"] == ["sms"]
        listed = browser.get("/api/v1/senders/me/api-keys").json()
        assert [k["id"] for k in listed] == [key["id"]] and plaintext.split(".")[1] not in str(listed)

        # A script: no cookie, no CSRF token, just the key.
        used = script.post("/api/v1/test/caller", headers={"Authorization": f"Bearer {plaintext}"})
        assert used.status_code == 200, used.text
        assert used.json() == {"account_id": active, "api_key_id": key["id"], "registers": ["sms"]}
        # The browser session on the same endpoint needs its CSRF token.
        assert browser.post("/api/v1/test/caller").status_code == 403
        assert browser.post("/api/v1/test/caller", headers=csrf).json()["registers"] == ["fax", "sms"]
        bad = script.post("/api/v1/test/caller", headers={"Authorization": "Bearer tr_nonsense"})
        assert bad.status_code == 401 and bad.json()["error"] == "api_key_rejected"

        revoked = browser.delete(f"/api/v1/senders/me/api-keys/{key['id']}", headers=csrf)
        assert revoked.status_code == 200 and revoked.json()["active"] is False
        after = script.post("/api/v1/test/caller", headers={"Authorization": f"Bearer {plaintext}"})
        assert after.status_code == 401 and "revoked" in after.json()["detail"]
        missing = browser.delete("/api/v1/senders/me/api-keys/9999", headers=csrf)
        assert missing.status_code == 404 and missing.json()["error"] == "api_key_not_found"


def test_http_switching_access_off_stops_the_key(api, runtime, active):
    with unit_of_work(runtime.session_factory) as session:
        _enable(session, runtime, active)
        _, plaintext = _create(session, runtime, active)
    bearer = {"Authorization": f"Bearer {plaintext}"}
    assert api.post("/api/v1/test/caller", headers=bearer).status_code == 200
    with unit_of_work(runtime.session_factory) as session:
        _enable(session, runtime, active, enabled=False)
    off = api.post("/api/v1/test/caller", headers=bearer)
    assert off.status_code == 401 and "not enabled" in off.json()["detail"]


def test_a_pending_password_change_blocks_the_session_but_not_keys(api, runtime, active):
    with unit_of_work(runtime.session_factory) as session:
        _enable(session, runtime, active)
        _, plaintext = _create(session, runtime, active)
        signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings, account_id=active,
                                       officer="olivia")
    csrf = {"X-CSRF-Token": api.post(f"/test/sender-session/{active}").json()["csrf_token"]}
    blocked = api.post("/api/v1/test/caller", headers=csrf)
    assert blocked.status_code == 403 and blocked.json()["error"] == "password_change_required"
    keyed = api.post("/api/v1/test/caller", headers={"Authorization": f"Bearer {plaintext}"})
    assert keyed.status_code == 200


def test_cli_turns_api_access_on_and_off(cli, runtime, active):
    code, out, _ = cli("senders", "api-access", str(active), "--on", "--officer", "olivia")
    assert code == 0 and "is on" in out
    with unit_of_work(runtime.session_factory) as session:
        assert session.get(SenderAccount, active).api_access is True
    code, out, _ = cli("senders", "api-access", "chan.taiman", "--off", "--officer", "olivia")
    assert code == 0 and "is off" in out
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(SenderAccount, active)
        assert row.api_access is False and row.api_access_changed_by == "olivia"
