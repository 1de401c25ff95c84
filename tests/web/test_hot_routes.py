"""The hot paths' plain routes are the app's first routes, and requests to them never reach the included routers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.routing import Route

from telreg.app import create_app
from telreg.dnc import status_api
from telreg.senders import usage_api


def test_the_status_look_up_and_the_online_check_are_matched_first(runtime):
    app = create_app(runtime)
    first = app.router.routes[:2]
    assert all(isinstance(route, Route) for route in first)
    assert [(route.path, route.endpoint) for route in first] == [
        (status_api.PATH, status_api._status), (usage_api.CHECK_PATH, usage_api._check_plain)]


def test_a_status_request_is_answered_without_matching_any_included_router(runtime, monkeypatch):
    app = create_app(runtime)
    walked = []
    for route in app.router.routes[2:]:
        real = route.matches

        def spy(scope, real=real, route=route):
            walked.append(route)
            return real(scope)

        monkeypatch.setattr(route, "matches", spy)
    with TestClient(app) as client:
        answer = client.get("/api/v1/dnc/status/21234567")
        matched = list(walked)
        refused = client.put("/api/v1/dnc/status/21234567")  # (its Allow is looked up among the operations)
    assert answer.status_code == 200 and answer.json()["number"] == "21234567"
    assert refused.status_code == 405 and refused.headers["allow"] == "GET"
    assert matched == []
