"""The last publication's build time and age, for ``/metrics`` (see ``telreg.core.metrics``).

A publication is recorded by its ``manifest.json`` (``store.py``), not in the database: reading the latest one
is a directory listing and one small file, cheap enough for every scrape. Its age is counted from its
``generated_at``, so an alert on "older than 25 hours" catches a missed night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from telreg.core import metrics
from telreg.dnc.publish.store import PublicationStore

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__: list[str] = []


@metrics.source("publication")
def _publication(runtime: Runtime, session: Session, now: dt.datetime) -> Iterator[metrics.Reading]:
    store = PublicationStore(runtime.settings.data_dir)
    dates = store.dates()
    if not dates:
        return  # no series rather than a made-up age: "absent" is what an alert on a new install should see
    manifest = store.manifest(dates[-1])
    generated_at = dt.datetime.fromisoformat(manifest["generated_at"])
    yield metrics.Reading("telreg_publication_last_duration_seconds",
                          "Seconds the latest publication took to build",
                          float(manifest.get("build_seconds", 0)))
    yield metrics.Reading("telreg_publication_last_age_seconds",
                          "Seconds since the latest publication was generated",
                          max((now - generated_at).total_seconds(), 0.0))
    yield metrics.Reading("telreg_publication_last_generated_timestamp_seconds",
                          "When the latest publication was generated (Unix time)", generated_at.timestamp())
