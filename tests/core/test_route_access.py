"""Every route declares the access it needs (telreg.core.access), and answers each kind of caller accordingly.

(a) The declarations are read from ``create_app().routes``, so a route added later without a check, or with
two, fails here by its method and path. (b) Every route is then called by every kind of caller (anonymous,
staff of each role, a signed-in sender, a sender's API key): a caller the declaration leaves out is refused
(401/403, a redirect to a log-in page, or 404 where the declaration hides the route), never served and never
a 500; a caller it lets in is never told 401/403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import iter_route_contexts

from telreg.app import create_app
from telreg.core.access import (
    PUBLIC,
    SIGNED_REQUEST,
    Access,
    Kind,
    Public,
    declared_access,
    declares,
    marker,
)
from telreg.core.captcha import EXTRAS_KEY
from telreg.core.db import unit_of_work
from telreg.demo.sender import DEMO_SENDER
from telreg.runtime import Runtime
from telreg.senders import api_keys

from ..web.demo_world import PASSWORDS, demo_world


def route_table(app: Any) -> list[tuple[str, str, tuple[Access, ...]]]:
    """(method, path, declarations) of every route the app serves; a mount's method is "*"."""
    table = []
    for context in iter_route_contexts(app.routes):
        declared = declared_access(context)
        methods = sorted(set(context.methods or {"*"}) - {"HEAD"}) or ["*"]
        table += [(method, str(context.path), declared) for method in methods]
    return table


def undeclared(app: Any) -> list[str]:
    return [f"{method} {path}: {', '.join(map(str, declared)) or 'nothing declared'}"
            for method, path, declared in route_table(app) if len(declared) != 1]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_route_declares_exactly_one_access(runtime: Runtime) -> None:
    app = create_app(runtime)
    table = route_table(app)
    assert len(table) > 150  # the walk really found the included routers
    assert undeclared(app) == []
    kinds = {declared[0].kind for _, _, declared in table}
    assert {Kind.public, Kind.staff, Kind.sender_session, Kind.sender, Kind.development} <= kinds
    paths = {(method, path): declared[0] for method, path, declared in table}
    assert paths[("*", "/static")] == PUBLIC and paths[("GET", "/openapi.json")] == PUBLIC
    assert paths[("GET", "/api/v1/dnc/history/{number}")] == Access.staff("dnc-officer", "admin")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_ivr_listener_declares_its_signed_webhook(runtime: Runtime) -> None:
    from telreg.dnc.ivr_api import create_ivr_app

    app = create_ivr_app(runtime)
    assert undeclared(app) == []
    assert ("POST", "/api/v1/ivr/turn", (SIGNED_REQUEST,)) in route_table(app)


def test_a_route_without_a_declaration_or_with_two_is_named() -> None:
    def check_regulator() -> None: ...

    regulator = declares(Access.staff("regulator"))(check_regulator)
    def check_admin_or_regulator(user: Annotated[None, Depends(regulator)]) -> None: ...

    nested = declares(Access.staff("regulator", "admin"))(check_admin_or_regulator)
    router = APIRouter(prefix="/x")
    router.get("/forgotten")(lambda: None)
    router.get("/public", dependencies=[Public])(lambda: None)
    router.get("/nested", dependencies=[Depends(nested)])(lambda: None)
    router.get("/twice", dependencies=[Public, Depends(regulator)])(lambda: None)
    def repeated(user: Annotated[None, Depends(regulator)]) -> None: ...

    router.get("/repeated", dependencies=[Depends(regulator)])(repeated)
    router.get("/handler-checks", dependencies=[marker(Access(Kind.lookup_proof))])(lambda: None)
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/y")
    assert undeclared(app) == ["GET /y/x/forgotten: nothing declared",
                               "GET /y/x/twice: public, staff {regulator}"]
    table = {path: declared for _, path, declared in route_table(app)}
    assert table["/y/x/nested"] == (Access.staff("regulator", "admin"),)  # the outer check stands for its subtree
    assert table["/y/x/handler-checks"] == (Access(Kind.lookup_proof),)


# ---- (b) every route, called by every kind of caller ----------------------------------------------------------

STAFF_ROLES = {"admin": ("admin",), "officer": ("dnc-officer",), "clerk": ("operator-staff",),
               "regulator": ("regulator",), "ca.officer": ("ca-officer",),
               "compliance": ("operator-compliance",), "detective": ("le-officer",),
               "inspector": ("le-supervisor",)}  # the demo staff accounts and their roles
SENDER_SESSION_ID, SENDER_KEY_ID = "sender-session", "sender-key"
# Path parameters: plausible values, with ids that do not exist so that no call changes the demo data much.
PATH_VALUES = {"number": "61234567", "username": "nobody-here", "register": "sms", "publication": "2026-03-01",
               "file_name": "sms-numbers.csv", "name": "nothing.csv", "token": "no-such-token"}
MISSING_ID = "999999"
ENDS_A_SESSION = ("logout", "revoke", "/end", "password")  # called, then the caller signs in again
LOG_IN_PAGES = ("/staff/login", "/senders/login")
# Steps of signing in answer 401 to wrong (here: empty) credentials, or to no sign-in under way.
SIGN_IN_FORMS = {("POST", "/staff/login"), ("POST", "/senders/login"), ("POST", "/api/v1/auth/two-factor/verify")}
FORM = {"operator": "harbour"}  # a page form's fields: the demo clerk's own operator


@dataclass
class Caller:
    name: str
    client: Any
    roles: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


