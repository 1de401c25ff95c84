"""The daily file sweep (issue 14): what no row needs any more leaves the disk, and the counts are audited.

    telreg senders sweep-files [--dry-run]          (the worker runs it once a day, job ``files.sweep``)

It removes, once untouched for ``settings.sweep_grace_hours``: stored documents no row refers to and stale
pending uploads (core/sweeper.py), and the working directories of failed and expired washes; it also deletes the
shared rate limiter's ended windows. ``--dry-run`` counts without deleting. Either way one audit event
``files-swept`` records the counts (and whether it was a dry run).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, jobs, rate_limits
from telreg.core.clock import Clock, to_hk
from telreg.core.migrate import import_all_models
from telreg.core.sweeper import sweep_uploads
from telreg.senders.washing import service as washing

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["SWEEP_JOB", "sweep_files"]

SWEEP_JOB = "files.sweep"


def sweep_files(session: Session, *, clock: Clock, settings: Settings, dry_run: bool = False,
                actor: str = "worker") -> dict[str, Any]:
    """Sweep (or with DRY_RUN only count) what no row needs; audit and return the counts."""
    import_all_models()  # every table's path columns are references (core/sweeper.py)
    grace = dt.timedelta(hours=settings.sweep_grace_hours)
    uploads = sweep_uploads(session, data_dir=settings.data_dir, now=clock.now(), grace=grace, dry_run=dry_run)
    washes = washing.sweep_finished(session, clock=clock, settings=settings, older_than=grace, dry_run=dry_run)
    counters = 0 if dry_run else rate_limits.sweep(session, clock=clock)
    counts: dict[str, Any] = {"dry_run": dry_run, "documents_removed": uploads.documents_removed,
                              "pending_removed": uploads.pending_removed,
                              "pending_recovered": uploads.pending_recovered, "bytes_removed": uploads.bytes_removed,
                              "wash_directories_removed": washes, "rate_limit_windows_removed": counters,
                              "grace_hours": settings.sweep_grace_hours}
    audit.record(session, clock=clock, actor=actor, action="files-swept", subject_type="system",
                 subject_key="data_dir", details=counts)
    return counts


@jobs.recurring(SWEEP_JOB)
def schedule_sweep(session: Session, runtime: Runtime) -> None:
    """Once a day (Hong Kong date)."""
    day = to_hk(runtime.clock.now()).date().isoformat()
    jobs.enqueue(session, clock=runtime.clock, kind=SWEEP_JOB, payload={"date": day}, unique_key=f"{SWEEP_JOB}:{day}")


@jobs.handler(SWEEP_JOB)
def run_sweep(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    sweep_files(session, clock=runtime.clock, settings=runtime.settings)
