"""Benchmark the verifiable audit log on PostgreSQL: append rate with the integrator checkpointing every second,
and what the log adds to one registration.

    python bench/audit.py [--seconds 10] [--writers 4] [--per-tx 1] [--interval 1.0] [--single 1000]
                          [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A scratch database is created (and dropped afterwards) and migrated. Then:

1. --writers threads append audit events for --seconds, each committing transactions of --per-tx events
   (audit.record, as every use case does), while one integrator thread runs every --interval seconds, as the
   worker does (integrate, sign a checkpoint); figures: events appended per second, events integrated per
   second, the integrator's run time, the backlog it found, and the time from the end of writing to a
   checkpoint covering everything;
2. --single registrations (dnc.service.register_number, one transaction each, as the IVR commits them) are
   timed with the integrator idle, then the same number of bare audit.record transactions, and the integration
   of those events: the log's share of one registration = audit.record's time + integration time per event.

Business time is frozen (FixedClock) at a Monday morning, as in bench/registrations.py. Prints figures only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from telreg.config import Environment, Settings
from telreg.core import audit
from telreg.core.clock import HK, FixedClock
from telreg.core.db import make_engine, unit_of_work
from telreg.core.migrate import upgrade
from telreg.core.tlog import service, store
from telreg.dnc import service as dnc_service
from telreg.dnc.vocabulary import Channel, Register, Verification
from telreg.runtime import build_runtime

BUSINESS_TIME = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)
console = Console()


def scratch_database(admin_url: str) -> tuple[str, str]:
    admin = make_url(admin_url)
    name = f"telreg_bench_audit_{os.getpid()}"
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False), name


def drop_database(admin_url: str, name: str) -> None:
    admin = make_url(admin_url)
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def append_under_integration(runtime, *, seconds: float, writers: int, per_tx: int, interval: float) -> dict:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    appended = [0] * writers
    runs: list[tuple[float, int]] = []  # (seconds, events integrated)

    def writer(k: int) -> None:
        i = 0
        while not stop.is_set():
            with unit_of_work(runtime.session_factory) as session:
                for _ in range(per_tx):
                    audit.record(session, clock=runtime.clock, actor=f"bench-{k}", action="registered",
                                 subject_type="number", subject_key=f"2{k:02d}{i:05d}"[-8:], register="sms",
                                 details={"channel": "ivr", "i": i})
                    i += 1
            appended[k] = i

    def integrator() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            done = service.run_integrator(runtime, wait=True)
            took = time.perf_counter() - started
            runs.append((took, done.size - done.old_size if done else 0))
            stop.wait(max(0.0, interval - took))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    integ = threading.Thread(target=integrator)
    start = time.perf_counter()
    for t in threads:
        t.start()
    integ.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    integ.join()
    written = time.perf_counter() - start
    catch_up_start = time.perf_counter()
    done = service.run_integrator(runtime, wait=True)
    catch_up = time.perf_counter() - catch_up_start
    total = sum(appended)
    with unit_of_work(runtime.read_session_factory) as session:
        size = store.tree_size(session)
        checkpoints = len(store.checkpoints(session))
    times = [r[0] for r in runs if r[1]]
    return {"appended": total, "seconds": written, "rate": total / written, "size": size,
            "checkpoints": checkpoints, "runs": len(runs),
            "integrated_per_s": sum(r[1] for r in runs) / written,
            "run_mean": statistics.mean(times) if times else 0.0,
            "run_max": max(times) if times else 0.0,
            "backlog_max": max((r[1] for r in runs), default=0),
            "catch_up": catch_up, "catch_up_events": done.size - done.old_size if done else 0}


def registration_share(runtime, *, n: int) -> dict:  # type: ignore[no-untyped-def]
    service.run_integrator(runtime, wait=True)
    registers = (Register.fax, Register.sms, Register.prerecorded)
    start = time.perf_counter()
    for i in range(n):
        with unit_of_work(runtime.session_factory) as session:
            dnc_service.register_number(session, clock=runtime.clock, settings=runtime.settings,
                                        number=f"2{3000000 + i:07d}", registers=[registers[i % 3]],
                                        channel=Channel.caller_id, verification=Verification.caller_id,
                                        actor="bench")
    registration = (time.perf_counter() - start) / n
    integrate_start = time.perf_counter()
    done = service.run_integrator(runtime, wait=True)
    per_registration_integration = (time.perf_counter() - integrate_start) / n
    events_per_registration = (done.size - done.old_size) / n if done else 0
    record_times = []
    for i in range(n):
        with unit_of_work(runtime.session_factory) as session:
            started = time.perf_counter()
            audit.record(session, clock=runtime.clock, actor="bench", action="registered", subject_type="number",
                         subject_key=f"2{4000000 + i:07d}", register="sms", details={"channel": "caller-id"})
            record_times.append(time.perf_counter() - started)
    integrate_start = time.perf_counter()
    done = service.run_integrator(runtime, wait=True)
    per_event = (time.perf_counter() - integrate_start) / max(1, done.size - done.old_size if done else 1)
    record = statistics.mean(record_times)
    return {"registration": registration, "events_per_registration": events_per_registration,
            "record": record, "integration_per_event": per_event,
            "integration_per_registration": per_registration_integration}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--per-tx", type=int, default=1)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    url, name = scratch_database(args.postgres_url)
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(env=Environment.development, database_url=url, data_dir=Path(tmp),
                                secret_key="bench", telephony_adapter="fake", password_hashing="fast")
            engine = make_engine(url, pool_size=args.writers + 4)
            runtime = build_runtime(settings, clock=FixedClock(BUSINESS_TIME), engine=engine)
            a = append_under_integration(runtime, seconds=args.seconds, writers=args.writers, per_tx=args.per_tx,
                                         interval=args.interval)
            r = registration_share(runtime, n=args.single)
            engine.dispose()
    finally:
        drop_database(args.postgres_url, name)

    table = Table(title=f"audit log on PostgreSQL: {args.writers} writers × {args.per_tx} event(s)/transaction, "
                        f"integrator every {args.interval:g} s")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("events appended", f"{a['appended']:,} in {a['seconds']:.1f} s")
    table.add_row("appended / s", f"{a['rate']:,.0f}  ({a['rate'] / 2000:.2f}× the 2,000/s goal)")
    table.add_row("integrated / s (during the run)", f"{a['integrated_per_s']:,.0f}")
    table.add_row("integrator runs / checkpoints", f"{a['runs']} / {a['checkpoints']}")
    table.add_row("integrator run: mean / max", f"{a['run_mean'] * 1000:.0f} ms / {a['run_max'] * 1000:.0f} ms")
    table.add_row("largest batch in one run", f"{a['backlog_max']:,} events")
    table.add_row("catch-up after writing stopped",
                  f"{a['catch_up_events']:,} events in {a['catch_up'] * 1000:.0f} ms; tree size {a['size']:,}")
    table.add_row("one registration (1 transaction)", f"{r['registration'] * 1000:.2f} ms, "
                  f"{r['events_per_registration']:.1f} audit event(s)")
    table.add_row("audit.record (insert + flush)", f"{r['record'] * 1000:.3f} ms")
    table.add_row("integration per event", f"{r['integration_per_event'] * 1000:.3f} ms")
    share = r["record"] * r["events_per_registration"] + r["integration_per_registration"]
    added = r["integration_per_registration"]
    table.add_row("audit trail's share (record + integration)",
                  f"{share * 1000:.3f} ms ({share / r['registration']:.1%} of a registration)")
    table.add_row("added by the Merkle log (integration only)",
                  f"{added * 1000:.3f} ms ({added / r['registration']:.1%}; audit.record itself is unchanged)")
    table.add_row("integrator capacity (catch-up)",
                  f"{a['catch_up_events'] / a['catch_up']:,.0f} events/s" if a["catch_up"] and a["catch_up_events"]
                  else "n/a")
    console.print(table)


if __name__ == "__main__":
    main()
