"""What the edge refuses before any handler or database sees it (issue 14): integers beyond 64 bits, and
control characters in text. Both reached the database and came back as 500; now they are the standard 422.

The walks are generic: every route with an ``int`` path or query parameter, every string path parameter, and
every documented JSON or form body with string fields, so a new route is covered without being named here.
They run signed in with every staff role, so a request that slipped past the check would reach the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core.users import ROLES
from telreg.runtime import Runtime
from telreg.web.input_guard import ROW_ID_MAX
from tests.web.conftest import make_officer

PASSWORD = "correct horse battery"


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _params(dependant: Any) -> Iterator[tuple[str, Any]]:
    yield from (("path", p) for p in dependant.path_params)
    yield from (("query", p) for p in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _params(sub)


def _is_int(annotation: Any) -> bool:
    return annotation is int or "int" in re.findall(r"\w+", str(annotation))


@pytest.fixture
def edge(runtime: Runtime) -> Iterator[tuple[TestClient, str]]:
    """A client signed in as staff holding every role, and its CSRF token."""
    make_officer(runtime, username="edge.probe", password=PASSWORD, roles=tuple(sorted(ROLES)), operator="HKT",
                 agency="hkpf")
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        signed_in = client.post("/api/v1/auth/login", json={"username": "edge.probe", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        yield client, signed_in.json()["csrf_token"]


def _fill(path: str, name: str = "", value: str = "") -> str:
    """PATH with parameter NAME (any convertor: ``{name:path}``) set to VALUE and every other one to 1."""
    if name:
        path = re.sub(r"\{" + re.escape(name) + r"(:[^}]*)?\}", value, path)
    return re.sub(r"\{[^}]+\}", "1", path)


def _int_cases(app: Any) -> list[tuple[str, str, str, str]]:
    cases = []
    for route in _routes(app.routes):
        if not isinstance(route, APIRoute):
            continue
        for where, param in _params(route.dependant):
            if _is_int(param.field_info.annotation):
                cases += [(method, route.path, where, param.alias, _declared_minimum(param.field_info))
                          for method in sorted(route.methods - {"HEAD"})]
    return cases


def _declared_minimum(field_info: Any) -> int | None:
    """A parameter's own ``ge`` (an offset starts at 0), or None for an identifier (which starts at 1)."""
    return next((item.ge for item in field_info.metadata if isinstance(getattr(item, "ge", None), int)), None)


def _assert_standard_422(response: Any, where: str) -> None:
    assert response.status_code == 422, where
    body = response.json()
    assert body["error"] == "invalid_input" and isinstance(body["detail"], str) and body["detail"], where


@pytest.mark.parametrize("value", [2**31, 2**63 - 1, 2**63, 2**70, -1, 0])
def test_every_integer_parameter_is_bounded_on_both_databases(edge: tuple[TestClient, str], value: int) -> None:
    client, token = edge
    cases = _int_cases(client.app)
    assert len(cases) >= 30  # the walk found the routers (a dozen distinct id parameters, on several routes)
    for method, path, where, name, minimum in cases:
        if minimum is not None and minimum <= value <= ROW_ID_MAX:
            continue  # a valid value of this parameter (offset=0 is the first page): see the test below
        url = _fill(path, name, str(value)) if where == "path" else _fill(path)
        params = {name: str(value)} if where == "query" else None
        response = client.request(method, url, params=params, headers={"X-CSRF-Token": token},
                                  data={"csrf_token": token} if method == "POST" else None)
        what = f"{method} {url} {params or ''} -> {response.status_code} {response.text[:300]}"
        _assert_standard_422(response, what)
        assert any(p["field"] == f"{where}.{name}" for p in response.json()["problems"]), what


def test_the_largest_id_is_accepted_and_simply_not_found(edge: tuple[TestClient, str]) -> None:
    client, _ = edge
    response = client.get(f"/api/v1/senders/accounts/{ROW_ID_MAX}")
    assert response.status_code == 404 and response.json()["error"] != "invalid_input", response.text


NUL = "a\x00b"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _string_fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    schema = _resolve(spec, schema)
    names = []
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(spec, prop)
        kinds = [prop.get("type")] + [_resolve(spec, s).get("type") for s in prop.get("anyOf", [])]
        if "string" in kinds and prop.get("format") != "binary":
            names.append(name)
    return names


