"""Secret files stay private: production refuses exposed key files; data directory and database are created
private."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from telreg.config import Environment, Settings
from telreg.core.pii_keys import generate_key_ring, load_key_ring
from telreg.core.secret_files import SecretFileExposed, check_secret_files
from telreg.runtime import build_runtime


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _key_file(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(generate_key_ring()))
    path.chmod(mode)
    return path


def _production(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(env=Environment.production, database_url=f"sqlite:///{tmp_path}/db.sqlite3",
                    data_dir=tmp_path / "data", secret_key="x" * 48, **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
def test_production_refuses_a_key_file_others_can_reach(tmp_path: Path, mode: int) -> None:
    path = _key_file(tmp_path, mode)
    settings = _production(tmp_path, pii_key_file=path)
    with pytest.raises(SecretFileExposed) as refused:
        build_runtime(settings)
    assert str(path) in refused.value.message and f"chmod 600 {path}" in refused.value.message
    assert f"{mode:04o}" in refused.value.message and "TELREG_PII_KEY_FILE" in refused.value.message
    with pytest.raises(SecretFileExposed):
        load_key_ring(settings)


def test_production_accepts_a_private_key_file(tmp_path: Path) -> None:
    settings = _production(tmp_path, pii_key_file=_key_file(tmp_path, 0o600))
    check_secret_files(settings)
    assert load_key_ring(settings).current_key_id


def test_every_secret_file_setting_is_checked(tmp_path: Path) -> None:
    audit_key = tmp_path / "audit.key"
    audit_key.write_text("PRIVATE+KEY+not-a-real-one")
    audit_key.chmod(0o644)
    settings = _production(tmp_path, pii_key_file=_key_file(tmp_path, 0o600), audit_log_key_file=audit_key)
    with pytest.raises(SecretFileExposed, match="TELREG_AUDIT_LOG_KEY_FILE"):
        check_secret_files(settings)


def test_outside_production_a_shared_key_file_is_not_refused(tmp_path: Path) -> None:
    settings = Settings(env=Environment.development, data_dir=tmp_path / "data",
                        pii_key_file=_key_file(tmp_path, 0o644))
    check_secret_files(settings)
    assert load_key_ring(settings).current_key_id


def test_the_data_directory_and_the_sqlite_database_are_created_private(tmp_path: Path, umask_022: None) -> None:
    database = tmp_path / "var" / "telreg.sqlite3"
    settings = Settings(env=Environment.test, database_url=f"sqlite:///{database}", data_dir=tmp_path / "data",
                        secret_key="test-secret-key", password_hashing="fast")
    runtime = build_runtime(settings)
    with runtime.engine.begin() as connection:  # a write: SQLite creates its -wal and -shm files
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "data", database.parent, database,
                                                                  *database.parent.glob("*-wal")]}
    runtime.engine.dispose()
    assert modes == {"data": 0o700, "var": 0o700, "telreg.sqlite3": 0o600, "telreg.sqlite3-wal": 0o600}
    assert stat.S_IMODE((tmp_path / "data" / "pii_keys.json").stat().st_mode) == 0o600
