"""A small TOML writer for the tests (the project has none), recording the line it puts each key on.

Being written independently of the loader's line scanner, its line numbers are the oracle the scanner is
checked against.
"""

from __future__ import annotations

import json
from typing import Any

KeyPath = tuple[str | int, ...]


def to_toml(data: dict[str, Any], *, inline_arrays: bool = False) -> tuple[str, dict[KeyPath, int]]:
    """Return TOML text for ``data`` and the line of each key (and array-of-tables entry) written.

    With ``inline_arrays`` a list of tables is written as a multi-line array with one inline table per line
    instead of ``[[...]]`` sections.
    """
    out: list[str] = ["# written by tests/realname/policy/toml_writer.py"]
    lines: dict[KeyPath, int] = {}
    _table(data, (), out, lines, inline_arrays)
    return "\n".join(out) + "\n", lines


def _table(data: dict[str, Any], path: KeyPath, out: list[str], lines: dict[KeyPath, int],
           inline: bool) -> None:
    nested = []
    for key, value in data.items():
        if isinstance(value, dict) or (_is_table_list(value) and not inline):
            nested.append((key, value))
        elif _is_table_list(value):
            out.append(f"{key} = [")
            lines[path + (key,)] = len(out)
            for index, item in enumerate(value):
                out.append("  {" + ", ".join(f"{k} = {_scalar(v)}" for k, v in item.items()) + "},")
                lines[path + (key, index)] = len(out)
                for k in item:
                    lines[path + (key, index, k)] = len(out)
            out.append("]")
        else:
            out.append(f"{key} = {_scalar(value)}")
            lines[path + (key,)] = len(out)
    for key, value in nested:
        dotted = ".".join(str(p) for p in path + (key,) if not isinstance(p, int))
        if isinstance(value, dict):
            out += ["", f"[{dotted}]"]
            lines[path + (key,)] = len(out)
            _table(value, path + (key,), out, lines, inline)
        else:
            for index, item in enumerate(value):
                out += ["", f"[[{dotted}]]"]
                lines[path + (key, index)] = len(out)
                _table(item, path + (key, index), out, lines, inline)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float, always with . or e
    if isinstance(value, str):
        # JSON's escapes are valid in a TOML basic string; TOML also wants DEL escaped, which JSON leaves raw.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r}")
