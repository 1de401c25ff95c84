"""What Prometheus scrapes from ``/metrics``: request latency per route, and readings taken at scrape time.

Latency is measured by an ASGI middleware into a histogram labelled by the route's *template*
(``/api/v1/dnc/status/{number}``, never the number itself, so the series stay few), method and status;
requests that match no route share ``route="unmatched"``.

Everything else is read when Prometheus asks, from *sources*: functions ``(runtime, session, now)`` that
return :class:`Reading` values from a cheap query or two. The kernel's own sources cover the job queue and the
mail outbox; a context adds its own with ``@metrics.source(...)`` in a module listed in ``SOURCE_MODULES`` (as
job handlers are listed in ``core/job_handlers.py``), so the kernel needs no import of a context. A source
that fails is logged and reported as ``telreg_metrics_source_up{source=…} 0``; the others are still served.

Each app has its own registry (tests build many apps in one process; the global one would refuse the second).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from telreg.core import jobs, mail
from telreg.core.db import unit_of_work

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from telreg.runtime import Runtime

__all__ = ["LatencyMiddleware", "Metrics", "Reading", "SOURCES", "source"]

log = logging.getLogger("telreg.metrics")
SOURCE_MODULES = ("telreg.dnc.publish.metrics",)


@dataclass(frozen=True)
class Reading:
    """One gauge value a source read; series of one name must share ``help`` and label names."""

    name: str
    help: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


Source = Callable[["Runtime", Session, dt.datetime], Iterable[Reading]]
SOURCES: dict[str, Source] = {}


def source(name: str) -> Callable[[Source], Source]:
    """Register a function read at every scrape; keep it to a query or two on an index."""

    def decorate(fn: Source) -> Source:
        SOURCES[name] = fn
        return fn

    return decorate


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


@source("jobs")
def _jobs(runtime: Runtime, session: Session, now: dt.datetime) -> Iterator[Reading]:
    stats = jobs.queue_stats(session, now=now)
    depth = "Jobs in the queue: due (waiting for a worker), scheduled (for later), running"
    yield Reading("telreg_jobs", depth, stats.due, {"state": "due"})
    yield Reading("telreg_jobs", depth, stats.scheduled, {"state": "scheduled"})
    yield Reading("telreg_jobs", depth, stats.running, {"state": "running"})
    yield Reading("telreg_jobs_oldest_due_age_seconds",
                  "How long the oldest due job has waited for a worker (0 when none is due)",
                  _age(now, stats.oldest_due_at))


@source("mail")
def _mail(runtime: Runtime, session: Session, now: dt.datetime) -> Iterator[Reading]:
    stats = mail.outbox_stats(session)
    yield Reading("telreg_mail_outbox_pending", "Mails queued and not delivered yet (the backlog)",
                  stats.pending)
    yield Reading("telreg_mail_outbox_failed", "Mails parked as failed, waiting for an officer to requeue",
                  stats.failed)
    yield Reading("telreg_mail_outbox_oldest_pending_age_seconds",
                  "How long ago the oldest undelivered mail was queued (0 when none waits)",
                  _age(now, stats.oldest_pending_at))


def load_sources() -> None:
    for name in SOURCE_MODULES:
        importlib.import_module(name)


class _RuntimeCollector(Collector):
    """Reads every source in one read-only session at each scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        up = GaugeMetricFamily("telreg_metrics_source_up",
                               "1 when a metrics source could be read at this scrape", labels=["source"])
        now = self.runtime.clock.now()
        with unit_of_work(self.runtime.read_session_factory) as session:
            for name, fn in SOURCES.items():
                try:
                    readings = list(fn(self.runtime, session, now))
                except Exception as exc:  # noqa: BLE001 -- one broken source must not blank the others
                    log.warning("metrics source %s failed: %s", name, exc,
                                extra={"event": "metrics.source_failed", "source": name})
                    session.rollback()  # PostgreSQL refuses further statements in a failed transaction
                    up.add_metric([name], 0)
                    continue
                up.add_metric([name], 1)
                for reading in readings:
                    family = families.get(reading.name)
                    if family is None:
                        family = families[reading.name] = GaugeMetricFamily(
                            reading.name, reading.help, labels=sorted(reading.labels))
                    family.add_metric([reading.labels[k] for k in sorted(reading.labels)], reading.value)
        yield from families.values()
        yield up

    def describe(self) -> Iterator[Metric]:
        return iter(())  # read at scrape time only: registering must not query the database


class Metrics:
    """One app's registry: the latency histogram and the scrape-time collector."""

    def __init__(self, runtime: Runtime) -> None:
        load_sources()
        self.registry = CollectorRegistry(auto_describe=False)
        self.latency = Histogram(
            "telreg_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
            ["method", "route", "status"], registry=self.registry,
        )
        self.registry.register(_RuntimeCollector(runtime))


class LatencyMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware), so streamed downloads are neither buffered nor cut off."""

    def __init__(self, app: ASGIApp, *, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A duration, not a time of day: the monotonic counter, which no injected clock should freeze.
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route: Any = scope.get("route")  # set by the router on the scope it was given: this one
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            self.histogram.labels(scope["method"], template, str(status)).observe(elapsed)
