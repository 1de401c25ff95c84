"""The security headers of every response (issue 14): a Content-Security-Policy with no inline script, framing
refused, no MIME sniffing, a same-origin referrer, and no-store on what the app builds; the API documentation
pages alone have their own policy, naming their one inline script by its hash."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.runtime import Runtime
from telreg.web.security_headers import POLICY
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer

SRC = Path(__file__).resolve().parents[2] / "src" / "telreg"


def _assert_headers(response: Any, *, no_store: bool = True) -> None:
    where = f"{response.request.method} {response.request.url} -> {response.status_code}"
    headers = response.headers
    assert headers["content-security-policy"] == POLICY, where
    assert headers["x-frame-options"] == "DENY", where
    assert headers["referrer-policy"] == "same-origin", where
    assert headers["x-content-type-options"] == "nosniff", where
    if no_store:
        assert headers["cache-control"] == "no-store", where


def test_the_policy_is_strict() -> None:
    directives = dict(d.strip().split(" ", 1) for d in POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in POLICY


def test_every_kind_of_response_carries_the_headers(runtime: Runtime) -> None:
    app = create_app(runtime)

    @app.get("/api/v1/test-crash")
    def _crash() -> None:
        raise RuntimeError("boom")

    make_officer(runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/", "/staff/login", "/senders/login", "/api/v1/health", "/openapi.json", "/no-such-page",
                     "/api/v1/no-such-thing", "/api/v1/senders/accounts/abc", "/api/v1/auth/me"):
            _assert_headers(client.get(path))
        crashed = client.get("/api/v1/test-crash")
        assert crashed.status_code == 500 and crashed.json()["error"] == "internal_error"
        _assert_headers(crashed)
        static = client.get("/static/telreg.css")
        assert static.status_code == 200
        _assert_headers(static, no_store=False)  # the same file for everyone: cacheable
        assert "no-store" not in static.headers.get("cache-control", "")
        signed_in = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        for path in ("/api/v1/auth/me", "/staff", "/staff/paper"):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            _assert_headers(response)


def test_a_response_with_its_own_cache_policy_keeps_it(client: Any) -> None:
    asset = client.get("/docs/assets/swagger-ui.css")
    assert "max-age" in asset.headers["cache-control"] and asset.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_pages_allow_only_their_own_inline_script(client: Any, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    scripts = dict(d.strip().split(" ", 1) for d in policy.split(";"))["script-src"]
    assert "unsafe-inline" not in scripts and "unsafe-eval" not in scripts
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}
    assert set(re.findall(r"'sha256-[^']+'", scripts)) == hashes
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"


def test_no_template_has_inline_script_style_attribute_or_handler() -> None:
    templates = list(SRC.rglob("*.html"))
    assert len(templates) > 30
    found = []
    for path in templates:
        text = path.read_text()
        found += [f"{path.name}: inline <script>" for _ in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        found += [f"{path.name}: style attribute" for _ in re.finditer(r"\sstyle\s*=", text)]
        found += [f"{path.name}: {m.group(1)} handler" for m in re.finditer(r"\s(on[a-z]+)\s*=", text)]
        found += [f"{path.name}: hx-on" for _ in re.finditer(r"\shx-on", text)]
        found += [f"{path.name}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.IGNORECASE)]
    assert found == []
