"""The command line starts at once (issue 18 §5): `telreg --help` imports no sub-app and none of the web, database
or crypto stacks; a status look-up imports the database but not the web or the CA; every command is still there
with its help, and the status look-up answers the same JSON as before, read through the database's bare driver (no
SQLAlchemy: core/plain_sql.py) and the holiday table from its cache (not every country of the holidays package). No timing here: bench/cli_startup.py
measures the whole processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from telreg import cli as cli_module
from telreg.dnc import service
from telreg.dnc.vocabulary import Register

from tests.dnc.helpers import list_number
from tests.dnc.test_status_core import _warnings

# Runs `telreg ARGS…` as `telreg` does (telreg.cli:main), then reports the modules the process imported.
PROBE = ("import atexit, json, sys; "
         "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')); "
         "sys.argv = ['telreg', *json.loads(sys.argv[1])]; "
         "from telreg.cli import main; main()")
HEAVY_FOR_HELP = ("fastapi", "starlette", "sqlalchemy", "cryptography", "jinja2", "numpy", "uvicorn", "pydantic")
HEAVY_FOR_STATUS = ("fastapi", "starlette", "jinja2", "numpy", "uvicorn", "telreg.ecert", "telreg.app",
                    "telreg.web", "telreg.realname", "telreg.senders", "telreg.enforcement", "telreg.demo")
HEAVY_FOR_STATUS_READ = ("sqlalchemy", "telreg.core.db", "telreg.core.engine", "telreg.core.models", "telreg.dnc.models",
                         "telreg.dnc.service", "telreg.runtime", "cryptography")


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "COLUMNS": "300", **(env or {})})
    marker = done.stderr.rindex("MODULES ")
    modules = set(json.loads(done.stderr[marker + len("MODULES "):].splitlines()[0]))
    return done, modules


def _imported(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == root or m.startswith(root + ".") for root in roots))


def test_help_lists_every_command_without_importing_any_stack() -> None:
    done, modules = _run(["--help"])
    assert done.returncode == 0, done.stderr
    assert _imported(modules, HEAVY_FOR_HELP) == []
    assert not [m for m in modules if m.startswith("telreg.") and m.endswith("cli") and m != "telreg.cli"]
    said = " ".join(done.stdout.split())
    for name, entry in cli_module.COMMANDS.items():
        assert f"{name} {' '.join(entry.help.split())}" in said, name
    assert "db Database schema" in said


@pytest.mark.parametrize("name", sorted(cli_module.COMMANDS))
def test_the_table_says_what_each_command_says_of_itself(name: str) -> None:
    command = cli_module.load_command(name)
    assert command.name == name
    first_paragraph = (command.help or "").split("\n\n")[0]
    assert " ".join(first_paragraph.split()) == " ".join(cli_module.COMMANDS[name].help.split())


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*path, name))
    return found


def test_every_command_still_answers_help() -> None:
    runner = CliRunner()
    root = get_command(cli_module.app)
    paths = [path for name in root.list_commands(None) for path in _paths(root.get_command(None, name), (name,))]
    assert len(paths) > 100  # every group and every leaf command of every context
    for path in paths:
        result = runner.invoke(cli_module.app, [*path, "--help"], env={"COLUMNS": "300"}, prog_name="telreg")
        assert result.exit_code == 0, (path, result.output)
        assert f"Usage: telreg {' '.join(path)}" in " ".join(result.output.split()), path


def test_an_unknown_command_is_refused_with_a_suggestion_among_unloaded_ones() -> None:
    result = CliRunner().invoke(cli_module.app, ["enforcment"])
    assert result.exit_code == 2
    assert "No such command 'enforcment'" in result.output and "'enforcement'" in result.output


def test_status_answers_the_same_json_without_the_web_or_the_other_contexts(runtime, clock, tmp_path: Path) -> None:
    with runtime.session_factory.begin() as session:
        list_number(session, runtime, "21234567", Register.fax, Register.sms)
        _warnings(session, clock)  # weather warnings move the protection date: their instants are read too
    with runtime.session_factory() as session:
        expected = service.number_status(session, settings=runtime.settings, number="21234567")
    settings = runtime.settings
    env = {"TELREG_ENV": "test", "TELREG_DATABASE_URL": settings.database_url, "TELREG_DATA_DIR": str(settings.data_dir),
           "TELREG_SECRET_KEY": "test-secret-key", "TELREG_CACHE_DIR": str(tmp_path / "cache")}
    first, first_modules = _run(["dnc", "status", "2123 4567", "--json"], env=env)  # fills the holiday cache
    done, modules = _run(["dnc", "status", "2123 4567", "--json"], env=env)
    for answer in (first, done):
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout) == json.loads(json.dumps(expected, default=str))
    assert expected["registers"]["fax"]["protected_from"] == "2026-03-17"  # 3 warning days skipped
    assert _imported(modules, HEAVY_FOR_STATUS) == []
    # It read the database through its driver: no SQLAlchemy, models or the rest of the runtime (issue 18 §5)
    assert ("psycopg" if runtime.settings.database_url.startswith("postgresql") else "sqlite3") in modules
    assert _imported(first_modules | modules, HEAVY_FOR_STATUS_READ) == []
    # and the working days from the holiday cache: not the holidays package, whose import takes every country's
    assert "holidays.countries" in first_modules  # (the first run, with the cache empty, asked the package)
    assert _imported(modules, ("holidays",)) == []


def test_a_bad_number_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    done, _ = _run(["dnc", "status", "2123"], env={
        "TELREG_ENV": "test", "TELREG_DATABASE_URL": f"sqlite:///{tmp_path}/t.sqlite3",
        "TELREG_DATA_DIR": str(tmp_path / "d"), "TELREG_SECRET_KEY": "test-secret-key"})
    assert done.returncode == 1
    assert "error:" in done.stderr and "Traceback" not in done.stderr
