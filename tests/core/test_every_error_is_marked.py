"""Every error a person can meet is worded from the catalogs: no DomainError (or real-name refusal) anywhere in
the package is raised with an f-string or a plain string; each carries an N_() template and its parameters,
which tests/core/test_i18n_catalogs.py then requires to be translated in both Chinese variants."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import telreg
from telreg.core.errors import DomainError

PACKAGE = Path(telreg.__file__).parent


def _error_names() -> set[str]:
    for module in pkgutil.walk_packages(telreg.__path__, "telreg."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)

    def below(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *below(direct)}}

    return {cls.__name__ for cls in below(DomainError)} | {"DomainError"}


def _message_argument(call: ast.Call, name: str, cls: type | None) -> ast.expr | None:
    """The argument that holds the sentence: the first, or the one named ``message`` in the signature."""
    if cls is not None:
        try:
            parameters = list(inspect.signature(cls.__init__).parameters)[1:]
        except (TypeError, ValueError):
            parameters = []
        if "message" in parameters:
            index = parameters.index("message")
            if index < len(call.args):
                return call.args[index]
    if name == "Refused":
        return call.args[1] if len(call.args) > 1 else None
    return call.args[0] if call.args else None


def _unmarked(names: set[str], classes: dict[str, type], root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in names:
                continue
            argument = _message_argument(node, name, classes.get(name))
            if isinstance(argument, ast.JoinedStr | ast.BinOp) or (
                    isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def _classes() -> dict[str, type]:
    def below(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *below(direct)}}

    return {cls.__name__: cls for cls in below(DomainError)}


def test_no_error_is_raised_with_an_unmarked_sentence() -> None:
    names = _error_names() | {"Refused"}
    assert _unmarked(names, _classes()) == []


def test_the_check_finds_an_unmarked_sentence(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text('raise InvalidInput(f"no {x}")\nraise Conflict("plain")\n'
                                     'raise NotFound(N_("fine %(x)s"), x=1)\n', encoding="utf-8")
    found = _unmarked({"InvalidInput", "Conflict", "NotFound"}, {}, root=tmp_path)
    assert found == ["bad.py:1 InvalidInput", "bad.py:2 Conflict"]