def may_use(access: Access, caller: Caller, *, production: bool = False) -> bool:
    """Whether the declaration lets this caller in."""
    if access.kind is Kind.public:
        return True
    if access.kind is Kind.staff:
        return bool(caller.roles) and (not access.roles or not access.roles.isdisjoint(caller.roles))
    if access.kind is Kind.sender_session:
        return caller.name == SENDER_SESSION_ID
    if access.kind is Kind.sender:
        return caller.name in (SENDER_SESSION_ID, SENDER_KEY_ID)
    if access.kind in (Kind.development, Kind.operations):
        return not production  # the test settings set no metrics token
    return False  # a lookup proof, a signed webhook: nobody here holds one


def _anonymous_client(app: Any) -> tuple[Any, str]:
    """A browser that opened the staff sign-in page: a session holding only its CSRF token."""
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    page = client.get("/staff/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:300]
    return client, match.group(1)


def sign_in(app: Any, runtime: Runtime, name: str, key: str) -> Caller:
    client, token = _anonymous_client(app)
    if name in STAFF_ROLES:
        answer = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORDS[name]})
        assert answer.status_code == 200, answer.text
        token = answer.json()["csrf_token"]
    elif name == SENDER_SESSION_ID:
        runtime.extras[EXTRAS_KEY] = lambda: "ABCDE"
        captcha = client.get("/api/v1/captcha").json()
        answer = client.post("/api/v1/senders/login", json={
            "username": DEMO_SENDER.username, "password": PASSWORDS[DEMO_SENDER.username],
            "captcha_token": captcha["token"], "captcha_answer": "ABCDE"})
        assert answer.status_code == 200, answer.text
        token = answer.json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    if name == SENDER_KEY_ID:
        headers["Authorization"] = f"Bearer {key}"
    return Caller(name, client, STAFF_ROLES.get(name, ()), headers)


def _url(path: str) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: PATH_VALUES.get(m.group(1), MISSING_ID), path)


def _refused(response: Any, access: Access) -> bool:
    """401/403 (404 too, where hiding is declared), or a page's redirect to a log-in form."""
    if response.status_code in (401, 403, 404):
        return response.status_code != 404 or access.kind not in (Kind.public, Kind.staff, Kind.sender,
                                                                  Kind.sender_session)
    location = response.headers.get("location", "")
    return access.kind is not Kind.public and response.is_redirect and location.startswith(LOG_IN_PAGES)


def _ends_a_session(path: str) -> bool:
    return any(word in path for word in ENDS_A_SESSION)


def walk(app: Any, runtime: Runtime, callers: list[str], key: str, *, keep: Any = None,
         production: bool = False) -> tuple[int, list[str]]:
    """Call every route (``keep(method, path)`` filters) as each caller; return (calls, mismatches)."""
    routes = [(method, path, declared[0]) for method, path, declared in route_table(app)
              if len(declared) == 1 and method != "*" and (keep is None or keep(method, path))]
    routes.sort(key=lambda r: _ends_a_session(r[1]))  # sign-outs last
    wrong: list[str] = []
    calls = 0
    for name in callers:
        caller = sign_in(app, runtime, name, key)
        for method, path, access in routes:
            body: dict[str, Any] = {}
            if method not in ("GET", "DELETE"):
                body = {"json": {}} if path.startswith("/api/") else {"data": FORM}
            response = caller.client.request(method, _url(path), headers=caller.headers, **body)
            calls += 1
            allowed = may_use(access, caller, production=production)
            status = response.status_code
            seen = f"{name}: {method} {path} [{access}] -> {status} {response.headers.get('location', '')}" \
                   f"{response.text[:160]!r}"
            # A sign-out's own redirect to the log-in form is its answer, not a refusal.
            refused = _refused(response, access) and (method, path) not in SIGN_IN_FORMS and not (
                allowed and response.is_redirect and _ends_a_session(path))
            if status >= 500 or (allowed and refused) or (not allowed and not refused):
                wrong.append(seen)
            if _ends_a_session(path):
                caller = sign_in(app, runtime, name, key)
    return calls, wrong


@pytest.fixture
def matrix_app(runtime: Runtime) -> tuple[Any, str]:
    """The app on the demo data with a day's work, and an API key of the demo sender."""
    # The walk signs in again after each route that ends a session: far more than a person's attempts.
    runtime.settings = runtime.settings.model_copy(update={"signin_rate_limit": 100_000})
    world = demo_world(runtime)
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                account_id=world.sender_id, enabled=True, officer="officer")
        _, key = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=world.sender_id, label="route walk")
    return create_app(runtime), key


ALL_CALLERS = ["anonymous", *STAFF_ROLES, SENDER_SESSION_ID, SENDER_KEY_ID]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_caller_meets_each_route_as_declared(matrix_app: tuple[Any, str], runtime: Runtime) -> None:
    app, key = matrix_app
    calls, wrong = walk(app, runtime, ALL_CALLERS, key)
    assert calls > 1000  # every route as every caller
    assert not wrong, "\n".join(wrong)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_sample_of_the_matrix_on_postgresql(matrix_app: tuple[Any, str], runtime: Runtime) -> None:
    app, key = matrix_app
    calls, wrong = walk(app, runtime, ["anonymous", "clerk", "regulator", SENDER_KEY_ID], key,
                        keep=lambda method, path: path.startswith("/api/") and method == "GET")
    assert calls > 100
    assert not wrong, "\n".join(wrong)
