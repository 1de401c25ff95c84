"""Use cases of publication: publish a date, list publications, prune old files.

A publication reflects the close of registrations: the registers as they stood when the nightly update window
opened (``update_window_start``, 23:00 Hong Kong time) on its date. So a date can be published from its 23:00 on,
never before: a future date, or today before 23:00, is refused (an officer rehearsing may use ``--as-of`` to make
it 23:00 outside production). Past dates are derived from the present listings and the audit trail.

Publications are made in date order, since every register's change-file sequence continues the previous
publication's; a date earlier than the latest publication is refused unless it already exists. Publishing a date
that exists reports it and changes nothing.

Each publication's manifest is signed (``manifest.json.p7s``, a detached CMS signature by the e-Cert document
signer, telreg.ecert.signing) in the temporary directory, so the signature appears with the publication in its one
rename. Without a CA the publication goes out unsigned with a warning; once a CA exists, production refuses to
publish what it cannot sign (signing.py says why).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import HK, Clock
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.i18n import N_
from telreg.dnc.publish.build import PAUSE_HOOK, build_publication
from telreg.dnc.publish.phases import Phases
from telreg.dnc.publish.store import MANIFEST, PublicationStore

__all__ = ["PublicationResult", "cutoff_for", "list_publications", "prune", "publish"]


@dataclass(frozen=True)
class PublicationResult:
    date: dt.date
    status: str  # published | exists
    path: Path
    manifest: dict[str, Any]
    swept: list[str] = field(default_factory=list)
    signed: bool | None = None  # manifest.json.p7s written (None: an existing publication, not looked at)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "status": self.status, "path": str(self.path),
                "swept": self.swept, "manifest": self.manifest, "signed": self.signed}


def cutoff_for(day: dt.date, settings: Settings) -> dt.datetime:
    """The close of registrations on ``day``: the moment the nightly update window opens."""
    return dt.datetime.combine(day, settings.update_window_start, HK)


def _ensure_closed(day: dt.date, *, clock: Clock, settings: Settings) -> None:
    now = clock.now()
    cutoff = cutoff_for(day, settings)
    if day > now.date():
        raise InvalidInput(N_("%(day)s is in the future; a publication reflects a day that has closed."),
                           day=day.isoformat())
    if now < cutoff:
        raise InvalidInput(
            N_("Registrations for %(day)s close at %(cutoff)s Hong Kong time; a publication reflects the "
               "close, so it can only be made from then on."), day=day.isoformat(),
            cutoff=cutoff.strftime("%H:%M"),
        )


def publish(
    session: Session, *, clock: Clock, settings: Settings, day: dt.date, threads: int | None = None,
    phases: Phases | None = None,
) -> PublicationResult:
    """Publish every register as at the close of ``day``, atomically; an existing publication is left as is.

    ``phases``, when given, receives the seconds spent per phase (the benchmark's breakdown)."""
    _ensure_closed(day, clock=clock, settings=settings)
    store = PublicationStore(settings.data_dir)
    if store.exists(day):
        return PublicationResult(day, "exists", store.path_for(day), store.manifest(day))
    with store.locked() as swept:
        if store.exists(day):  # another builder finished it while we waited for the lock
            return PublicationResult(day, "exists", store.path_for(day), store.manifest(day), swept)
        later = [d for d in store.dates() if d > day]
        if later:
            raise Conflict(
                N_("%(day)s cannot be published after %(latest)s: publications are made in date order, each "
                   "register's change files continuing the previous publication's sequence."),
                day=day.isoformat(), latest=later[-1].isoformat(),
            )
        previous = store.latest_before(day)
        temporary = store.temporary(day)
        manifest = build_publication(
            session,
            store=store,
            directory=temporary,
            day=day,
            cutoff=cutoff_for(day, settings),
            previous=previous,
            previous_cutoff=cutoff_for(previous, settings) if previous else None,
            generated_at=clock.now(),
            threads=threads or settings.publication_threads,
            pause_hook=None if settings.is_production else os.environ.get(PAUSE_HOOK),
            phases=phases,
        )
        phases = phases or Phases()
        with phases("write and sign the manifest, rename into place"):
            store.write_manifest(temporary, manifest)
            # Imported here: the CA's modules (and their web imports) are loaded only when a publication is made.
            from telreg.ecert.signing import sign_file

            signature = sign_file(temporary / MANIFEST, settings=settings, clock=clock)
            path = store.commit(temporary, day)
    return PublicationResult(day, "published", path, manifest, swept, signed=signature is not None)


def list_publications(*, settings: Settings) -> list[dict[str, Any]]:
    """Every publication, newest first: counts, change sequences, and whether its files are still kept."""
    store = PublicationStore(settings.data_dir)
    rows = []
    for day in reversed(store.dates()):
        manifest = store.manifest(day)
        rows.append({
            "date": day.isoformat(),
            "previous": manifest.get("previous"),
            "generated_at": manifest.get("generated_at"),
            "files_kept": store.has_files(day),
            "registers": {
                name: {"count": entry["count"], "sequence": entry["changes"]["sequence"],
                       "added": entry["changes"]["added"], "removed": entry["changes"]["removed"]}
                for name, entry in manifest["registers"].items()
            },
        })
    return rows


def prune(*, clock: Clock, settings: Settings) -> list[str]:
    """Delete the files of publications older than the retention period; manifests stay."""
    before = clock.now().date() - dt.timedelta(days=settings.publication_retention_days)
    store = PublicationStore(settings.data_dir)
    with store.locked():
        return store.prune(before=before)
