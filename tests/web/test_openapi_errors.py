"""The OpenAPI document's 422 is the body the app really answers (issue 14): for every operation, a real 422
validates against the schema documented for it, and FastAPI's default HTTPValidationError is gone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core.users import ROLES
from telreg.runtime import Runtime
from tests.web.conftest import make_officer

PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(runtime: Runtime) -> Iterator[tuple[TestClient, str]]:
    make_officer(runtime, username="doc.probe", password=PASSWORD, roles=tuple(sorted(ROLES)), operator="HKT",
                 agency="hkpf")
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/auth/login", json={"username": "doc.probe", "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield client, response.json()["csrf_token"]


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]})


def test_the_default_validation_schemas_are_gone(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text and '"loc"' not in text
    assert spec["components"]["schemas"]["InvalidRequest"]["required"] == ["error", "detail"]


def test_every_documented_422_describes_a_real_422(signed_in: tuple[TestClient, str]) -> None:
    client, token = signed_in
    spec = client.get("/openapi.json").json()
    checked = bodies = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = operation.get("responses", {}).get("422", {}).get("content", {}).get("application/json")
            if documented is None:
                continue
            validator = _validator(spec, documented["schema"])
            url = re.sub(r"\{[^}]+\}", "1", path)
            answers = [client.request(method.upper(), url, params={"probe": "a\x01b"},
                                      headers={"X-CSRF-Token": token})]  # the edge's own check (input_guard)
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                answers.append(client.request(method.upper(), url, json=[1], headers={"X-CSRF-Token": token}))
            for answer in answers:
                if answer.status_code != 422:
                    continue  # refused earlier (a sender route for staff: 401), or nothing to refuse
                body = answer.json()
                errors = [e.message for e in validator.iter_errors(body)]
                assert errors == [], f"{method.upper()} {path}: {body} does not match: {errors}"
                assert body["error"] and body["detail"]
                if answer is answers[0]:  # the edge's refusal: the problems, as documented
                    assert body["problems"] and all(p.keys() == {"field", "message"} for p in body["problems"])
                checked += 1
                bodies += "probe" not in str(body)
    assert checked > 60 and bodies > 15  # the walk found the operations, and Pydantic's own 422s too
