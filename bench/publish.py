"""Benchmark the nightly publication of the registers against a plain zipfile + hashlib baseline.

    python bench/publish.py                       # 3 registers × 3,000,000 on SQLite and PostgreSQL (issue 18)
    python bench/publish.py --quick               # 3 × 300,000, for development
    options: [--n N] [--churn 0.01] [--day-events 0.001] [--history 1000000] [--rounds 3] [--threads 2]
             [--backends sqlite,postgres] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each backend the script creates a fresh temporary database (migrated by telreg.core.migrate.upgrade), fills
each of the three registers with N listings by one set-based INSERT … SELECT (numbers are a permutation of the
8-digit range, dates spread over 2008–2026) and the audit trail with ``--history`` older listing events, and then:

1. publishes day 1 (2026-03-02) through ``telreg.dnc.publish.service.publish`` — its change files list every
   number, since nothing was published before;
2. removes ``churn`` of each register and registers as many new numbers (dated day 2);
3. lives through a realistic day *after* day 2's close (``--day-events`` of each register registered and as many
   deregistered on day 3, each with its audit event), so that publishing day 2 (late, on day 3's evening) must
   take those events back — the past cut-off path, through the ``occurred_at`` index (the plan is printed);
4. ``--rounds`` times, interleaved: the baseline on the same rows (``SELECT … ORDER BY number`` through the DBAPI
   cursor, Python string formatting, ``zipfile`` at its default level, ``hashlib`` MD5 and SHA-256 of each zip,
   change lines from Python sets against day 1's rows), then day 2's publication (both formats, zips,
   .md5/.sha256 files, change files against day 1's dated file, chunk indexes, manifest, its CMS signature by
   the CA created for the run, fsyncs;
   the previous round's copy removed first).

It prints the medians in seconds per register, the per-phase breakdown of our build (thread-seconds: phases
overlap), the ratio, and the load average before and after. Business time is frozen (FixedClock) so the figures do
not depend on the hour the script runs. A script, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

from telreg.config import Environment, Settings
from telreg.core.clock import HK, FixedClock
from telreg.core.db import make_engine, make_session_factory, unit_of_work
from telreg.core.migrate import upgrade
from telreg.dnc.publish import service
from telreg.dnc.publish.phases import Phases
from telreg.dnc.publish.source import _events_sql
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register
from telreg.ecert.hierarchy import init_hierarchy

console = Console()
DAY1, DAY2, DAY3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)
DEFAULT_PG = os.environ.get("TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Distinct odd multipliers coprime with 8*10^7 give each register a different permutation of the number range.
MULTIPLIERS = {Register.fax: 7919, Register.sms: 104729, Register.prerecorded: 1299709}


def _fill_sql(dialect: str, register: Register, start: int, stop: int, day: str | None) -> str:
    # Dates run 2008-01-01 + 0..6599 days, up to January 2026: all before DAY1, so every listing is published.
    m = MULTIPLIERS[register]
    if dialect == "postgresql":
        number = f"lpad((20000000 + (i::bigint * {m}) % 80000000)::text, 8, '0')"
        date = f"DATE '{day}'" if day else "DATE '2008-01-01' + (i * 31 % 6600)::int"
        source = f"generate_series({start}, {stop - 1}) AS i"
        registered_at = f"({date})::timestamp"
    else:
        number = f"printf('%08d', 20000000 + (i * {m}) % 80000000)"
        date = f"'{day}'" if day else "date('2008-01-01', '+' || (i * 31 % 6600) || ' days')"
        source = f"(WITH RECURSIVE s(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM s WHERE i < {stop - 1}) " \
                 "SELECT i FROM s)"
        registered_at = f"{date} || ' 02:00:00.000000'"
    return (
        "INSERT INTO dnc_listings (number, register, registered_at, registration_date, channel, verification) "
        f"SELECT {number}, '{register.value}', {registered_at}, {date}, 'caller-id', 'caller-id' FROM {source}"
    )


def _churn(session, dialect: str, n: int, churn: float) -> None:
    step = max(1, round(1 / churn)) if churn else 0
    if not step:
        return
    session.execute(text(f"DELETE FROM dnc_listings WHERE id % {step} = 0"))
    for register in Register:
        session.execute(text(_fill_sql(dialect, register, n, n + n // step, DAY2.isoformat())))


def _stamp(dialect: str, at: str) -> str:
    """A naive-UTC timestamp literal as each backend stores UTCDateTime."""
    return f"TIMESTAMP '{at}'" if dialect == "postgresql" else f"'{at}.000000'"


def _history(session, dialect: str, count: int) -> None:
    """Older listing events (one registration per listing, for the first ``count`` listings)."""
    details = "'{}'::json" if dialect == "postgresql" else "'{}'"
    session.execute(text(
        "INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_key, register, details) "
        f"SELECT registered_at, 'channel:ivr', 'registered', 'number', number, register, {details} "
        f"FROM dnc_listings WHERE id <= {count}"))


def _day_after(session, dialect: str, n: int, churn: float, share: float) -> int:
    """A day of changes after day 2's close, each with its audit event: ``share`` of each register deregistered,
    as many numbers registered. Returns the number of events written."""
    if not share:
        return 0
    at = _stamp(dialect, f"{DAY3.isoformat()} 02:00:00")  # 10:00 in Hong Kong
    step = max(2, round(1 / share))
    registered_on = ("json_build_object('registered_on', registration_date::text)" if dialect == "postgresql"
                     else "json_object('registered_on', registration_date)")
    removed = session.execute(text(
        "INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_key, register, details) "
        f"SELECT {at}, 'channel:ivr', 'deregistered', 'number', number, register, {registered_on} "
        f"FROM dnc_listings WHERE id % {step} = 1")).rowcount
    session.execute(text(f"DELETE FROM dnc_listings WHERE id % {step} = 1"))
    first = n + (n // max(1, round(1 / churn)) if churn else 0)
    for register in Register:
        session.execute(text(_fill_sql(dialect, register, first, first + n // step, DAY3.isoformat())))
    details = "'{}'::json" if dialect == "postgresql" else "'{}'"
    day3 = f"DATE '{DAY3}'" if dialect == "postgresql" else f"'{DAY3}'"
    added = session.execute(text(
        "INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_key, register, details) "
        f"SELECT {at}, 'channel:ivr', 'registered', 'number', number, register, {details} "
        f"FROM dnc_listings WHERE registration_date = {day3}")).rowcount
    return removed + added


def _events_plan(session, dialect: str, cutoff: dt.datetime) -> str:
    query = _events_sql(dialect, list(Register))
    utc = cutoff.astimezone(dt.UTC).replace(tzinfo=None)
    param = utc.isoformat(sep=" ") if dialect == "postgresql" else utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    explain = "EXPLAIN " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    rows = session.execute(text(explain + query), {"cutoff": param}).all()
    lines = [str(r[0]) if dialect == "postgresql" else str(r[-1]) for r in rows]
    return " | ".join(line.strip() for line in lines if "Scan" in line or "SCAN" in line or "SEARCH" in line)


def _baseline(raw_conn, dialect: str, register: Register, previous: set[tuple[str, str]], out: Path) -> float:
    """Plain Python: fetch rows, format lines, zipfile at its default level, hashlib; changes from sets."""
    started = time.perf_counter()
    cursor = raw_conn.cursor()
    param = "%s" if dialect == "postgresql" else "?"
    cursor.execute(f"SELECT number, registration_date FROM dnc_listings WHERE register = {param} ORDER BY number",
                   (register.value,))
    rows = [(number, str(day).replace("-", "")) for number, day in cursor.fetchall()]
    dated = "".join(f"{number},{day}\r\n" for number, day in rows).encode()
    numbers = "".join(f"{number}\r\n" for number, _ in rows).encode()
    current = set(rows)
    removed = sorted(previous - current)
    added = sorted(current - previous)
    changes = ("".join(f"-{number}\r\n" for number, _ in removed)
               + "".join(f"+{number},{day}\r\n" for number, day in added)).encode()
    for stem, data in (("dated", dated), ("numbers", numbers), ("changes", changes)):
        path = out / f"{register.value}-{stem}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{register.value}-{stem}.txt", data)
        content = path.read_bytes()
        for algorithm in ("md5", "sha256"):
            digest = hashlib.new(algorithm, content).hexdigest()
            path.with_name(f"{path.name}.{algorithm}").write_text(f"{digest}  {path.name}\n")
    return time.perf_counter() - started


def _previous_rows(raw_conn, dialect: str, register: Register) -> set[tuple[str, str]]:
    cursor = raw_conn.cursor()
    param = "%s" if dialect == "postgresql" else "?"
    cursor.execute(f"SELECT number, registration_date FROM dnc_listings WHERE register = {param}", (register.value,))
    return {(number, str(day).replace("-", "")) for number, day in cursor.fetchall()}


def run_backend(backend: str, url: str, args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    upgrade(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    factory = make_session_factory(engine)
    settings = Settings(env=Environment.test, database_url=url, data_dir=workdir / "data",
                        publication_threads=args.threads)
    console.print(f"[bold]{backend}[/]: filling 3 registers × {args.n:,} listings, {args.history:,} older events …")
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        if dialect == "sqlite":
            # The fill inserts in random number order into three indexes; with SQLite's default 2 MB page cache
            # that thrashes for the better part of an hour. A big cache for the fill only; the figures keep the
            # default (reset below, since the pool reuses this connection).
            session.execute(text("PRAGMA cache_size = -2000000"))
        for register in Register:
            session.execute(text(_fill_sql(dialect, register, 0, args.n, None)))
        _history(session, dialect, args.history)
    if dialect == "sqlite":
        with unit_of_work(factory) as session:
            session.execute(text("PRAGMA cache_size = -2000"))
    console.print(f"  filled in {time.perf_counter() - started:.1f} s")

    figures: dict[str, object] = {}
    clock = FixedClock(dt.datetime.combine(DAY1, dt.time(23, 30), tzinfo=HK))
    with unit_of_work(factory) as session:  # a CA, so that every manifest is signed as in production
        init_hierarchy(settings, clock=clock, root_passphrase=b"bench publish", session=session, actor="bench")
    with unit_of_work(make_session_factory(engine, readonly=True)) as session:
        started = time.perf_counter()
        service.publish(session, clock=clock, settings=settings, day=DAY1)
        figures["day 1 (changes = everything)"] = (time.perf_counter() - started) / 3

    raw = engine.raw_connection()
    try:
        previous = {r: _previous_rows(raw, dialect, r) for r in Register}
    finally:
        raw.close()
    with unit_of_work(factory) as session:
        _churn(session, dialect, args.n, args.churn)
        events = _day_after(session, dialect, args.n, args.churn, args.day_events)
    if dialect == "postgresql":  # as autovacuum would have by the evening
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE dnc_listings"))
            conn.execute(text("VACUUM ANALYZE audit_events"))
    cutoff = service.cutoff_for(DAY2, settings)
    with unit_of_work(make_session_factory(engine, readonly=True)) as session:
        console.print(f"  {events:,} listing events after day 2's close; their query: "
                      f"{_events_plan(session, dialect, cutoff)}")

    clock.set(dt.datetime.combine(DAY3, dt.time(23, 30), tzinfo=HK))  # day 2 published late: events to undo
    store = PublicationStore(settings.data_dir)
    baseline_dir = workdir / "baseline"
    baseline_dir.mkdir()
    ours, base, breakdown = [], [], []
    for _ in range(args.rounds):
        raw = engine.raw_connection()
        try:
            base.append(sum(_baseline(raw, dialect, r, previous[r], baseline_dir) for r in Register) / 3)
        finally:
            raw.close()
        shutil.rmtree(store.path_for(DAY2), ignore_errors=True)
        phases = Phases()
        with unit_of_work(make_session_factory(engine, readonly=True)) as session:
            started = time.perf_counter()
            result = service.publish(session, clock=clock, settings=settings, day=DAY2, phases=phases)
            ours.append((time.perf_counter() - started) / 3)
        breakdown.append(phases.seconds)
    engine.dispose()

    figures["day 2: telreg publish (median)"] = statistics.median(ours)
    figures["  runs"] = ", ".join(f"{x:.3f}" for x in ours)
    for phase in breakdown[0]:
        figures[f"  {phase} (thread-s)"] = statistics.median(b.get(phase, 0.0) for b in breakdown) / 3
    figures["day 2: baseline (cursor + str + zipfile + hashlib)"] = statistics.median(base)
    ours_size = sum(result.manifest["registers"][r.value]["dated"]["bytes"] for r in Register) / 3
    base_size = sum((baseline_dir / f"{r.value}-dated.zip").stat().st_size for r in Register) / 3
    sms = result.manifest["registers"]["sms"]
    console.print(f"  sms: {sms['count']:,} numbers, changes #{sms['changes']['sequence']}: "
                  f"+{sms['changes']['added']:,} -{sms['changes']['removed']:,}; dated zip {ours_size / 1e6:.1f} MB "
                  f"(baseline {base_size / 1e6:.1f} MB)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3_000_000, help="listings per register")
    parser.add_argument("--quick", action="store_true", help="300,000 listings per register, 2 rounds")
    parser.add_argument("--churn", type=float, default=0.01, help="share removed and added between the two days")
    parser.add_argument("--day-events", type=float, default=0.001,
                        help="share of each register deregistered (and as many registered) after day 2's close")
    parser.add_argument("--history", type=int, default=1_000_000, help="older listing events in the audit trail")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of ours and the baseline")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args()
    if args.quick:
        args.n, args.rounds, args.history = 300_000, 2, min(args.history, 100_000)
    console.print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    for backend in args.backends.split(","):
        workdir = Path(tempfile.mkdtemp(prefix=f"telreg-bench-publish-{backend}-"))
        try:
            if backend == "sqlite":
                figures = run_backend(backend, f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir)
            else:
                admin = make_url(args.postgres_url)
                name = f"telreg_bench_publish_{os.getpid()}"
                plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)
                with psycopg.connect(plain, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                try:
                    url = admin.set(database=name).render_as_string(hide_password=False)
                    figures = run_backend(backend, url, args, workdir)
                finally:
                    with psycopg.connect(plain, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        _print_table(backend, figures, args)


def _print_table(backend: str, figures: dict[str, object], args: argparse.Namespace) -> None:
    table = Table("seconds per register", "s", title=f"{backend}: 3 registers × {args.n:,} numbers, "
                                                      f"{args.threads} threads, {args.rounds} rounds")
    for what, seconds in figures.items():
        table.add_row(what, seconds if isinstance(seconds, str) else f"{seconds:.3f}")
    ours, base = figures["day 2: telreg publish (median)"], figures["day 2: baseline (cursor + str + zipfile + hashlib)"]
    assert isinstance(ours, float) and isinstance(base, float)
    table.add_row("[bold]baseline / telreg[/]", f"[bold]{base / ours:.1f}×[/]")
    console.print(table)
    console.print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
