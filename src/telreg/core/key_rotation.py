"""Rotate the personal-data encryption keys: add a key, make it current, re-seal every sealed value under it.

Every ``*_sealed`` column of every table holds a vault token ``v1.<key id>.<data>`` sealed with the associated
data ``<table>.<column without _sealed>`` (core/vault.py); the columns are found from the mapped tables, so a new
sealed column is rotated without being listed here. Re-sealing runs table by table in primary-key batches, each
committed on its own: an interrupted run is resumed by running the command again, which skips every value
already under the current key. A row changed by someone else between the read and the write is left alone (its
new value was sealed by that writer; a later run re-seals it if needed).

An old key is retired (removed from the ring) only once no value is sealed with it: a value nobody can open is
data lost.

**The blind-index key is another matter** (``telreg keys rotate --index-key``, :func:`rotate_index_key`). The
index key does not encrypt anything: it keys the HMAC that lets a document number be found (``document_index``
columns) and is never named inside an index. Every index computed under the old key stops matching the moment
the key changes, so it cannot be rotated value by value while the old key "keeps opening": every index must be
recomputed from the opened, normalised value (doc type + number, the very computation of
``realname.identities.document_index``), and until that is done a lookup by document finds nothing — a duplicate
registration or a flagged document would go unnoticed. Procedure: stop the servers and workers (nothing may
write or look up meanwhile); ``telreg keys rotate --index-key`` writes a new ``index_key`` into the key file and
recomputes, in committed batches, every registered blind-index column (:data:`INDEX_MODULES` register them:
``realname_identities`` and ``realname_verification_flags``); if it is interrupted, ``telreg keys reindex``
finishes (recomputing is idempotent: rows already right are skipped); start again. What cannot be recomputed
because its input is not stored is lost: open lookup challenges (``realname_lookup_challenges``: callers ask for
a new code), CAPTCHA audio tokens and capture proofs keyed from the index key — rotate when none is pending.

Key material is never logged, printed, audited or put in an exception: only key ids are.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.db import Base, unit_of_work
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.pii_keys import DEV_KEY_FILE_NAME, KEY_BYTES, load_key_ring, parse_key_ring
from telreg.core.vault import TOKEN_VERSION, Vault

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = [
    "KeyRotationRefused",
    "RotationReport",
    "SealedColumn",
    "add_current_key",
    "key_file_path",
    "key_usage",
    "register_blind_index",
    "reindex",
    "reseal",
    "retire_key",
    "rotate",
    "rotate_index_key",
    "sealed_columns",
]

SUFFIX = "_sealed"
ACTOR = "system:telreg-keys"
SUBJECT = "pii_key_ring"
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Modules that register their blind-index columns when imported (core names them; it imports no context).
INDEX_MODULES = ("telreg.realname.blind_indexes",)


class KeyRotationRefused(DomainError):
    status_code = 409
    code = "key_rotation_refused"


@dataclass(frozen=True)
class SealedColumn:
    table: Table
    column: str

    @property
    def field(self) -> str:
        """The vault's associated data for this column: ``<table>.<column without _sealed>``."""
        return f"{self.table.name}.{self.column[: -len(SUFFIX)]}"


@dataclass
class RotationReport:
    from_key_id: str | None
    to_key_id: str
    resealed: dict[str, int] = field(default_factory=dict)  # "table.column" -> values re-sealed in this run
    skipped_changed: int = 0  # rows changed by another writer between read and write

    @property
    def total(self) -> int:
        return sum(self.resealed.values())


def sealed_columns() -> list[SealedColumn]:
    """Every ``*_sealed`` column of every mapped table, in a fixed order."""
    from telreg.core.migrate import import_all_models

    import_all_models()
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith(SUFFIX):
                found.append(SealedColumn(table, column.name))
    return found


def key_file_path(settings: Settings) -> Path:
    """The key file to rotate; refuses when the keys are given inline (they live in a secret store then)."""
    if settings.pii_keys:
        raise KeyRotationRefused(N_("The personal-data keys are given inline (TELREG_PII_KEYS): add the new key "
                                    "to that secret and make it 'current' there, then run `telreg keys rotate` "
                                    "to re-seal the stored values."))
    if settings.pii_key_file:
        return Path(settings.pii_key_file)
    return Path(settings.data_dir) / DEV_KEY_FILE_NAME


