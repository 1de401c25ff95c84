"""`telreg keys rotate`: a new current key, every sealed value re-sealed under it in resumable batches."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core import key_rotation
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.core.pii_keys import load_key_ring
from telreg.core.vault import Vault
from telreg.realname.identities import SEALED_FIELDS
from telreg.realname.models import Identity
from telreg.realname.verification_models import SEALED_FIELDS as FLAG_FIELDS

PEOPLE = [(f"DOC{n:04d}", f"Person number {n}", f"1980-01-{n + 1:02d}") for n in range(5)]


class Stop(Exception):
    pass


def _seal_people(runtime: Any, clock: Any) -> None:
    vault = runtime.vault
    with unit_of_work(runtime.session_factory) as session:
        for n, (document, name, born) in enumerate(PEOPLE):
            session.add(Identity(
                kind="person", doc_type="hkid", document_index=vault.blind_index("document.hkid", document),
                document_sealed=vault.seal(SEALED_FIELDS["document"], document),
                name_sealed=vault.seal(SEALED_FIELDS["name"], name),
                date_of_birth_sealed=vault.seal(SEALED_FIELDS["date_of_birth"], born),
                address_sealed=vault.seal(SEALED_FIELDS["address"], f"Flat {n}") if n % 2 else None,
                created_at=clock.now(), updated_at=clock.now()))


def _identities(runtime: Any) -> list[Identity]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(Identity).order_by(Identity.id)))


def _tokens(row: Identity) -> list[str]:
    return [t for t in (row.document_sealed, row.name_sealed, row.date_of_birth_sealed, row.address_sealed) if t]


def _key_id(token: str) -> str:
    return token.split(".")[1]


def test_every_sealed_column_is_found_with_the_field_the_code_seals_it_for(engine: Any) -> None:
    from telreg.core.two_factor import SECRET_FIELD

    fields = {c.field for c in key_rotation.sealed_columns()}
    expected = {*SEALED_FIELDS.values(), *FLAG_FIELDS.values(), SECRET_FIELD,
                "realname_registrations.authorisation_letter", "realname_registrations.agent_letter"}
    assert expected <= fields
    for sealed in key_rotation.sealed_columns():
        assert len(sealed.table.primary_key.columns) == 1, sealed.table.name


def test_rotation_reseals_every_value_under_the_new_key(runtime: Any, clock: Any) -> None:
    _seal_people(runtime, clock)
    old = runtime.vault.current_key_id
    report = key_rotation.rotate(runtime, key_id="k-new", batch_size=2)
    assert (report.from_key_id, report.to_key_id) == (old, "k-new")
    assert report.resealed == {"realname_identities.document_sealed": 5, "realname_identities.name_sealed": 5,
                               "realname_identities.date_of_birth_sealed": 5,
                               "realname_identities.address_sealed": 2}
    fresh = Vault(load_key_ring(runtime.settings))  # as a restarted process loads it
    assert fresh.current_key_id == "k-new"
    for row, (document, name, born) in zip(_identities(runtime), PEOPLE, strict=True):
        assert {_key_id(t) for t in _tokens(row)} == {"k-new"}
        assert fresh.open(SEALED_FIELDS["document"], row.document_sealed) == document
        assert fresh.open(SEALED_FIELDS["name"], row.name_sealed) == name
        assert fresh.open(SEALED_FIELDS["date_of_birth"], row.date_of_birth_sealed) == born
        assert row.document_index == fresh.blind_index("document.hkid", document)  # the index key is kept
    with unit_of_work(runtime.session_factory) as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "pii_key_ring")
                                       .order_by(AuditEvent.id)))
    assert actions == ["pii_keys.key_added", "pii_keys.resealed"]


def test_an_interrupted_rotation_continues_where_it_stopped_and_retires_only_then(runtime: Any, clock: Any) -> None:
    _seal_people(runtime, clock)
    old = runtime.vault.current_key_id
    path = key_rotation.key_file_path(runtime.settings)

    def stop_after_first(table: str, done: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        key_rotation.rotate(runtime, key_id="k-b", batch_size=2, on_batch=stop_after_first)
    moved = [_key_id(t) for row in _identities(runtime) for t in _tokens(row)]
    assert moved.count("k-b") == 7 and moved.count(old) == 10  # the first two rows (and their one address)
    with pytest.raises(key_rotation.KeyRotationRefused, match="still seals 10 stored value"):
        key_rotation.retire_key(runtime.session_factory, path, old, clock=clock)
    with pytest.raises(key_rotation.KeyRotationRefused, match="current key"):
        key_rotation.retire_key(runtime.session_factory, path, "k-b", clock=clock)

    report = key_rotation.rotate(runtime, batch_size=2)  # run again: no new key, the rest re-sealed
    assert (report.from_key_id, report.to_key_id, report.total) == (None, "k-b", 10)
    assert {_key_id(t) for row in _identities(runtime) for t in _tokens(row)} == {"k-b"}
    assert set(json.loads(path.read_text())["keys"]) == {old, "k-b"}

    key_rotation.retire_key(runtime.session_factory, path, old, clock=clock)
    assert set(json.loads(path.read_text())["keys"]) == {"k-b"}
    assert path.stat().st_mode & 0o777 == 0o600
    fresh = Vault(load_key_ring(runtime.settings))
    assert [fresh.open(SEALED_FIELDS["name"], r.name_sealed) for r in _identities(runtime)] == [p[1] for p in PEOPLE]


def test_a_value_changed_between_batches_is_resealed_with_its_new_content(runtime: Any, clock: Any) -> None:
    _seal_people(runtime, clock)
    first = _identities(runtime)[0]
    old_vault = runtime.vault
    changed = {"n": 0}

    def someone_writes(table: str, done: int) -> None:
        if changed["n"] == 0:  # after batch 1: a clerk changes row 3's name, sealed under the old key
            changed["n"] = 1
            with unit_of_work(runtime.session_factory) as session:
                row = session.get(Identity, first.id + 2)
                row.name_sealed = old_vault.seal(SEALED_FIELDS["name"], "Renamed")

    key_rotation.rotate(runtime, key_id="k-c", batch_size=2, on_batch=someone_writes)
    fresh = Vault(load_key_ring(runtime.settings))
    names = [fresh.open(SEALED_FIELDS["name"], r.name_sealed) for r in _identities(runtime)]
    assert names[2] == "Renamed"


# PostgreSQL only: SQLite's BEGIN IMMEDIATE lets no other writer in during a batch
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_row_written_between_read_and_write_is_not_overwritten(runtime: Any, clock: Any, backend: str) -> None:
    _seal_people(runtime, clock)
    target = _identities(runtime)[0].id
    old_vault = runtime.vault
    path = key_rotation.key_file_path(runtime.settings)
    key_rotation.add_current_key(path, key_id="k-d")
    new_vault = Vault(load_key_ring(runtime.settings))

    class Racing(Vault):
        raced = False

        def open_bytes(self, field: str, token: str) -> bytes:
            if not Racing.raced:  # while the batch is read but not written, a clerk renames the first person
                Racing.raced = True
                with unit_of_work(runtime.session_factory) as session:
                    session.get(Identity, target).name_sealed = old_vault.seal(SEALED_FIELDS["name"], "Renamed")
            return super().open_bytes(field, token)

    report = key_rotation.reseal(runtime.session_factory, Racing(load_key_ring(runtime.settings)), clock=clock,
                                 batch_size=2)
    assert report.skipped_changed == 1
    row = _identities(runtime)[0]
    assert old_vault.open(SEALED_FIELDS["name"], row.name_sealed) == "Renamed"  # not overwritten, still stale
    key_rotation.reseal(runtime.session_factory, new_vault, clock=clock, batch_size=2)  # a rerun finishes it
    assert new_vault.open(SEALED_FIELDS["name"], _identities(runtime)[0].name_sealed) == "Renamed"


def test_the_cli_reports_counts_and_never_shows_key_material(cli: Any, runtime: Any, clock: Any,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    _seal_people(runtime, clock)
    _two_admins(runtime)
    old = runtime.vault.current_key_id
    caplog.set_level(logging.DEBUG)
    rotation = _approved(cli, "key-rotation", "key_id=k-cli")  # alice asks, bob approves (the two-person rule)
    code, out, err = cli("keys", "rotate", "--key-id", "k-cli", "--batch-size", "2", "--approval", rotation,
                         "--by", "alice")
    assert code == 0, err
    assert "key k-cli added and made current" in out and "re-sealed 17 value(s) under key k-cli" in out
    code, status, _ = cli("keys", "status")
    assert f"{old}: 0 value(s)" in status and "k-cli (current): 17 value(s)" in status
    retirement = _approved(cli, "key-retirement", f"key_id={old}")
    code, out2, err2 = cli("keys", "retire", old, "--approval", retirement, "--by", "alice")
    assert code == 0 and f"key {old} retired" in out2

    document = json.loads(key_rotation.key_file_path(runtime.settings).read_text())
    secrets = [*document["keys"].values(), document["index_key"]]
    raw = [base64.b64decode(s) for s in secrets]
    with unit_of_work(runtime.session_factory) as session:
        audited = json.dumps([e.details for e in session.scalars(select(AuditEvent))])
    shown = "\n".join([out, err, status, out2, err2, caplog.text, audited, repr(runtime.vault),
                       repr(load_key_ring(runtime.settings))])
    for secret in secrets:
        assert secret not in shown
    for key in raw:
        assert key.hex() not in shown and repr(key) not in shown


def test_inline_keys_are_not_rewritten(runtime: Any, tmp_path: Path) -> None:
    runtime.settings = runtime.settings.model_copy(update={"pii_keys": "{}"})
    with pytest.raises(key_rotation.KeyRotationRefused, match="TELREG_PII_KEYS"):
        key_rotation.key_file_path(runtime.settings)


def test_the_index_key_rotation_recomputes_every_document_index_and_resumes(cli: Any, runtime: Any,
                                                                            clock: Any) -> None:
    from telreg.realname.identities import document_index

    _seal_people(runtime, clock)
    path = key_rotation.key_file_path(runtime.settings)
    before = json.loads(path.read_text())
    old_indexes = [r.document_index for r in _identities(runtime)]

    def stop_after_first(table: str, rows: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        key_rotation.rotate_index_key(runtime, batch_size=2, on_batch=stop_after_first)
    after = json.loads(path.read_text())
    assert after["index_key"] != before["index_key"] and after["keys"] == before["keys"]
    fresh = Vault(load_key_ring(runtime.settings))
    right = [document_index(fresh, doc_type="hkid", normalised=p[0]) for p in PEOPLE]
    assert [r.document_index for r in _identities(runtime)][:2] == right[:2]
    assert [r.document_index for r in _identities(runtime)][2:] == old_indexes[2:]  # not yet recomputed

    code, out, err = cli("keys", "reindex", "--batch-size", "2")
    assert code == 0, err
    assert "realname_identities.document_index: 3" in out
    assert [r.document_index for r in _identities(runtime)] == right
    assert set(right).isdisjoint(old_indexes)
    assert after["index_key"] not in out


# ---- the two-person rule at the command line (core/dual_control.py) ---------------------------------------------


def _two_admins(runtime: Any) -> None:
    from telreg.core.users import create_user

    with unit_of_work(runtime.session_factory) as session:
        for name in ("alice", "bob"):
            create_user(session, clock=runtime.clock, username=name, password="correct horse battery",
                        roles=["admin"])


def _approved(cli: Any, kind: str, *params: str, approve: bool = True) -> str:
    """Alice asks for KIND with PARAMS, Bob approves; return the request's id."""
    args = [arg for param in params for arg in ("--param", param)]
    code, out, err = cli("approvals", "request", kind, *args, "--reason", "scheduled", "--by", "alice")
    assert code == 0, err
    request_id = str(json.loads(out)["id"])
    if approve:
        code, _, err = cli("approvals", "approve", request_id, "--reason", "checked", "--by", "bob")
        assert code == 0, err
    return request_id


