"""An account's own files of a publication: which shared file, or which variant, it is handed, and its manifest.

For register ``R`` and publication day ``d`` the account's seeds are those active on ``d`` (assign.active_seeds):

* ``R-numbers.zip`` / ``R-dated.zip``: the shared file when there are none, else the variant with them inserted;
* ``R-changes-NNNNNN.zip``: the shared file when the account's set is the same on the previous publication day
  (the shared change file is then byte-identical and correct), else the variant with the seeds that left the set
  as removals and those that entered it as additions;
* ``manifest.json``: the shared one when the account has no seeds in that publication, else a copy with the
  account's sizes, checksums and counts, written once beside the variants and signed (``manifest.json.p7s``) by
  the e-Cert document signer when the platform has a CA.

Nothing here names a seed to the sender: the variants carry the standard file names and live under
``.seeds/a<account>/…`` on the server, which is never served as such.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.dnc.publish.formats import WrittenFile
from telreg.dnc.publish.store import MANIFEST, PublicationStore
from telreg.enforcement.seeds import assign
from telreg.enforcement.seeds.variants import Seed, seed_key, variant, variant_dir

_assign = assign.ensure_assigned

__all__ = ["AccountFile", "account_file", "account_manifest", "account_registers", "seed_listings"]

KINDS = ("numbers", "dated", "changes")


@dataclass(frozen=True)
class AccountFile:
    """A zip handed to one account: its path and what it holds (sizes and checksums)."""

    path: Path
    written: WrittenFile


@dataclass(frozen=True)
class _RegisterSeeds:
    current: list[Seed]
    previous: list[Seed]

    @property
    def removed(self) -> list[Seed]:
        return sorted(set(self.previous) - set(self.current))

    @property
    def added(self) -> list[Seed]:
        return sorted(set(self.current) - set(self.previous))

    @property
    def key(self) -> str:
        return seed_key(self.current, self.previous)


def _register_seeds(session: Session, *, account_id: int, register: str, day: dt.date,
                    manifest: dict[str, Any]) -> _RegisterSeeds:
    previous = manifest.get("previous")
    current = assign.active_seeds(session, account_id=account_id, register=register, day=day)
    before = (assign.active_seeds(session, account_id=account_id, register=register,
                                  day=dt.date.fromisoformat(previous)) if previous else [])
    return _RegisterSeeds(current, before)


def _kind_of(manifest: dict[str, Any], register: str, file_name: str) -> str | None:
    entry = manifest.get("registers", {}).get(register, {})
    return next((kind for kind in KINDS if entry.get(kind, {}).get("file") == file_name), None)


def _variant_for(store: PublicationStore, day: dt.date, account_id: int, register: str, kind: str,
                 file_name: str, seeds: _RegisterSeeds) -> AccountFile | None:
    if kind == "changes" and not (seeds.removed or seeds.added):
        return None
    if kind != "changes" and not seeds.current:
        return None
    shared = store.path_for(day) / file_name
    out_dir = variant_dir(store.path_for(day), account_id) / f"{register}-{seeds.key}"
    if not shared.is_file() and not (out_dir / f"{file_name}.json").is_file():
        return None  # pruned before this account's variant was made: nothing to describe
    written = variant(shared, out_dir, kind=kind, seeds=seeds.current, removed=seeds.removed, added=seeds.added)
    return AccountFile(out_dir / file_name, written)


def account_file(session: Session, *, clock: Clock, settings: Settings, account_id: int, register: str,
                 day: dt.date, file_name: str, assign_now: bool = True) -> AccountFile | None:
    """The account's variant of a zip of the publication of ``day`` (None: the shared file is the account's).

    With ``assign_now`` the account gets its seeds for the register first if it has none (its first download)."""
    store = PublicationStore(settings.data_dir)
    manifest = store.manifest(day)
    kind = _kind_of(manifest, register, file_name)
    if kind is None:
        return None
    if assign_now:
        assign.ensure_assigned(session, clock=clock, settings=settings, account_id=account_id, register=register,
                               not_after=day)
    seeds = _register_seeds(session, account_id=account_id, register=register, day=day, manifest=manifest)
    return _variant_for(store, day, account_id, register, kind, file_name, seeds)


def account_registers(session: Session, *, clock: Clock, settings: Settings, account_id: int, day: dt.date,
                      registers: list[str], assign_now: bool = True) -> dict[str, dict[str, Any]]:
    """The manifest entries of the account's registers in the publication of ``day``, as its files are."""
    store = PublicationStore(settings.data_dir)
    manifest = store.manifest(day)
    result: dict[str, dict[str, Any]] = {}
    for register in registers:
        entry = manifest.get("registers", {}).get(register)
        if entry is None:
            continue
        if assign_now:
            assign.ensure_assigned(session, clock=clock, settings=settings, account_id=account_id,
                                   register=register, not_after=day)
        seeds = _register_seeds(session, account_id=account_id, register=register, day=day, manifest=manifest)
        result[register] = _account_entry(store, day, account_id, register, entry, seeds)
    return result


