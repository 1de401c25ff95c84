"""The leak detectors themselves: they find a value stored in clear and stay quiet about a sealed one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, Table, Text, insert

from telreg.core.db import make_engine
from telreg.core.pii_keys import generate_key_ring, parse_key_ring
from telreg.core.vault import Vault
from tests.realname.pii_helpers import (
    assert_absent_in_database,
    assert_absent_in_pg_dump,
    assert_absent_in_sqlite_file,
    find_pg_dump,
)

NAME = "CHAN Tai Man 陳大文"
DOCUMENT = "A1234563"
BIRTH = "1990-01-01"


@pytest.fixture
def vault() -> Vault:
    return Vault(parse_key_ring(json.dumps(generate_key_ring()), source="test ring"))


@pytest.fixture
def probe(engine: Engine) -> Iterator[Table]:
    with _probe_table(engine) as table:
        yield table


@contextmanager
def _probe_table(engine: Engine) -> Iterator[Table]:
    """A throwaway table outside the application's schema, dropped afterwards (PostgreSQL's is shared)."""
    metadata = MetaData()
    table = Table(
        "pii_helper_probe",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", Text),
        Column("document", Text),
        Column("birth", Text),
        Column("image", LargeBinary),
    )
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield table
    metadata.drop_all(engine)


def _insert(engine: Engine, table: Table, **row: object) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table).values(**row))


def test_a_name_stored_in_clear_is_found(engine: Engine, probe: Table) -> None:
    _insert(engine, probe, name=NAME)

    with pytest.raises(AssertionError, match="in clear"):
        assert_absent_in_database(engine, [NAME])


def test_only_the_chinese_part_of_a_name_is_enough_to_be_found(engine: Engine, probe: Table) -> None:
    _insert(engine, probe, name=NAME)

    with pytest.raises(AssertionError, match="in clear"):
        assert_absent_in_database(engine, ["陳大文"])


def test_sealed_values_are_not_found_but_their_tokens_are(engine: Engine, probe: Table, vault: Vault) -> None:
    name_token = vault.seal("name", NAME)
    _insert(engine, probe, name=name_token, document=vault.seal("document", DOCUMENT),
            birth=vault.seal("birth", BIRTH))

    assert_absent_in_database(engine, [NAME, "陳大文", DOCUMENT, BIRTH])
    # The search does see the table's contents: the token itself is there.
    with pytest.raises(AssertionError):
        assert_absent_in_database(engine, [name_token])


def test_an_image_stored_in_clear_is_found_even_across_pages(engine: Engine, probe: Table) -> None:
    image = os.urandom(20_000)  # larger than a page: SQLite cuts it across overflow pages
    _insert(engine, probe, image=image)

    with pytest.raises(AssertionError, match="in clear"):
        assert_absent_in_database(engine, [image])


def test_a_sealed_image_is_not_found(engine: Engine, probe: Table, vault: Vault) -> None:
    image = os.urandom(20_000)
    _insert(engine, probe, image=vault.seal_bytes("image", image).encode("ascii"))

    assert_absent_in_database(engine, [image])


def test_a_text_value_kept_in_a_binary_column_is_found(engine: Engine, probe: Table) -> None:
    _insert(engine, probe, image=DOCUMENT.encode("utf-8"))  # PostgreSQL dumps bytea as hex

    with pytest.raises(AssertionError, match="in clear"):
        assert_absent_in_database(engine, [DOCUMENT])


def test_sqlite_values_still_only_in_the_wal_file_are_found(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    engine = make_engine(f"sqlite:///{path}")  # WAL mode, as the application runs it
    try:
        with _probe_table(engine) as probe:
            with engine.begin() as conn:
                # Keep the row in the WAL, out of the main file.
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
                conn.execute(insert(probe).values(name=NAME))
            assert NAME.encode() not in path.read_bytes()

            with pytest.raises(AssertionError, match=r"-wal at byte"):
                assert_absent_in_sqlite_file(path, [NAME])
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_pg_dump_finds_values_written_with_copy_escapes(postgres_engine: Engine) -> None:
    address = "Flat A\t12/F\nNathan Road"
    with _probe_table(postgres_engine) as probe:
        _insert(postgres_engine, probe, name=address)

        with pytest.raises(AssertionError, match="pg_dump"):
            assert_absent_in_pg_dump(postgres_engine.url.render_as_string(hide_password=False), [address])


def test_pg_dump_is_found() -> None:
    assert os.access(find_pg_dump(), os.X_OK)


@pytest.mark.parametrize("values", [[], [""], ["x"]])
def test_values_that_would_prove_nothing_are_refused(tmp_path: Path, values: list[str]) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"x" * 100)
    with pytest.raises(AssertionError, match="at least"):
        assert_absent_in_sqlite_file(path, values)