def test_keys_are_not_rotated_without_a_matching_approval(cli: Any, runtime: Any, clock: Any) -> None:
    _seal_people(runtime, clock)
    _two_admins(runtime)
    before = key_rotation.key_file_path(runtime.settings).read_text()

    code, _, err = cli("keys", "rotate", "--key-id", "k-x")
    assert code == 1 and "two-person rule" in err
    assert "telreg approvals request key-rotation --param key_id=k-x" in err
    code, _, err = cli("keys", "rotate", "--index-key")
    assert code == 1 and "telreg approvals request index-key-rotation" in err

    waiting = _approved(cli, "key-rotation", "key_id=k-x", approve=False)
    code, _, err = cli("approvals", "approve", waiting, "--reason", "fine", "--by", "alice")
    assert code == 1 and "you asked for it, so someone else must approve it" in err
    code, _, err = cli("keys", "rotate", "--key-id", "k-x", "--approval", waiting, "--by", "alice")
    assert code == 1 and f"Request {waiting} is pending, not approved and unused" in err

    other = _approved(cli, "key-rotation", "key_id=k-x")
    code, _, err = cli("keys", "rotate", "--key-id", "k-y", "--approval", other, "--by", "alice")
    assert code == 1 and 'approved {"key_id":"k-x"}, not {"key_id":"k-y"}' in err
    code, _, err = cli("keys", "rotate", "--key-id", "k-x", "--approval", other, "--by", "bob")
    assert code == 1 and "the person who asked runs the operation, not bob" in err
    assert key_rotation.key_file_path(runtime.settings).read_text() == before  # nothing ran

    clock.advance(hours=runtime.settings.dual_control_valid_hours, seconds=1)
    code, _, err = cli("keys", "rotate", "--key-id", "k-x", "--approval", other, "--by", "alice")
    assert code == 1 and f"The approval of request {other} expired" in err
    assert key_rotation.key_file_path(runtime.settings).read_text() == before

    fresh = _approved(cli, "key-rotation", "key_id=k-x")
    code, out, err = cli("keys", "rotate", "--key-id", "k-x", "--approval", fresh, "--by", "alice")
    assert code == 0 and "under key k-x" in out, err
    code, _, err = cli("keys", "rotate", "--key-id", "k-x", "--approval", fresh, "--by", "alice")
    assert code == 1 and f"Request {fresh} is used, not approved and unused" in err
    code, listing, _ = cli("approvals", "list", "--state", "used")
    assert f"{fresh}\tused by bob\tkey-rotation" in listing
