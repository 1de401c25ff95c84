"""One time convention in the API: every instant any GET endpoint answers is ISO 8601 in Hong Kong time with
its offset (+08:00), whoever asks — walked over every parameter-free GET route, for a sender's API key and for
each staff role, on the demo data and a day's work (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

from telreg.core.db import unit_of_work
from telreg.demo.sender import DEMO_SENDER
from telreg.runtime import Runtime
from telreg.senders import api_keys, repository
from tests.web.demo_world import PASSWORDS, demo_world

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
STAFF = ("officer", "clerk", "regulator", "admin")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _get_routes(client: Any) -> list[str]:
    paths = client.get("/openapi.json").json()["paths"]
    return sorted(path for path, operations in paths.items()
                  if path.startswith("/api/") and "get" in operations and "{" not in path and "/dev/" not in path)


def _instants(client: Any, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]]]:
    answered, found = 0, []
    for path in _get_routes(client):
        response = client.get(path, headers=headers)
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith(
                "application/json"):
            continue
        answered += 1
        found += [(path, text) for text in _strings(response.json()) if INSTANT.match(text)]
    return answered, found


def test_every_instant_the_api_answers_is_hong_kong_time(client: Any, runtime: Runtime) -> None:
    demo_world(runtime)
    with unit_of_work(runtime.session_factory) as session:
        account = repository.account_by_login(session, DEMO_SENDER.username)
        assert account is not None
        _, secret = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                        account_id=account.id, label="instants")
    answered, found = _instants(client, {"Authorization": f"Bearer {secret}"})
    for username in STAFF:
        client.cookies.clear()
        login = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORDS[username]})
        assert login.status_code == 200, login.text
        more, instants = _instants(client, {})
        answered, found = answered + more, found + instants
    assert answered >= 10 and len(found) >= 5, (answered, found)  # the walk reached real data
    wrong = [(path, text) for path, text in found if not text.endswith("+08:00")]
    assert wrong == []
