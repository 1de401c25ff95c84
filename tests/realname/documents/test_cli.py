"""`telreg realname check-document TYPE VALUE [--json] [--date-of-birth] [--as-of]`: no database needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from telreg import cli as cli_module
from telreg.core.errors import InvalidInput
from tests.realname.documents.test_passport import SPECIMEN_TD3


def run(*args: str) -> tuple[int, str]:
    cli_module._register_subapps_once()
    result = CliRunner().invoke(cli_module.app, ["realname", "check-document", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    ("doc_type", "good", "bad", "normalised"),
    [
        ("hkid", "A123456(3)", "A123456(4)", "A1234563"),
        ("cn-resident-id", "11010519491231002x", "110105194912310021", "11010519491231002X"),
        ("cn-uscc", "91110000600037341L", "91110000600037341A", "91110000600037341L"),
        ("cn-orgcode", "D2143569-X", "D2143569-1", "D2143569X"),
    ],
)
def test_json_for_the_stable_types(doc_type: str, good: str, bad: str, normalised: str) -> None:
    code, out = run(doc_type, good, "--json")
    assert code == 0
    answer = json.loads(out)
    assert list(answer)[:2] == ["valid", "reason"]
    assert answer["valid"] is True and answer["reason"] == "ok" and answer["normalised"] == normalised
    code, out = run(doc_type, bad, "--json")
    assert code == 0  # an invalid document is an answer, not a failure
    answer = json.loads(out)
    assert answer["valid"] is False
    assert "check character" in answer["reason"] or "check digit" in answer["reason"]


def test_passport_mrz_json_uses_the_clock_or_as_of() -> None:
    code, out = run("passport-mrz", SPECIMEN_TD3, "--json", "--as-of", "2010-01-01T09:00")
    assert code == 0
    expected = {
        "valid": True, "reason": "ok", "doc_type": "passport-mrz", "holder_kind": "person",
        "normalised": "L898902C3", "date_of_birth": "1974-08-12", "expires_on": "2012-04-15",
    }
    assert json.loads(out) == expected
    # The specimen expired in 2012, but the check is about integrity: still valid today, with its expiry
    # reported (registration is where an expired document is refused).
    assert json.loads(run("passport-mrz", SPECIMEN_TD3, "--json")[1]) == expected
    broken = SPECIMEN_TD3.replace("L898902C36", "L898902C37")
    answer = json.loads(run("passport-mrz", broken, "--json", "--as-of", "2010-01-01T09:00")[1])
    assert answer["valid"] is False and "document number" in answer["reason"]


def test_date_of_birth_option() -> None:
    number = "11010519491231002X"
    agree = json.loads(run("cn-resident-id", number, "--date-of-birth", "1949-12-31", "--json")[1])
    assert agree["valid"] is True and agree["date_of_birth"] == "1949-12-31"
    differ = json.loads(run("cn-resident-id", number, "--date-of-birth", "1950-01-01", "--json")[1])
    assert differ["valid"] is False and "date of birth" in differ["reason"]
    with pytest.raises(InvalidInput):
        run("cn-resident-id", number, "--date-of-birth", "31/12/1949")


def test_human_line() -> None:
    assert run("hkid", "a123456(3)") == (0, "valid hkid: A1234563\n")
    code, out = run("hkid", "A123456(4)")
    assert code == 0 and out.startswith("invalid hkid: The check digit")


def test_unknown_type_in_process_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        run("driving-licence", "X1", "--json")


def test_the_command_exits_1_on_an_unknown_type_and_needs_no_database() -> None:
    # A database URL that cannot be reached: the command must not try to connect.
    env = {**os.environ, "TELREG_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"}
    base = [sys.executable, "-m", "telreg", "realname", "check-document"]
    ok = subprocess.run([*base, "cn-uscc", "91110000600037341L", "--json"], env=env, capture_output=True,
                        text=True, timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["valid"] is True
    unknown = subprocess.run([*base, "driving-licence", "X1", "--json"], env=env, capture_output=True,
                             text=True, timeout=60, check=False)
    assert unknown.returncode == 1
    assert "Unknown document type 'driving-licence'" in " ".join(unknown.stderr.split())
    assert unknown.stdout == ""
