"""The incident pages over HTTP on SQLite and PostgreSQL: every page in the three languages (no English left on a
Chinese page, no internal codes), the open → confirm → freeze path through the forms, the CSV download, close
refused with open steps, and other staff or another operator's officer kept out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.core.clock import to_hk
from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.runtime import Runtime
from tests.incidents.helpers import (
    COMPLIANCE,
    OTHER_COMPLIANCE,
    PASSWORD,
    REGULATOR,
    SHOP,
    open_as,
    people,
    trail,
)
from tests.web.conftest import form_token
from tests.web.page_text import english_runs, raw_values, visible_text

LANGS = ("en", "zh-Hant", "zh-Hans")
# Shown as written in every language: people's usernames, masked names, operator codes, the user's own words.
NAMES = (REGULATOR, SHOP, COMPLIANCE, "CHAN T** M**", "WONG S** M***", "op1", "Shop tablet lost", "Left in a taxi",
         "e-Cert")


def sign_in(client: Any, username: str) -> None:
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text


def _local(value: Any) -> str:
    return to_hk(value).strftime("%Y-%m-%dT%H:%M")


def test_every_incident_page_reads_in_every_language(client: Any, runtime: Runtime, clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    from telreg.incidents import service

    reference = open_as(runtime, REGULATOR, accounts=[SHOP], window=service.Window(t.start, t.end))
    sign_in(client, REGULATOR)
    problems: dict[str, list[str]] = {}
    for lang in LANGS:
        for path in ("/staff/incidents", f"/staff/incidents/{reference}"):
            page = client.get(f"{path}?lang={lang}")
            assert page.status_code == 200, (path, lang, page.text[:500])
            text = visible_text(page.text)
            found = raw_values(text) + (english_runs(text, names=NAMES) if lang != "en" else [])
            if found:
                problems[f"{path} {lang}"] = found
    assert problems == {}
    detail = client.get(f"/staff/incidents/{reference}").text
    assert "CHAN T** M**" in detail and "CHAN Tai Man" not in detail and "51110002" not in detail
    csv_answer = client.get(f"/staff/incidents/{reference}/affected.csv")
    assert csv_answer.status_code == 200 and "WONG S** M***" in csv_answer.text
    assert "WONG Siu Ming" not in csv_answer.text


def test_opening_through_the_form_asks_first_then_freezes(client: Any, runtime: Runtime, clock: Any) -> None:
    people(runtime)
    sign_in(client, REGULATOR)
    token = form_token(client.get("/staff/incidents").text)
    now = clock.now()
    fields = {"csrf_token": token, "title": "Shop tablet lost", "category": "loss", "description": "Left in a taxi",
              "window_start": _local(now.replace(hour=8)), "window_end": _local(now), "accounts": SHOP,
              "api_keys": "", "certificates": "", "two_factor": "", "operator": "op1"}
    asked = client.post("/staff/incidents", data=fields)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text and SHOP in asked.text
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, SHOP).is_active is True  # not yet: only asked
    done = client.post("/staff/incidents", data={**fields, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/incidents/INC-2026-0001"
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, SHOP).is_active is False
    page = client.get("/staff/incidents/INC-2026-0001").text
    assert "Account deactivated and its sessions ended" in page
    # Close refused while steps are open (after containment).
    token = form_token(page)
    client.post("/staff/incidents/INC-2026-0001/contain", data={"csrf_token": token, "confirm": "yes"})
    refused = client.post("/staff/incidents/INC-2026-0001/close",
                          data={"csrf_token": token, "summary": "done", "confirm": "yes"})
    assert refused.status_code == 409 and "still has 6 open step(s)" in refused.text


def test_a_bad_window_is_explained_and_the_form_keeps_its_input(client: Any, runtime: Runtime, clock: Any) -> None:
    people(runtime)
    sign_in(client, REGULATOR)
    token = form_token(client.get("/staff/incidents").text)
    now = clock.now()
    answer = client.post("/staff/incidents?lang=zh-Hant", data={
        "csrf_token": token, "title": "Shop tablet lost", "category": "leak", "window_start": _local(now),
        "window_end": _local(now.replace(hour=8))})
    assert answer.status_code == 422
    assert re.search(r'id="title"[^>]*value="Shop tablet lost"', answer.text)
    assert 'data-code="incident_invalid"' in answer.text


@pytest.mark.parametrize("username", [SHOP, OTHER_COMPLIANCE])
def test_others_are_kept_out(client: Any, runtime: Runtime, username: str) -> None:
    people(runtime)
    reference = open_as(runtime, COMPLIANCE)
    sign_in(client, username)
    answer = client.get(f"/staff/incidents/{reference}")
    assert answer.status_code == (403 if username == SHOP else 404)