def rotate(runtime: Runtime, *, key_id: str | None = None, batch_size: int = 500,
           on_start: Callable[[str | None, str, int], None] | None = None,
           on_batch: Callable[[str, int], None] | None = None) -> RotationReport:
    """Rotate to a new current key and re-seal every value under it; or, when values sealed with another key
    than the current one remain (an interrupted run, or a key made current in an inline ring), continue
    re-sealing them without adding a key.

    ``on_start(previous id or None, current id, values to re-seal)`` is called once the key ring is settled.
    The runtime's vault is replaced by one holding the new ring.
    """
    with unit_of_work(runtime.session_factory) as session:
        left = sum(pending(session, runtime.vault).values())
    previous: str | None = None
    if not left:
        path = key_file_path(runtime.settings)
        previous, new = add_current_key(path, key_id=key_id)
        runtime.vault = Vault(load_key_ring(runtime.settings))
        record_added(runtime.session_factory, clock=runtime.clock, previous=previous, new=new)
        with unit_of_work(runtime.session_factory) as session:
            left = sum(pending(session, runtime.vault).values())
    elif key_id is not None and key_id != runtime.vault.current_key_id:
        raise KeyRotationRefused(N_("%(count)s stored value(s) are not yet sealed with the current key "
                                    "'%(current)s': run `telreg keys rotate` without --key-id to finish that "
                                    "rotation first."), count=left, current=runtime.vault.current_key_id)
    if on_start is not None:
        on_start(previous, runtime.vault.current_key_id, left)
    report = reseal(runtime.session_factory, runtime.vault, clock=runtime.clock, batch_size=batch_size,
                    on_batch=on_batch)
    report.from_key_id = previous
    return report


def add_current_key(path: Path, *, key_id: str | None = None) -> tuple[str, str]:
    """Add a fresh key to the key file and make it current; return (previous current id, new id).

    Written to a private temporary file and renamed into place, so the file is never half-written and stays
    0600.
    """
    document = json.loads(path.read_text(encoding="utf-8"))
    parse_key_ring(json.dumps(document), source=str(path))  # a broken file is refused before it is changed
    key_id = key_id or f"k{secrets.token_hex(4)}"
    if not _KEY_ID.fullmatch(key_id):
        raise KeyRotationRefused(N_("Key id '%(key_id)s' may only use letters, digits, '-' and '_' (at most 64 "
                                    "characters)."), key_id=key_id)
    if key_id in document["keys"]:
        raise KeyRotationRefused(N_("The key ring already has a key '%(key_id)s'; choose another id."),
                                 key_id=key_id)
    previous = document["current"]
    document["keys"][key_id] = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    document["current"] = key_id
    _write_private(path, document)
    return previous, key_id


def key_usage(session: Session, key_ids: list[str]) -> dict[str, int]:
    """How many stored values each key id seals (0 for a key nothing uses)."""
    usage = dict.fromkeys(key_ids, 0)
    for sealed in sealed_columns():
        column = sealed.table.c[sealed.column]
        for key_id in key_ids:
            prefix = f"{TOKEN_VERSION}.{key_id}."
            usage[key_id] += session.scalar(
                select(func.count()).select_from(sealed.table).where(column.startswith(prefix, autoescape=True))
            ) or 0
    return usage


def pending(session: Session, vault: Vault) -> dict[str, int]:
    """Values per "table.column" sealed with a key other than the current one."""
    counts = {}
    for sealed in sealed_columns():
        n = session.scalar(select(func.count()).select_from(sealed.table).where(_stale(sealed, vault))) or 0
        counts[f"{sealed.table.name}.{sealed.column}"] = n
    return counts


