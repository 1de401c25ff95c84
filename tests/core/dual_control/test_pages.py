"""The page /staff/approvals: ask, confirm, approve, download, in three languages and for the right roles only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app

from ...web.page_text import english_runs, raw_values, visible_text
from .helpers import PASSWORD, PEOPLE, make_people, make_registrations

NAMES = (*PEOPLE, "harbour", "Harbour Mobile", "Peak Telecom")


def _browser(runtime: Any, username: str) -> TestClient:
    client = TestClient(create_app(runtime), follow_redirects=False)
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    signed = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 303, signed.text[:300]
    return client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


@pytest.fixture
def world(runtime: Any) -> None:
    make_people(runtime)
    make_registrations(runtime)


def test_ask_approve_through_the_confirmation_and_download_once(runtime: Any, world: None) -> None:
    carol, cody = _browser(runtime, "carol"), _browser(runtime, "cody")
    page = carol.get("/staff/approvals")
    assert page.status_code == 200 and 'id="ask-form"' in page.text
    assert 'value="bulk-unmask"' in page.text and 'value="key-rotation"' not in page.text  # her roles' kinds only
    asked = carol.post("/staff/approvals", data={"csrf_token": _token(page.text), "kind": "bulk-export",
                                                 "operator": "harbour", "reason": "審計"})
    assert asked.status_code == 303
    request_id = int(asked.headers["location"].rsplit("-", 1)[1])

    own = carol.get("/staff/approvals").text
    assert f'id="request-{request_id}"' in own and "/approve" not in own  # nothing to decide on her own request
    seen = cody.get("/staff/approvals").text
    assert f'action="/staff/approvals/{request_id}/approve"' in seen
    token = _token(seen)
    unreasoned = cody.post(f"/staff/approvals/{request_id}/approve", data={"csrf_token": token})
    assert unreasoned.status_code == 422 and "Give the reason for your decision" in unreasoned.text
    asked_again = cody.post(f"/staff/approvals/{request_id}/approve", data={"csrf_token": token, "reason": "ok"})
    assert asked_again.status_code == 200 and 'name="confirm" value="yes"' in asked_again.text
    assert "/download" not in carol.get("/staff/approvals").text  # not approved yet
    done = cody.post(f"/staff/approvals/{request_id}/approve",
                     data={"csrf_token": token, "reason": "ok", "confirm": "yes"})
    assert done.status_code == 303

    mine = carol.get("/staff/approvals").text
    assert f'action="/staff/approvals/{request_id}/download"' in mine
    got = carol.post(f"/staff/approvals/{request_id}/download", data={"csrf_token": _token(mine)})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.text.count("\n") == 4 and "CHAN Tai Man" not in got.text
    twice = carol.post(f"/staff/approvals/{request_id}/download", data={"csrf_token": _token(mine)})
    assert twice.status_code == 409 and "not approved and unused" in twice.text


def test_the_same_person_cannot_approve_on_the_page(runtime: Any, world: None) -> None:
    alice = _browser(runtime, "alice")
    page = alice.get("/staff/approvals").text
    asked = alice.post("/staff/approvals", data={"csrf_token": _token(page), "kind": "key-rotation",
                                                 "key_id": "k9", "reason": "yearly"})
    request_id = int(asked.headers["location"].rsplit("-", 1)[1])
    own = alice.post(f"/staff/approvals/{request_id}/approve",
                     data={"csrf_token": _token(page), "reason": "me", "confirm": "yes"})
    assert own.status_code == 403 and "you asked for it, so someone else must approve it" in own.text


def test_only_the_three_roles_see_the_page(runtime: Any, world: None) -> None:
    assert _browser(runtime, "sam").get("/staff/approvals").status_code == 403
    assert _browser(runtime, "rita").get("/staff/approvals").status_code == 200
    anonymous = TestClient(create_app(runtime), follow_redirects=False).get("/staff/approvals")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_the_page_speaks_each_language(runtime: Any, world: None, lang: str, backend: str) -> None:
    carol, cody = _browser(runtime, "carol"), _browser(runtime, "cody")
    page = carol.get("/staff/approvals").text
    carol.post("/staff/approvals", data={"csrf_token": _token(page), "kind": "bulk-unmask", "operator": "harbour",
                                         "reason": "審計"})
    refused = carol.post(f"/staff/approvals?lang={lang}", data={"csrf_token": _token(page), "kind": "bulk-export",
                                                               "operator": "peak", "reason": "審計"})
    for client in (carol, cody):
        text = visible_text(client.get(f"/staff/approvals?lang={lang}").text)
        assert not raw_values(text), raw_values(text)
        if lang != "en":
            assert not english_runs(text, names=NAMES), english_runs(text, names=NAMES)
    refusal = visible_text(refused.text)
    assert refused.status_code == 403
    if lang != "en":
        assert not english_runs(refusal, names=NAMES), english_runs(refusal, names=NAMES)
