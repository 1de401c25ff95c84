"""The input guard skips walking a JSON body that cannot hold a forbidden character (issue 18 §4): whatever the
encoding or escaping of the body, it finds exactly what the walk finds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.requests import Request

from telreg.web.input_guard import _body_strings, _characters, _json_strings, forbidden_character


def _request(body: bytes) -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({"type": "http", "method": "POST", "path": "/", "query_string": b"",
                    "headers": [(b"content-type", b"application/json")]}, receive)


def _run(coroutine: Any) -> Any:
    """Run a coroutine that never suspends (its body is all there): no event loop, so none of a browser test's
    left in this thread is in the way."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("the coroutine waited for something")


def _problems(body: bytes) -> list[Any]:
    found = _run(_body_strings(_request(body)))
    return [p for loc, text in found for p in _characters(loc, text)]


def _walked(body: bytes) -> list[Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    return [p for loc, text in _json_strings(("body",), data) for p in _characters(loc, text)]


CHARACTERS = [chr(c) for c in (*range(0x20), 0x7F)] + ["a", "陳", "\\", "é"]


@pytest.mark.parametrize("character", CHARACTERS, ids=[f"U+{ord(c):04X}" for c in CHARACTERS])
@pytest.mark.parametrize("encoding", ["ascii-escaped", "utf-8", "utf-16", "utf-32", "raw"])
@pytest.mark.parametrize("where", ["value", "key", "nested"])
def test_the_fast_path_finds_what_the_walk_finds(character: str, encoding: str, where: str) -> None:
    text = f"x{character}y"
    document: Any = {"name": text} if where == "value" else {text: 1} if where == "key" else {"a": [{"b": text}]}
    if encoding == "raw":  # the character unescaped in the bytes: not JSON below U+0020, JSON for DEL
        body = ('{"name": "' + text + '"}').encode()
    else:
        dumped = json.dumps(document, ensure_ascii=encoding == "ascii-escaped")
        body = dumped.encode("utf-8" if encoding in ("ascii-escaped", "utf-8") else encoding)
    assert _problems(body) == _walked(body)
    if encoding != "raw":
        assert bool(_problems(body)) == (forbidden_character(character) is not None)


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul() -> None:
    body = json.dumps({"name": "\\u0000"}).encode()  # the six characters \u0000
    assert _problems(body) == []
