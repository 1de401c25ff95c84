"""API authentication: no credentials is 401 with WWW-Authenticate: Bearer on every route that needs them,
CSRF only where a cookie signs someone in, and the OpenAPI document names the session cookie and the sender
API key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core.db import unit_of_work
from telreg.core.security import csrf_token
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import api_keys
from telreg.senders.deps import start_sender_session

from ..senders.helpers import make_active, make_officer

OFFICER_PASSWORD = "correct-horse-battery"
# Development-only tooling (absent in production, owned by core/dev_api.py): answers 409 unless the demo
# adapters are configured. Walked too (never 401/403/5xx) but its statuses are not part of the public API.
DEV_PREFIX = "/api/v1/dev/"


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _api_operations(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in _routes(app.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


@pytest.mark.parametrize("policy", ["hong-kong", "mainland-china"])
def test_every_api_route_without_credentials_is_401_or_its_documented_public_answer(
        runtime: Runtime, policy: str) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": policy})
    app = create_app(runtime)
    spec = app.openapi()
    operations = _api_operations(app)
    assert len(operations) > 60  # the walk really found the routers
    secured = public = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in operations:
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
            where = f"{method} {path} -> {response.status_code} {response.text[:200]}"
            assert response.status_code < 500, where
            assert response.status_code != 403, where  # never "reload the page" (CSRF) without a cookie
            assert not client.cookies, where  # nothing answered here starts a session
            operation = spec["paths"][path][method.lower()]
            if operation.get("security"):
                secured += 1
                if policy == "hong-kong" and response.status_code == 404:  # the lookup is off before it asks
                    assert response.json()["error"] == "lookup_not_offered", where
                    continue
                assert response.status_code == 401, where
                assert response.headers["www-authenticate"] == 'Bearer realm="telreg"', where
                assert response.json()["error"] in ("not_authenticated", "lookup_access_ended"), where
            elif not path.startswith(DEV_PREFIX):
                public += 1
                assert response.status_code != 401, where
                assert str(response.status_code) in operation["responses"], where
    assert secured > 40 and public > 10


def test_the_openapi_document_names_the_session_cookie_and_the_sender_api_key(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["senderApiKey"]["type"] == "http" and schemes["senderApiKey"]["scheme"] == "bearer"
    assert schemes["senderApiKey"]["bearerFormat"] == "tr_<prefix>.<secret>"
    assert schemes["session"] == {"type": "apiKey", "in": "cookie", "name": "telreg_session",
                                  "description": schemes["session"]["description"]}

    def security(method: str, path: str) -> list[dict[str, list[str]]]:
        return spec["paths"][path][method].get("security", [])

    key_or_session = [{"senderApiKey": []}, {"session": []}]
    me = "/api/v1/senders/me"
    for method, path in [("get", me), ("post", f"{me}/check"), ("get", f"{me}/publications"),
                         ("get", f"{me}/downloads/{{publication}}/{{file_name}}"),
                         ("get", f"{me}/lists/{{register}}/current"), ("post", f"{me}/washes")]:
        assert security(method, path) == key_or_session, path
    for method, path in [("get", f"{me}/api-keys"), ("post", f"{me}/password"), ("get", "/api/v1/auth/me"),
                         ("get", "/api/v1/dnc/paper-applications"),
                         ("post", "/api/v1/realname/registrations")]:
        assert security(method, path) == [{"session": []}], path  # keys never manage keys, passwords or staff
    for method, path in [("get", "/api/v1/health"), ("get", "/api/v1/captcha"),
                         ("post", "/api/v1/senders/login"), ("get", "/api/v1/dnc/status/{number}")]:
        assert security(method, path) == [], path


@pytest.fixture
def sender_app(runtime: Runtime) -> Any:
    """The real app plus a test-only route that starts a sender session as the sign-in does."""
    app = create_app(runtime)

    @app.post("/test/sender-session/{account_id}")
    def _start(account_id: int, request: Request, session: DbSession, runtime: RuntimeDep) -> dict[str, str]:
        start_sender_session(request, session, runtime, account_id)  # a server-side session since issue 14
        return {"csrf_token": csrf_token(request)}

    return app


@pytest.fixture
def key(runtime: Runtime) -> tuple[int, str]:
    """An active sender with API access and a key for every register it holds: (account id, key)."""
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime)
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                account_id=account.id, enabled=True, officer="olivia")
        _, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                           account_id=account.id, label="profile reader")
        return account.id, plaintext


def test_the_account_profile_answers_a_sender_api_key(sender_app: Any, key: tuple[int, str]) -> None:
    account_id, plaintext = key
    with TestClient(sender_app) as script, TestClient(sender_app) as browser:
        profile = script.get("/api/v1/senders/me", headers={"Authorization": f"Bearer {plaintext}"})
        assert profile.status_code == 200, profile.text
        assert profile.json()["id"] == account_id and profile.json()["username"] == "chan.taiman"
        assert not script.cookies
        browser.post(f"/test/sender-session/{account_id}")
        assert browser.get("/api/v1/senders/me").json() == profile.json()  # as the session sees it

        nobody = script.get("/api/v1/senders/me")
        assert nobody.status_code == 401 and nobody.headers["www-authenticate"] == 'Bearer realm="telreg"'
        forged = "Bearer tr_0123456789ab." + "x" * 43
        wrong = script.get("/api/v1/senders/me", headers={"Authorization": forged})
        assert wrong.status_code == 401 and wrong.json()["error"] == "api_key_rejected"
        assert wrong.headers["www-authenticate"] == 'Bearer realm="telreg", error="invalid_token"'
        # Keys read the profile; they never manage keys or passwords.
        keys = script.get("/api/v1/senders/me/api-keys", headers={"Authorization": f"Bearer {plaintext}"})
        assert keys.status_code == 401


def test_csrf_is_checked_where_a_cookie_signs_someone_in_and_only_there(
        sender_app: Any, key: tuple[int, str]) -> None:
    account_id, plaintext = key
    check = {"numbers": ["61234567"], "registers": ["sms"]}
    bearer = {"Authorization": f"Bearer {plaintext}"}
    with TestClient(sender_app) as script, TestClient(sender_app) as browser, \
            TestClient(sender_app) as stranger:
        # A script: a bearer key and no cookie is not CSRF-checked.
        by_key = script.post("/api/v1/senders/me/check", json=check, headers=bearer)
        assert by_key.status_code == 200, by_key.text

        # No credentials at all: the sign-in check answers, not the CSRF check.
        for response in (stranger.post("/api/v1/senders/me/check", json=check),
                         stranger.post("/api/v1/senders/me/api-keys", json={"label": "x"}),
                         stranger.post("/api/v1/dnc/paper-applications", json={}),
                         stranger.post("/api/v1/auth/users/olivia/unlock",
                                       headers={"X-CSRF-Token": "guessed"})):
            assert response.status_code == 401, response.text
            assert response.json()["error"] == "not_authenticated"
            assert response.headers["www-authenticate"] == 'Bearer realm="telreg"'

        # A signed-in sender's cookie: a change without the session's token is refused.
        token = browser.post(f"/test/sender-session/{account_id}").json()["csrf_token"]
        for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
            refused = browser.post("/api/v1/senders/me/check", json=check, headers=headers)
            assert refused.status_code == 403 and refused.json()["error"] == "csrf_rejected"
        allowed = browser.post("/api/v1/senders/me/check", json=check, headers={"X-CSRF-Token": token})
        assert allowed.status_code == 200

        # A signed-in officer's cookie: the same.
        signed_in = stranger.post("/api/v1/auth/login",
                                  json={"username": "olivia", "password": OFFICER_PASSWORD})
        assert signed_in.status_code == 200
        refused = stranger.post("/api/v1/senders/fees", json={})
        assert refused.status_code == 403 and refused.json()["error"] == "csrf_rejected"


def test_a_refused_sign_in_names_the_scheme_and_pages_keep_their_csrf_check(
        client: Any, runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
    refused = client.post("/api/v1/auth/login", json={"username": "olivia", "password": "not the password"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == 'Bearer realm="telreg"'
    # A page form is checked even without a sign-in: the token stops a forged sign-in into another account.
    page = client.post("/staff/login", data={"username": "olivia", "password": OFFICER_PASSWORD})
    assert page.status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 401  # and nobody was signed in
