"""Unknown addresses and wrong methods: the error page for people, the JSON error document for /api clients."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("path", ["/no-such-page", "/staff/no-such-page"])
def test_an_unknown_page_renders_the_html_error_page(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Error 404" in response.text and "Not found" in response.text
    assert f"There is nothing at {path}." in response.text
    assert 'href="/"' in response.text  # a way back, not a dead end


def test_the_not_found_page_speaks_the_chosen_language(client: Any) -> None:
    response = client.get("/no-such-page?lang=zh-Hant")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "錯誤 404" in response.text and "/no-such-page 沒有任何內容。" in response.text


def test_a_wrong_method_on_a_page_renders_the_html_error_page_with_allow(client: Any) -> None:
    response = client.delete("/")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "Error 405" in response.text and "does not accept DELETE" in response.text
    assert "GET" in response.headers["allow"]


def test_an_unknown_api_address_answers_json(client: Any) -> None:
    response = client.get("/api/v1/no-such-thing", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": "page_not_found", "detail": "There is nothing at /api/v1/no-such-thing."}


def test_a_wrong_method_on_the_api_answers_json_with_allow(client: Any) -> None:
    response = client.put("/api/v1/dnc/status/21234567")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {
        "error": "method_not_allowed",
        "detail": "/api/v1/dnc/status/21234567 does not accept PUT; it accepts GET.",
    }


def test_domain_errors_still_answer_as_before(client: Any) -> None:
    api = client.get("/api/v1/dnc/status/abc")
    assert api.status_code == 422 and api.json()["error"] == "invalid_number"
