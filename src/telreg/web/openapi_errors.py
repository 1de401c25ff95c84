"""The OpenAPI document describes the 422 the app really answers, not FastAPI's default.

FastAPI documents every operation's 422 as ``HTTPValidationError`` (``{"detail": [{"loc", "msg", "type"}]}``),
but the app's one validation handler (app.py) answers ``{"error": "invalid_input", "detail": "<sentence>",
"problems": [{"field", "message"}]}``, and so does the edge's own check (web/input_guard.py); a rule's 422
(an InvalidInput such as ``invalid_number``) is ``{"error", "detail", …}``. ``install``
replaces the schema once, app-wide: every reference to ``HTTPValidationError`` points at ``InvalidRequest``,
and FastAPI's two schemas leave the document. A route that documents its own 422 (the real-name refusals) keeps
its description; its schema, if FastAPI's, is the real one too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

__all__ = ["INVALID_REQUEST", "install"]

_FASTAPI = "#/components/schemas/HTTPValidationError"
_OURS = "#/components/schemas/InvalidRequest"
INVALID_REQUEST: dict[str, Any] = {
    "title": "InvalidRequest",
    "description": "A request refused as it stands (422): the standard error body. ``invalid_input`` when its "
                   "shape or types are wrong, with each problem's field (body.number, query.page, "
                   "path.account_id …) and message; otherwise a rule's own code (invalid_number …), sometimes "
                   "with the values at fault.",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "The stable code (invalid_input, invalid_number, …)"},
        "detail": {"type": "string", "description": "The sentence for a person, in the request's language"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": "Where: body.<field>, query.<name>, path.<name>"},
                    "message": {"type": "string", "description": "What is wrong (in English)"},
                },
            },
        },
    },
}


def install(app: FastAPI) -> None:
    """Make APP's OpenAPI document describe its real 422 body (call once, after the routers are included)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        describe_invalid_requests(document)  # idempotent: the document is cached by FastAPI
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def describe_invalid_requests(document: dict[str, Any]) -> None:
    """Point every 422 at ``InvalidRequest`` and drop FastAPI's HTTPValidationError and ValidationError."""
    _repoint(document.get("paths", {}))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["InvalidRequest"] = INVALID_REQUEST
    schemas.pop("HTTPValidationError", None)
    if not _refers(document, "#/components/schemas/ValidationError"):
        schemas.pop("ValidationError", None)


def _repoint(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("$ref") == _FASTAPI:
            node["$ref"] = _OURS
        for value in node.values():
            _repoint(value)
    elif isinstance(node, list):
        for value in node:
            _repoint(value)


def _refers(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_refers(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_refers(v, ref) for v in node)
    return False
