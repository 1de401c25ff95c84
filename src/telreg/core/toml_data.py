"""TOML data files validated by a Pydantic model, refused with the file and line of each mistake.

Deployment data (the real-name policies, the e-Cert profiles) lives in TOML files that telreg reads at start-up
and refuses, naming every problem with its line, when they are not valid. tomllib reports no line numbers for
the keys it parsed, so :func:`key_lines` scans the text again: it walks text that tomllib has already accepted,
so it only tracks what decides a key's path: table and array-of-tables headers, dotted and quoted keys, arrays
and inline tables (elements get their index), and strings (so that brackets or ``#`` inside them are not
mistaken for structure). :func:`load_model` turns a ``ValidationError`` into a listing of ``file, line N:
message``; the caller supplies its model class and the factories of its own errors (each context keeps its
own error codes and sentences).
"""

from __future__ import annotations

import json
import tomllib
import types
import typing
from collections.abc import Callable, Collection
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["KeyPath", "key_lines", "line_of", "load_model", "problems_of", "read_source"]

M = TypeVar("M", bound=BaseModel)

KeyPath = tuple[str | int, ...]

_QUOTES = frozenset("\"'")
_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def read_source(
    name_or_path: str,
    *,
    package: str,
    shipped: Collection[str],
    unknown: Callable[[str], Exception],
    unreadable: Callable[[str, str], Exception],
    not_utf8: Callable[[str], Exception],
) -> tuple[str, str]:
    """Return (source, text) of a shipped file (``<package>/files/<name>.toml``) or of a ``.toml`` path.

    The caller's error factories word the refusals: ``unknown(name)`` for a name that is neither shipped nor a
    .toml path, ``unreadable(path, detail)``, ``not_utf8(path)``.
    """
    if name_or_path in shipped:
        shipped_file = resources.files(package) / "files" / f"{name_or_path}.toml"
        return str(shipped_file), shipped_file.read_text(encoding="utf-8")
    if not name_or_path.endswith(".toml"):
        raise unknown(name_or_path)
    path = Path(name_or_path)
    try:
        return str(path), path.read_text(encoding="utf-8")
    except OSError as exc:
        raise unreadable(str(path), str(exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise not_utf8(str(path)) from None


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map each key path (tables, keys, array elements; list indices as ints) to its 1-based line."""
    return _Scanner(text).scan()


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> tuple[int | None, int]:
    """Return the line of ``path`` or of its nearest ancestor present, and how many path parts matched."""
    for depth in range(len(path), 0, -1):
        if path[:depth] in lines:
            return lines[path[:depth]], depth
    return None, 0


def load_model(
    model: type[M],
    *,
    source: str,
    text: str,
    not_toml: Callable[[str, str], Exception],
    invalid: Callable[[str, list[dict[str, Any]], str], Exception],
    input_hidden_for: Collection[str] = (),
) -> M:
    """Parse ``text`` (read from ``source``) and validate it with ``model``.

    ``not_toml(source, detail)`` builds the error for text that is not TOML (tomllib's message carries the line
    and column); ``invalid(source, problems, listing)`` the one for data the model refuses: ``problems`` is a
    list of ``{"line", "key", "message"}`` sorted by line, ``listing`` the same as indented lines of text.
    ``input_hidden_for`` names error types whose message is clearer without the offending value repeated.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise not_toml(source, str(exc)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(exc, key_lines(text), model=model, input_hidden_for=input_hidden_for)
        listing = "\n".join(
            f"  {source}, line {p['line']}: {p['message']}" if p["line"] else f"  {source}: {p['message']}"
            for p in problems
        )
        raise invalid(source, problems, listing) from None


def problems_of(exc: ValidationError, lines: dict[KeyPath, int], *, model: type[BaseModel],
                input_hidden_for: Collection[str] = ()) -> list[dict[str, Any]]:
    """Each validation error as ``{"line", "key", "message"}``, sorted by line."""
    problems = []
    for error in exc.errors():
        path: KeyPath = tuple(error["loc"])
        context = error.get("ctx") or {}
        if "index" in context:  # list checks name the element at fault, and the key within it
            path += (context["index"],) + ((context["key"],) if "key" in context else ())
        kind = error["type"]
        if kind == "missing":
            line, _ = line_of(lines, path[:-1])
            # No square brackets around names: the CLI prints messages with Rich, which reads [x] as markup.
            parent = path[:-1]
            if not parent:
                where = "the top level"
            elif isinstance(parent[-1], int):
                where = f"this {_dotted(parent[:-1])!r} entry"
            else:
                where = f"table {_dotted(parent)!r}"
            message = f"missing key {path[-1]!r} in {where}"
        elif kind == "extra_forbidden":
            line, _ = line_of(lines, path)
            allowed = _allowed_keys(model, path[:-1])
            message = f"unknown key {_dotted(path)!r}"
            if allowed:
                message += f" (allowed here: {', '.join(allowed)})"
        else:
            line, _ = line_of(lines, path)
            message = f"{_dotted(path)}: {error['msg']}"
            if kind not in input_hidden_for:
                message += f" (got {error['input']!r})"
        problems.append({"line": line, "key": _dotted(path), "message": message})
    return sorted(problems, key=lambda p: (p["line"] or 0, p["key"]))


def _dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _allowed_keys(root: type[BaseModel], path: KeyPath) -> list[str]:
    """List the keys the model accepts at this table path (empty when the path leads nowhere known).

    A table of named entries (``dict[str, Model]``) passes through its key to the entry's model."""
    model: Any = root
    parts = list(path)
    while parts:
        part = parts.pop(0)
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return []
        model = _unwrap(field.annotation)
        if typing.get_origin(model) is dict:
            model = _unwrap(typing.get_args(model)[1])
            if parts:
                parts.pop(0)  # the entry's name
            else:
                return []
    return list(model.model_fields) if _is_model(model) else []


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) in (list, typing.Union, types.UnionType, typing.Annotated):
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        self.array_lengths: dict[KeyPath, int] = {}  # arrays of tables: entries seen so far

    def scan(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        while True:
            self._skip(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            line = self.line
            if self.text.startswith("[[", self.pos):
                self._advance(2)
                table = self._open_array_entry(self._key(), line)
                self._expect("]]")
            elif self._peek() == "[":
                self._advance(1)
                table = self._resolve(self._key())
                self.lines[table] = line
                self._expect("]")
            else:
                self._key_value(table)

    # -- structure -------------------------------------------------------------------------------------------

    def _resolve(self, keys: list[str]) -> KeyPath:
        # A header naming an array of tables means its newest entry, e.g. [quotas.x] after [[quotas]].
        path: KeyPath = ()
        for key in keys:
            path += (key,)
            if path in self.array_lengths:
                path += (self.array_lengths[path] - 1,)
        return path

    def _open_array_entry(self, keys: list[str], line: int) -> KeyPath:
        array = self._resolve(keys[:-1]) + (keys[-1],)
        index = self.array_lengths.get(array, 0)
        self.array_lengths[array] = index + 1
        self.lines.setdefault(array, line)
        self.lines[array + (index,)] = line
        return array + (index,)

    def _key_value(self, base: KeyPath) -> None:
        line = self.line
        keys = self._key()
        for depth in range(1, len(keys)):  # dotted keys create their tables on this line
            self.lines.setdefault(base + tuple(keys[:depth]), line)
        path = base + tuple(keys)
        self.lines[path] = line
        self._skip(newlines=False)
        self._expect("=")
        self._skip(newlines=False)
        self._value(path)

    def _value(self, path: KeyPath) -> None:
        char = self._peek()
        if char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        elif char in _QUOTES:
            self._string()
        else:  # numbers, booleans, dates: run to the next delimiter
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}#\r\n":
                self._advance(1)

    def _array(self, path: KeyPath) -> None:
        self._advance(1)
        index = 0
        while True:
            self._skip(newlines=True)
            if self._peek() == "]":
                self._advance(1)
                return
            self.lines[path + (index,)] = self.line
            self._value(path + (index,))
            self._skip(newlines=True)
            if self._peek() == ",":
                self._advance(1)
                index += 1
            elif self._peek() != "]":
                self._lost("',' or ']'")

    def _inline_table(self, path: KeyPath) -> None:
        self._advance(1)
        while True:
            self._skip(newlines=True)
            if self._peek() == "}":
                self._advance(1)
                return
            self._key_value(path)
            self._skip(newlines=True)
            if self._peek() == ",":
                self._advance(1)
            elif self._peek() != "}":
                self._lost("',' or '}'")

    # -- tokens ----------------------------------------------------------------------------------------------

    def _key(self) -> list[str]:
        keys = []
        while True:
            self._skip(newlines=False)
            if self._peek() in _QUOTES:
                keys.append(self._string())
            else:
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos] in _BARE_KEY:
                    self.pos += 1
                keys.append(self.text[start:self.pos])
            self._skip(newlines=False)
            if self._peek() != ".":
                return keys
            self._advance(1)

    def _string(self) -> str:
        quote = self._peek()
        if self.text.startswith(quote * 3, self.pos):
            self._advance(3)
            start = self.pos
            while not self.text.startswith(quote * 3, self.pos):
                self._not_at_end()
                self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
            end = self.pos
            self._advance(3)
            while self._peek() == quote:  # up to two quotes may close the content itself
                self._advance(1)
            return self.text[start:end]
        self._advance(1)
        start = self.pos
        while self._peek() != quote:
            self._not_at_end()
            self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
        raw = self.text[start:self.pos]
        self._advance(1)
        if quote == "'":
            return raw
        try:
            return json.loads(f'"{raw}"')  # TOML's basic-string escapes are JSON's, near enough for a key
        except ValueError:
            return raw

    def _skip(self, *, newlines: bool) -> None:
        blanks = " \t\r\n" if newlines else " \t"
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in blanks:
                self._advance(1)
            elif char == "#":
                while self.pos < len(self.text) and self.text[self.pos] not in "\r\n":
                    self.pos += 1
            else:
                return

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _advance(self, count: int) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + count)
        self.pos += count

    def _expect(self, token: str) -> None:
        self._skip(newlines=False)
        if not self.text.startswith(token, self.pos):
            self._lost(repr(token))
        self._advance(len(token))

    def _not_at_end(self) -> None:
        if self.pos >= len(self.text):
            self._lost("the end of a string")

    def _lost(self, expected: str) -> None:
        # tomllib accepted the text before we scan it, so getting here is a bug of this scanner.
        raise ValueError(f"TOML scanner lost its way at line {self.line}: expected {expected}")
