"""A script holding only an API key uploads a list, polls the wash and downloads its results; no cookie, no
CSRF token. A revoked key is turned away (401) from all three."""

from __future__ import annotations

import pytest

from telreg.core.db import unit_of_work
from telreg.senders import api_keys

from ..usage_helpers import sender_client
from .helpers import URL, run_washes, upload

LIST = b"98765432\n91234567\n21234567\n"  # allowed; unsubscribed on the own list; listed and protected


def _key(runtime, account_id: int) -> tuple[int, dict[str, str]]:
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                account_id=account_id, enabled=True, officer="olivia")
        key, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=account_id, label="nightly wash", registers=None)
        return key.id, {"Authorization": f"Bearer {plaintext}"}


def _revoke(runtime, account_id: int, key_id: int) -> None:
    with unit_of_work(runtime.session_factory) as session:
        api_keys.revoke_key(session, clock=runtime.clock, account_id=account_id, key_id=key_id, actor="test")


def test_upload_poll_and_download_with_an_api_key_only(runtime, published):
    key_id, bearer = _key(runtime, published["sms"])
    with sender_client(runtime) as client:
        queued = upload(client, bearer, LIST, client_reference="nightly-1")
        wash_id = queued.json()["id"]
        waiting = client.get(f"{URL}/{wash_id}", headers=bearer)
        run_washes(runtime)
        done = client.get(f"{URL}/{wash_id}", headers=bearer)
        kept = client.get(f"{URL}/{wash_id}/files/kept.csv", headers=bearer)
        receipt = client.get(f"{URL}/{wash_id}/files/receipt.json", headers=bearer)
        listing = client.get(URL, headers=bearer)
        anonymous = client.get(f"{URL}/{wash_id}")
        assert not client.cookies  # nothing was signed in: the key alone did it all
    assert queued.status_code == 202, queued.text
    assert waiting.json()["state"] == "queued"
    assert done.json()["state"] == "done" and done.json()["counts"]["kept"] == 1
    assert kept.status_code == 200 and kept.content == b"98765432\n"
    assert receipt.status_code == 200 and receipt.json()["counts"]["blocked_unsubscribed"] == 1
    assert [w["id"] for w in listing.json()] == [wash_id]
    assert anonymous.status_code == 401


@pytest.mark.parametrize("step", ["upload", "poll", "download", "list"])
def test_a_revoked_key_gets_401(runtime, published, step):
    key_id, bearer = _key(runtime, published["sms"])
    with sender_client(runtime) as client:
        wash_id = upload(client, bearer, LIST).json()["id"]
        run_washes(runtime)
        _revoke(runtime, published["sms"], key_id)
        answer = {
            "upload": lambda: upload(client, bearer, LIST, client_reference="after"),
            "poll": lambda: client.get(f"{URL}/{wash_id}", headers=bearer),
            "download": lambda: client.get(f"{URL}/{wash_id}/files/kept.csv", headers=bearer),
            "list": lambda: client.get(URL, headers=bearer),
        }[step]()
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "api_key_rejected" and "revoked" in answer.json()["detail"]


def test_another_accounts_key_cannot_see_the_wash(runtime, published):
    _, owner = _key(runtime, published["sms"])
    _, stranger = _key(runtime, published["short"])
    with sender_client(runtime) as client:
        wash_id = upload(client, owner, LIST).json()["id"]
        run_washes(runtime)
        seen = client.get(f"{URL}/{wash_id}", headers=stranger)
        fetched = client.get(f"{URL}/{wash_id}/files/kept.csv", headers=stranger)
    assert seen.status_code == 404 and fetched.status_code == 404
