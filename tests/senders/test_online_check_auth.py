"""The online check's caller cache (senders/check_cache.py): every refusal still said, and a change seen within
the bound — at once when made in this process, within TTL_SECONDS when made elsewhere (another process's commit is
stood in for by raw SQL, which this process's session listeners cannot see)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders import api_keys
from telreg.senders.check_cache import TTL_SECONDS
from telreg.senders.models import SenderApiKey, SenderCheck

from ..dnc.publish_helpers import register
from .helpers import make_active, make_officer
from .usage_helpers import DAY2, at, sender_client

URL = "/api/v1/senders/me/check"


@pytest.fixture
def keyed(runtime, clock):
    """An active sms account with API access and one key; 21234567 listed on sms."""
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime)
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                enabled=True, officer="olivia")
        key, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=account.id, label="checker")
        ids = {"account": account.id, "key": key.id}
    register(runtime, "21234567", Register.sms)
    clock.set(at(DAY2, 9))
    return {**ids, "headers": {"Authorization": f"Bearer {plaintext}"}}


def _check(client, headers):
    return client.post(URL, json={"numbers": ["21234567"]}, headers=headers)


def _elsewhere(runtime, sql, **params):
    """A change committed as another process would commit it: this process's ORM listeners do not see it."""
    with runtime.engine.begin() as conn:
        conn.execute(text(sql), params)


def _after_the_bound():
    time.sleep(TTL_SECONDS + 0.2)


def test_a_key_revoked_in_this_process_stops_at_once(runtime, keyed):
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        with unit_of_work(runtime.session_factory) as session:
            api_keys.revoke_key(session, clock=runtime.clock, account_id=keyed["account"], key_id=keyed["key"],
                                actor="sender:1")
        refused = _check(client, keyed["headers"])
    assert refused.status_code == 401
    assert "revoked on" in refused.json()["detail"]


def test_a_key_revoked_by_another_process_stops_within_the_bound(runtime, keyed):
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        _elsewhere(runtime, "UPDATE sender_api_keys SET revoked_at = :at, revoked_by = 'officer' WHERE id = :id",
                   at=runtime.clock.now().replace(tzinfo=None), id=keyed["key"])
        _after_the_bound()
        refused = _check(client, keyed["headers"])
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "api_key_rejected" and "revoked on" in refused.json()["detail"]


def test_api_access_switched_off_elsewhere_stops_within_the_bound(runtime, keyed):
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        _elsewhere(runtime, "UPDATE sender_accounts SET api_access = :off WHERE id = :id", off=False,
                   id=keyed["account"])
        _after_the_bound()
        refused = _check(client, keyed["headers"])
    assert refused.status_code == 401
    assert "API access is not enabled" in refused.json()["detail"]


def test_a_cancelled_account_stops_within_the_bound(runtime, keyed):
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        _elsewhere(runtime, "UPDATE sender_accounts SET state = 'cancelled' WHERE id = :id", id=keyed["account"])
        _after_the_bound()
        refused = _check(client, keyed["headers"])
    assert refused.status_code == 401
    assert "cancelled" in refused.json()["detail"]


def test_a_wrong_secret_is_never_served_from_the_cache(runtime, keyed):
    good = keyed["headers"]["Authorization"]
    wrong = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        refused = _check(client, {"Authorization": wrong})
    assert refused.status_code == 401 and refused.json()["detail"] == "This API key is not valid."


def test_moving_business_time_past_the_bound_asks_again(runtime, clock, keyed):
    """The cache is bounded in the injected clock's time too: a subscription that lapses is refused at once."""
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        clock.set(at(DAY2.replace(year=2027, day=20), 9))  # after the 12 months, in the grace period
        refused = _check(client, keyed["headers"])
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "register_not_usable"


def test_the_check_notes_the_keys_last_use_with_its_record(runtime, clock, keyed):
    with sender_client(runtime) as client:
        assert _check(client, keyed["headers"]).status_code == 200
        clock.set(at(DAY2, 9, 5))
        assert _check(client, keyed["headers"]).status_code == 200
    with unit_of_work(runtime.read_session_factory) as session:
        key = session.get(SenderApiKey, keyed["key"])
        rows = session.scalars(select(SenderCheck).where(SenderCheck.api_key_id == keyed["key"])).all()
    assert key is not None and key.last_used_at == at(DAY2, 9, 5)
    assert len(rows) == 2
