"""The edge's one check on what every request carries, before any handler or database sees it.

Two kinds of input reached the database unchecked and came back as a 500:

* an integer beyond what an id column holds (``/api/v1/senders/accounts/9223372036854775808``): SQLite
  overflows past 64 bits, and PostgreSQL already past 2**31 - 1, the ids being ``INTEGER`` columns there. Every
  ``int`` path or query parameter of every route is an identifier, a page or a count, so each must lie in
  ``1 … 2**31 - 1`` (``ROW_ID_MIN … ROW_ID_MAX``; no id, page or count of this service comes near it) — or, where
  the parameter declares its own lower bound (an ``offset``: ``Query(ge=0)``), from that bound;
* a control character in text: PostgreSQL's text cannot hold NUL at all, and no field of this service means
  the other C0 characters either. Path parameters refuse every C0 character (and DEL); query strings, form
  fields and JSON strings refuse them except tab, line feed and carriage return (text areas send CR LF).

``check_inputs`` is one app-wide dependency (``install``), so it runs first for every route, whatever the
router, and a new route is covered without being named here. Its refusal is a ``RequestValidationError``,
answered by the one validation handler in app.py: 422 ``{"error": "invalid_input", "detail", "problems"}``,
exactly like a value Pydantic refuses. The routes' int parameters are read from the matched route (FastAPI
puts it in ``scope["route"]``); bodies are scanned as FastAPI parsed them: JSON, URL-encoded forms, and
multipart forms when the route declares form fields (a handler that reads its own multipart body keeps its
own limits; its text fields are then not scanned here). Files' contents are the upload checks' business.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

__all__ = ["ROW_ID_MAX", "ROW_ID_MIN", "check_inputs", "forbidden_character", "install"]

ROW_ID_MIN = 1
ROW_ID_MAX = 2**31 - 1  # the largest PostgreSQL INTEGER, the type of every id column (SQLite's: 2**63 - 1)
_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR are allowed in text
_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
# In a UTF-8 JSON document a control character can only be escaped (raw, below U+0020, it is not JSON at all) and
# DEL only be raw or escaped: with none of these byte sequences no string can hold one (a document without a NUL
# byte is not UTF-16 or UTF-32). A match (``\\u0009`` too: a tab, allowed) means only "walk the document".
_MAYBE_FORBIDDEN_IN_JSON = re.compile(rb"\\(?:[bf]|u00[01]|u007[fF])|\x7f")
_INT = TypeAdapter(int)
_ROUTE_INTS = "_telreg_int_params"  # cached on the route: [(location, name, lowest value), …]


def install(app: FastAPI) -> None:
    """Run ``check_inputs`` before every route (call before the routers are included)."""
    app.router.dependencies.append(Depends(check_inputs))


def forbidden_character(value: str, *, in_path: bool = False) -> str | None:
    """The first character VALUE may not contain (as ``U+0000``), or None."""
    match = (_IN_PATH if in_path else _IN_TEXT).search(value)
    return f"U+{ord(match.group()):04X}" if match else None


async def check_inputs(request: Request) -> None:
    """Refuse out-of-range integers and control characters in the path, the query and the body (422)."""
    problems: list[dict[str, Any]] = []
    route = request.scope.get("route")
    ints = _int_params(route) if isinstance(route, APIRoute) else []
    for location, name, minimum in ints:
        values = ([request.path_params.get(name)] if location == "path"
                  else request.query_params.getlist(name))
        for value in values:
            problem = _out_of_range(location, name, value, minimum=minimum)
            if problem:
                problems.append(problem)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            problems += _characters(("path", name), value, in_path=True)
    for name, value in request.query_params.multi_items():
        problems += _characters(("query", name), name + value)
    problems += [p for loc, text in await _body_strings(request) for p in _characters(loc, text)]
    if problems:
        raise RequestValidationError(problems)


def _int_params(route: APIRoute) -> list[tuple[str, str, int]]:
    """(location, name, lowest value) of the route's int path and query parameters, cached on the route."""
    cached = route.__dict__.get(_ROUTE_INTS)
    if cached is None:
        cached = []
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            cached += [("path", p.alias, _minimum(p.field_info)) for p in dependant.path_params
                       if _is_int(p.field_info.annotation)]
            cached += [("query", p.alias, _minimum(p.field_info)) for p in dependant.query_params
                       if _is_int(p.field_info.annotation)]
            stack += dependant.dependencies
        route.__dict__[_ROUTE_INTS] = cached
    return cached


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        return any(_is_int(arg) for arg in typing.get_args(annotation))
    return False


def _minimum(field_info: Any) -> int:
    """The parameter's own lower bound (``ge``/``gt`` in its metadata), else ROW_ID_MIN (an identifier)."""
    for item in field_info.metadata:
        if isinstance(getattr(item, "ge", None), int):
            return int(item.ge)
        if isinstance(getattr(item, "gt", None), int):
            return int(item.gt) + 1
    return ROW_ID_MIN


def _out_of_range(location: str, name: str, value: Any, *, minimum: int) -> dict[str, Any] | None:
    if not isinstance(value, str):
        return None
    try:
        number = _INT.validate_python(value)
    except ValidationError:
        return None  # not an integer at all: the route's own validation words that
    if number < minimum:
        return {"type": "greater_than_equal", "loc": (location, name), "input": value, "ctx": {"ge": minimum},
                "msg": f"Input should be greater than or equal to {minimum}"}
    if number > ROW_ID_MAX:
        return {"type": "less_than_equal", "loc": (location, name), "input": value, "ctx": {"le": ROW_ID_MAX},
                "msg": f"Input should be less than or equal to {ROW_ID_MAX}"}
    return None


def _characters(loc: tuple[Any, ...], value: str, *, in_path: bool = False) -> list[dict[str, Any]]:
    found = forbidden_character(value, in_path=in_path)
    if found is None:
        return []
    return [{"type": "control_character", "loc": loc, "input": value.encode("unicode_escape").decode("ascii"),
             "msg": f"Input should not contain the control character {found}"}]


async def _body_strings(request: Request) -> list[tuple[tuple[Any, ...], str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if b"\x00" not in body and not _MAYBE_FORBIDDEN_IN_JSON.search(body):
            return []  # no string of this document can hold a forbidden character: nothing to walk
        try:
            data = await request.json()
        except ValueError:
            return []  # not JSON: FastAPI's own parsing refuses it
        return list(_json_strings(("body",), data))
    if content_type == "application/x-www-form-urlencoded" or (
            content_type == "multipart/form-data" and getattr(request, "_form", None) is not None):
        form = await request.form()  # cached on the request: the handler's Form() fields read the same
        found: list[tuple[tuple[Any, ...], str]] = []
        for name, value in form.multi_items():
            found.append((("body", name), name))
            if isinstance(value, str):
                found.append((("body", name), value))
            elif isinstance(value, UploadFile) and value.filename:
                found.append((("body", name, "filename"), value.filename))
        return found
    return []


def _json_strings(loc: tuple[Any, ...], data: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield loc + (key,), str(key)
            yield from _json_strings(loc + (key,), value)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _json_strings(loc + (index,), value)