def _account_entry(store: PublicationStore, day: dt.date, account_id: int, register: str, entry: dict[str, Any],
                   seeds: _RegisterSeeds) -> dict[str, Any]:
    mine = json.loads(json.dumps(entry))  # a deep copy
    for kind in KINDS:
        found = _variant_for(store, day, account_id, register, kind, entry[kind]["file"], seeds)
        if found is not None:
            mine[kind].update(found.written.as_dict())
    if seeds.current:
        mine["count"] = mine["dated"]["lines"]
    if seeds.removed or seeds.added:
        mine["changes"]["added"] = entry["changes"]["added"] + len(seeds.added)
        mine["changes"]["removed"] = entry["changes"]["removed"] + len(seeds.removed)
    return mine


def account_manifest(session: Session, *, clock: Clock, settings: Settings, account_id: int, day: dt.date,
                     registers: list[str], assign: Sequence[str] = ()) -> Path | None:
    """The account's ``manifest.json`` of the publication of ``day`` (its ``.p7s`` beside it when signed), or None
    when the account's files of that day are the shared ones. The registers in ``assign`` (those it may download
    now) get their seeds first if they have none, so the manifest lists what the account downloads next."""
    store = PublicationStore(settings.data_dir)
    shared = store.manifest(day)
    for register in assign:
        if register in shared.get("registers", {}):
            _assign(session, clock=clock, settings=settings, account_id=account_id, register=register,
                    not_after=day)
    mine = account_registers(session, clock=clock, settings=settings, account_id=account_id, day=day,
                             registers=[r for r in registers if r in shared.get("registers", {})],
                             assign_now=False)
    if all(mine[r] == shared["registers"][r] for r in mine):
        return None
    manifest = {**shared, "registers": {**shared["registers"], **mine}}
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    directory = variant_dir(store.path_for(day), account_id) / f"manifest-{key}"
    path = directory / MANIFEST
    if path.is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".partial-", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    # Imported here, as the publisher does: the CA's modules are loaded only when something is signed.
    from telreg.ecert.signing import sign_file

    staged = Path(temporary)
    signature = sign_file(staged, settings=settings, clock=clock)
    if signature is not None:
        os.replace(signature, path.with_name(MANIFEST + ".p7s"))
    os.replace(staged, path)
    return path


def seed_listings(session: Session, *, account_id: int, numbers: list[str], registers: list[str], day: dt.date
                  ) -> dict[tuple[str, str], dt.date]:
    """{(number, register): listed_on} of the account's seeds among ``numbers`` active on ``day``: they count as
    listings for that account (online check, washing) so every answer agrees with its files."""
    if not numbers:
        return {}
    found = {}
    for register in registers:
        for seed in assign.active_seeds(session, account_id=account_id, register=register, day=day):
            if seed.number in numbers:
                found[(seed.number, register)] = seed.listed_on
    return found