def reseal(factory: sessionmaker[Session], vault: Vault, *, clock: Clock, batch_size: int = 500,
           on_batch: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-seal, under the vault's current key, every value sealed with another key; commit per batch.

    ``on_batch(table.column, values_done)`` is called after each committed batch (a progress bar; a test stops
    the run there). Running again after an interruption continues: done values are under the current key.
    """
    report = RotationReport(from_key_id=None, to_key_id=vault.current_key_id)
    for table, columns in _by_table(sealed_columns()):
        (pk,) = table.primary_key.columns  # every sealed table has a one-column key (checked by a test)
        after: Any = None
        while True:
            with unit_of_work(factory) as session:
                stmt = select(pk, *(table.c[c.column] for c in columns)) \
                    .where(or_(*(_stale(c, vault) for c in columns))).order_by(pk).limit(batch_size)
                if after is not None:
                    stmt = stmt.where(pk > after)
                rows = session.execute(stmt).all()
                if not rows:
                    break
                done = _reseal_rows(session, table, pk, columns, rows, vault, report)
                after = rows[-1][0]
            if on_batch is not None:
                on_batch(table.name, done)
    with unit_of_work(factory) as session:
        audit.record(session, clock=clock, actor=ACTOR, action="pii_keys.resealed", subject_type=SUBJECT,
                     subject_key=vault.current_key_id,
                     details={"resealed": report.total, "columns": {k: v for k, v in report.resealed.items() if v},
                              "skipped_changed": report.skipped_changed})
    return report


def retire_key(factory: sessionmaker[Session], path: Path, key_id: str, *, clock: Clock) -> None:
    """Remove an old key from the key file, refusing the current key and any key a stored value still uses."""
    document = json.loads(path.read_text(encoding="utf-8"))
    ring = parse_key_ring(json.dumps(document), source=str(path))
    if key_id not in ring.keys:
        raise KeyRotationRefused(N_("The key ring has no key '%(key_id)s' (it holds %(key_ids)s)."),
                                 key_id=key_id, key_ids=", ".join(sorted(ring.keys)))
    if key_id == ring.current_key_id:
        raise KeyRotationRefused(N_("Key '%(key_id)s' is the current key; rotate to a new key before retiring "
                                    "it."), key_id=key_id)
    with unit_of_work(factory) as session:
        used = key_usage(session, [key_id])[key_id]
        if used:
            raise KeyRotationRefused(N_("Key '%(key_id)s' still seals %(count)s stored value(s); run `telreg "
                                        "keys rotate` until it has re-sealed them all, then retire the key."),
                                     key_id=key_id, count=used)
        del document["keys"][key_id]
        _write_private(path, document)
        audit.record(session, clock=clock, actor=ACTOR, action="pii_keys.retired", subject_type=SUBJECT,
                     subject_key=key_id)


def record_added(factory: sessionmaker[Session], *, clock: Clock, previous: str, new: str) -> None:
    with unit_of_work(factory) as session:
        audit.record(session, clock=clock, actor=ACTOR, action="pii_keys.key_added", subject_type=SUBJECT,
                     subject_key=new, details={"previous_current": previous})


def _stale(sealed: SealedColumn, vault: Vault) -> Any:
    column = sealed.table.c[sealed.column]
    return column.is_not(None) & ~column.startswith(f"{TOKEN_VERSION}.{vault.current_key_id}.", autoescape=True)


def _by_table(columns: list[SealedColumn]) -> Iterator[tuple[Table, list[SealedColumn]]]:
    tables: dict[str, list[SealedColumn]] = {}
    for sealed in columns:
        tables.setdefault(sealed.table.name, []).append(sealed)
    for group in tables.values():
        yield group[0].table, group


def _reseal_rows(session: Session, table: Table, pk: Any, columns: list[SealedColumn], rows: list[Any],
                 vault: Vault, report: RotationReport) -> int:
    """Write the re-sealed values of one batch; a row whose tokens changed meanwhile is skipped."""
    names = [c.column for c in columns]
    stmt = update(table).where(pk == bindparam("_pk"), *(
        table.c[name].is_not_distinct_from(bindparam(f"_old_{name}")) for name in names
    )).values({name: bindparam(f"_new_{name}") for name in names})
    done = 0
    for row in rows:
        params: dict[str, Any] = {"_pk": row[0]}
        changed = []
        for sealed, token in zip(columns, row[1:], strict=True):
            params[f"_old_{sealed.column}"] = token
            new = token
            if token is not None and vault.needs_reseal(token):
                new = vault.seal_bytes(sealed.field, vault.open_bytes(sealed.field, token))
                changed.append(f"{table.name}.{sealed.column}")
            params[f"_new_{sealed.column}"] = new
        if session.execute(stmt, params).rowcount == 1:
            for name in changed:
                report.resealed[name] = report.resealed.get(name, 0) + 1
            done += len(changed)
        else:
            report.skipped_changed += 1
    return done


def _write_private(path: Path, document: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pii_keys-")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class BlindIndexColumn:
    """A blind-index column recomputable from a sealed column of the same row.

    ``compute(vault, kind_value, opened)`` returns the index of a row whose ``kind_column`` holds
    ``kind_value`` and whose sealed column opens to ``opened``.
    """

    table: str
    index_column: str
    sealed_column: str
    kind_column: str
    compute: Callable[[Vault, str, str], str]


_BLIND_INDEXES: dict[tuple[str, str], BlindIndexColumn] = {}


def register_blind_index(column: BlindIndexColumn) -> None:
    _BLIND_INDEXES[(column.table, column.index_column)] = column


def blind_index_columns() -> list[BlindIndexColumn]:
    import importlib

    for name in INDEX_MODULES:
        importlib.import_module(name)
    return [_BLIND_INDEXES[k] for k in sorted(_BLIND_INDEXES)]


def rotate_index_key(runtime: Runtime, *, batch_size: int = 500,
                     on_batch: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write a new index key into the key file, then recompute every blind index under it (see the module
    docstring: run it while no server or worker runs)."""
    path = key_file_path(runtime.settings)
    document = json.loads(path.read_text(encoding="utf-8"))
    parse_key_ring(json.dumps(document), source=str(path))
    document["index_key"] = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    _write_private(path, document)
    runtime.vault = Vault(load_key_ring(runtime.settings))
    with unit_of_work(runtime.session_factory) as session:
        audit.record(session, clock=runtime.clock, actor=ACTOR, action="pii_keys.index_key_replaced",
                     subject_type=SUBJECT, subject_key="index_key")
    return reindex(runtime.session_factory, runtime.vault, clock=runtime.clock, batch_size=batch_size,
                   on_batch=on_batch)


def reindex(factory: sessionmaker[Session], vault: Vault, *, clock: Clock, batch_size: int = 500,
            on_batch: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Recompute every registered blind index under the vault's index key, in committed batches; return the
    indexes changed per "table.column". Idempotent, so an interrupted run is finished by running it again."""
    from telreg.core.migrate import import_all_models

    import_all_models()
    changed: dict[str, int] = {}
    for spec in blind_index_columns():
        table = Base.metadata.tables[spec.table]
        (pk,) = table.primary_key.columns
        index, sealed, kind = table.c[spec.index_column], table.c[spec.sealed_column], table.c[spec.kind_column]
        field_name = SealedColumn(table, spec.sealed_column).field
        stmt = update(table).where(pk == bindparam("_pk"), index == bindparam("_old")) \
            .values({spec.index_column: bindparam("_new")})
        name = f"{spec.table}.{spec.index_column}"
        changed[name] = 0
        after: Any = None
        while True:
            with unit_of_work(factory) as session:
                query = select(pk, kind, sealed, index).order_by(pk).limit(batch_size)
                if after is not None:
                    query = query.where(pk > after)
                rows = session.execute(query).all()
                if not rows:
                    break
                done = 0
                for key, kind_value, token, old in rows:
                    new = spec.compute(vault, kind_value, vault.open(field_name, token))
                    if new != old and session.execute(stmt, {"_pk": key, "_old": old, "_new": new}).rowcount:
                        done += 1
                changed[name] += done
                after = rows[-1][0]
            if on_batch is not None:
                on_batch(spec.table, len(rows))
    with unit_of_work(factory) as session:
        audit.record(session, clock=clock, actor=ACTOR, action="pii_keys.reindexed", subject_type=SUBJECT,
                     subject_key="index_key", details={"changed": changed})
    return changed
