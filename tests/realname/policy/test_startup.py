"""A broken policy stops telreg at start-up with its file and line; `policy show` prints the one in force."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from telreg.config import Environment, Settings, get_settings
from telreg.realname.errors import PolicyError
from telreg.realname.policy import get_policy, load_policy
from telreg.realname.policy_cli import register
from telreg.runtime import Runtime, build_runtime

from .test_bad_files import VALID

# The second quota's limit is on line 28 of VALID; [lifecycle] (left without quarantine_days) on line 31.
BAD = VALID.replace("limit = 25", "limit = -25").replace("quarantine_days = 90\n", "")
BAD_LINE = 28


@pytest.fixture
def bad_policy(tmp_path: Path) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(BAD, encoding="utf-8")
    return path


def _runtime(tmp_path: Path, policy: str) -> Runtime:
    settings = Settings(env=Environment.test, database_url=f"sqlite:///{tmp_path}/telreg.sqlite3",
                        data_dir=tmp_path / "data", secret_key="test-secret-key", realname_policy=policy)
    return build_runtime(settings)


def test_create_app_refuses_a_broken_policy(tmp_path: Path, bad_policy: Path) -> None:
    from telreg.app import create_app

    with pytest.raises(PolicyError) as caught:
        create_app(_runtime(tmp_path, str(bad_policy)))
    assert f"{bad_policy}, line {BAD_LINE}: quotas[1].limit" in caught.value.message


def test_create_app_starts_with_a_shipped_policy(tmp_path: Path) -> None:
    from telreg.app import create_app

    runtime = _runtime(tmp_path, "mainland-china")
    assert create_app(runtime).state.runtime is runtime
    assert get_policy(runtime.settings).name == "mainland-china"


def test_worker_refuses_a_broken_policy(tmp_path: Path, bad_policy: Path) -> None:
    from telreg import cli as cli_module
    from telreg.core import cli_support

    cli_module._register_subapps_once()
    cli_support.set_runtime(_runtime(tmp_path, str(bad_policy)))
    try:
        result = CliRunner().invoke(cli_module.app, ["worker", "--once"])
    finally:
        cli_support.set_runtime(None)
    assert isinstance(result.exception, PolicyError)  # main() turns it into "error: …" and exit status 1
    assert f"line {BAD_LINE}" in result.exception.message


def test_serve_exits_1_with_the_message_and_no_traceback(tmp_path: Path, bad_policy: Path) -> None:
    env = {**os.environ, "TELREG_REALNAME_POLICY": str(bad_policy), "TELREG_ENV": "test",
           "TELREG_DATABASE_URL": f"sqlite:///{tmp_path}/telreg.sqlite3", "TELREG_DATA_DIR": str(tmp_path),
           "COLUMNS": "300"}
    done = subprocess.run([sys.executable, "-m", "telreg", "serve", "--port", "0"], env=env, check=False,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    said = " ".join(done.stderr.split())
    assert f"{bad_policy}, line {BAD_LINE}: quotas[1].limit" in said
    assert f"{bad_policy}, line 31: missing key 'quarantine_days' in table 'lifecycle'" in said
    assert "Traceback" not in done.stderr + done.stdout


@pytest.fixture
def policy_show(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    app = typer.Typer()
    register(app)

    def run(policy: str, *args: str) -> str:
        monkeypatch.setenv("TELREG_REALNAME_POLICY", policy)
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["policy", "show", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    yield run
    get_settings.cache_clear()


def test_policy_show_json_is_the_whole_policy(policy_show) -> None:  # type: ignore[no-untyped-def]
    shown = json.loads(policy_show("mainland-china", "--json"))
    assert shown.pop("source") == "mainland-china"
    assert shown == load_policy("mainland-china").model_dump(mode="json")


def test_policy_show_text_names_quotas_and_steps(policy_show) -> None:  # type: ignore[no-untyped-def]
    text = policy_show("hong-kong")
    assert "policy hong-kong" in text
    assert "person prepaid: 10 per operator" in text
    assert "organisation prepaid: 25 per operator" in text
    assert "day 0: deactivated" in text
