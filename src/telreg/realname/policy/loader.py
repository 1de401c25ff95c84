"""Load a policy from a shipped name or a TOML file, refusing it with the file and line of each mistake."""

from __future__ import annotations

import tomllib
import types
import typing
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.realname.errors import PolicyError
from telreg.realname.policy.locate import KeyPath, key_lines, line_of
from telreg.realname.policy.model import Policy

SHIPPED_POLICIES = ("hong-kong", "mainland-china")


def load_policy(name_or_path: str) -> Policy:
    """Return the policy shipped under this name (hong-kong, mainland-china) or read from a .toml path."""
    source, text = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message already carries the line and column
        raise PolicyError(N_("The real-name policy %(source)s is not valid TOML: %(detail)s."), source=source,
                          detail=str(exc)) from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, key_lines(text))
        listing = "\n".join(
            f"  {source}, line {p['line']}: {p['message']}" if p["line"] else f"  {source}: {p['message']}"
            for p in problems
        )
        raise PolicyError(N_("The real-name policy %(source)s is not valid:\n%(listing)s"), source=source,
                          problems=problems, listing=listing) from None


def get_policy(settings: Settings) -> Policy:
    """Return the deployment's policy (TELREG_REALNAME_POLICY), read once per process."""
    return _cached(settings.realname_policy)


@lru_cache(maxsize=8)
def _cached(name_or_path: str) -> Policy:
    return load_policy(name_or_path)


def _read(name_or_path: str) -> tuple[str, str]:
    if name_or_path in SHIPPED_POLICIES:
        shipped = resources.files("telreg.realname.policy") / "files" / f"{name_or_path}.toml"
        return str(shipped), shipped.read_text(encoding="utf-8")
    if not name_or_path.endswith(".toml"):
        raise PolicyError(
            N_("There is no real-name policy called %(given)s: choose one of %(known)s or give the path of a "
               ".toml file."),
            source=name_or_path, given=repr(name_or_path), known=", ".join(SHIPPED_POLICIES),
        )
    path = Path(name_or_path)
    try:
        return str(path), path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(N_("The real-name policy %(source)s cannot be read: %(detail)s."), source=str(path),
                          detail=str(exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise PolicyError(N_("The real-name policy %(source)s is not UTF-8 text."),
                          source=str(path)) from None


def _problems(exc: ValidationError, lines: dict[KeyPath, int]) -> list[dict[str, Any]]:
    problems = []
    for error in exc.errors():
        path: KeyPath = tuple(error["loc"])
        context = error.get("ctx") or {}
        if "index" in context:  # our list checks name the element at fault, and the key within it
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
            allowed = _allowed_keys(path[:-1])
            message = f"unknown key {_dotted(path)!r}"
            if allowed:
                message += f" (allowed here: {', '.join(allowed)})"
        else:
            line, _ = line_of(lines, path)
            message = f"{_dotted(path)}: {error['msg']}"
            if kind not in ("steps_out_of_order", "duplicate_quota", "unknown_document", "version_shape",
                            "wrong_holder"):
                message += f" (got {error['input']!r})"
        problems.append({"line": line, "key": _dotted(path), "message": message})
    return sorted(problems, key=lambda p: (p["line"] or 0, p["key"]))


def _dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _allowed_keys(path: KeyPath) -> list[str]:
    """List the keys the model accepts at this table path (empty when the path leads nowhere known)."""
    model: Any = Policy
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return []
        model = field.annotation
        while typing.get_origin(model) in (list, typing.Union, types.UnionType):
            model = typing.get_args(model)[0]
    return list(model.model_fields) if _is_model(model) else []


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)