def _body_cases(spec: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    cases = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                fields = _string_fields(spec, content.get("schema", {}))
                if fields:
                    cases.append((method.upper(), path, media, fields))
    return cases


def test_control_characters_in_any_documented_body_field_are_refused(edge: tuple[TestClient, str]) -> None:
    client, token = edge
    cases = _body_cases(client.app.openapi())
    assert len(cases) > 20 and any(p == "/api/v1/auth/login" for _, p, _, _ in cases)
    for method, path, media, fields in cases:
        url = _fill(path)
        for field in fields:
            body = {f: "ok" for f in fields} | {field: NUL}
            if media == "application/json":
                response = client.request(method, url, json=body, headers={"X-CSRF-Token": token})
            elif media == "multipart/form-data":
                response = client.request(method, url, data=body, files={"_": ("a.txt", b"x")},
                                          headers={"X-CSRF-Token": token})
            else:
                response = client.request(method, url, data=body, headers={"X-CSRF-Token": token})
            what = f"{method} {url} {media} {field} -> {response.status_code} {response.text[:300]}"
            _assert_standard_422(response, what)
            assert any(p["field"] == field and "U+0000" in p["message"] for p in response.json()["problems"]), what


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
def test_the_sign_ins_refuse_control_characters(edge: tuple[TestClient, str], character: str) -> None:
    client, token = edge
    api = client.post("/api/v1/auth/login", json={"username": f"edge{character}probe", "password": PASSWORD})
    _assert_standard_422(api, api.text)
    page = client.post("/staff/login", data={"username": f"edge{character}", "password": PASSWORD,
                                             "csrf_token": token})
    _assert_standard_422(page, page.text)
    sender = client.post("/senders/login", data={"username": "x", "password": f"p{character}",
                                                 "csrf_token": token})
    _assert_standard_422(sender, sender.text)


def test_multi_line_text_keeps_its_tabs_and_line_breaks(edge: tuple[TestClient, str]) -> None:
    client, _ = edge
    # A text area's value: CR LF between lines and a tab; refused later for what it says, not for its bytes.
    response = client.post("/api/v1/auth/login", json={"username": "edge.probe\r\n\tx", "password": PASSWORD})
    assert response.status_code == 401, response.text


def test_control_characters_in_every_string_path_parameter_and_query_are_refused(
        edge: tuple[TestClient, str]) -> None:
    client, token = edge
    seen = 0
    for route in _routes(client.app.routes):
        if not isinstance(route, APIRoute):
            continue
        names = [p.alias for where, p in _params(route.dependant)
                 if where == "path" and not _is_int(p.field_info.annotation)]
        for name in names:
            url = _fill(route.path, name, "a%00b")
            for method in sorted(route.methods - {"HEAD"}):
                seen += 1
                response = client.request(method, url, headers={"X-CSRF-Token": token})
                _assert_standard_422(response, f"{method} {url} -> {response.status_code} {response.text[:300]}")
    assert seen > 10
    for url in ("/api/v1/dnc/status/21234567?x=a%00b", "/staff/realname/queues?operator=%00",
                "/api/v1/senders/security-question?username=a%01"):
        response = client.get(url)
        _assert_standard_422(response, f"{url} -> {response.status_code} {response.text[:300]}")


@pytest.mark.parametrize("path", ["/static/telreg.css%00", "/static/%00", "/docs/assets/a%00b"])
def test_nul_in_a_static_or_asset_address_is_not_a_server_error(edge: tuple[TestClient, str], path: str) -> None:
    client, _ = edge
    response = client.get(path)
    assert 400 <= response.status_code < 500, response.text


def test_a_parameter_with_its_own_lower_bound_keeps_it(edge: tuple[TestClient, str]) -> None:
    """offset=0 (the first page, as paging clients send it) is not refused as an id below 1 would be; -1 is."""
    client, _ = edge
    first = client.get("/api/v1/senders/me/lists/sms/current", params={"offset": "0"})
    assert first.status_code != 422, first.text  # the guard let it through: the route's sign-in check answers
    below = client.get("/api/v1/senders/me/lists/sms/current", params={"offset": "-1"})
    _assert_standard_422(below, below.text)
    assert any(p["field"] == "query.offset" for p in below.json()["problems"]), below.text
