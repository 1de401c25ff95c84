"""Benchmark the public status look-up ``GET /api/v1/dnc/status/{number}`` over HTTP on loopback, against the floor.

    python bench/status_api.py [--backends sqlite,postgres] [--listings 1000000] [--build-sizes 1000000,3000000]
                               [--seconds 5] [--rounds 3] [--concurrency 32] [--workers N] [--postgres-url URL]

For each backend a fresh migrated database (bench/registrations.py's Database) gets ``--listings`` listings spread
over the three registers (one set-based INSERT … SELECT; registration dates over 400 days). Then:

1. the listing index (telreg/dnc/listing_index.py) is built in this process three times: the median build time
   and the memory its arrays hold, for each of ``--build-sizes`` (the database is topped up between sizes, after
   the HTTP rounds);
2. the real app (``telreg.core.server_app:public_app``, as `telreg serve`, system clock) runs under uvicorn with ``--workers`` processes (default:
   the CPU count, as ``telreg serve``), each building its index at start-up; the floor (a minimal ASGI app
   answering a constant status document of the same size, bench/http_load.py) runs under the same settings;
3. ``--rounds`` rounds, each measuring the floor and then every backend for ``--seconds`` with ``--concurrency``
   keep-alive connections (the raw client of bench/http_load.py): half the numbers asked are listed (on one
   register, at a known date), half are not; every answer is checked (status 200, the one register listed with its
   date, or none). Figures are the medians over the rounds, with the load average at each measurement.

Goal (issue 18 §2): ≥ 3,000 req/s and p99 < 10 ms with 32 connections, on SQLite and on PostgreSQL.
PostgreSQL is used when ``TELREG_BENCH_POSTGRES_URL`` (or the tests' ``TELREG_TEST_POSTGRES_URL``) answers.
A script, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the sibling bench modules
from http_load import (  # noqa: E402
    Run,
    UvicornServer,
    closed_loop,
    constant_app,
    medians,
    percentiles_ms,
    run_loop,
)
from registrations import Database, postgres_reachable  # noqa: E402
from registrations import console as _console  # noqa: E402
from sqlalchemy import text  # noqa: E402

from telreg.core.db import make_engine, make_session_factory  # noqa: E402

PG_URL = os.environ.get("TELREG_BENCH_POSTGRES_URL") or os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REGISTERS = ("fax", "sms", "prerecorded")
MULTIPLIER = 48_271  # coprime with 80,000,000: listing i gets a distinct number
LAST_DAY = dt.date(2026, 3, 2)
GOAL_RATE, GOAL_P99_MS = 3_000.0, 10.0


class console:  # noqa: N801 - rich's console without wrapping: one figure, one line
    print = staticmethod(functools.partial(_console.print, soft_wrap=True))
FLOOR_BODY = json.dumps({"number": "21234567", "registers": {
    "fax": {"listed": True, "registered_on": "2026-03-02", "protected_from": "2026-03-13"},
    "sms": {"listed": False}, "prerecorded": {"listed": False}}}, separators=(",", ":")).encode()


def number_of(i: int) -> int:
    return 20_000_000 + (i * MULTIPLIER) % 80_000_000


def _fill_sql(dialect: str, start: int, stop: int) -> str:
    if dialect == "postgresql":
        number = f"lpad((20000000 + (i::bigint * {MULTIPLIER}) % 80000000)::text, 8, '0')"
        date = "DATE '2026-03-02' - (i % 400)::int"
        source = f"generate_series({start}, {stop - 1}) AS i"
        registered_at = f"({date})::timestamp"
        register = "(ARRAY['fax','sms','prerecorded'])[i % 3 + 1]"
    else:
        number = f"printf('%08d', 20000000 + (i * {MULTIPLIER}) % 80000000)"
        date = "date('2026-03-02', '-' || (i % 400) || ' days')"
        source = (f"(WITH RECURSIVE s(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM s WHERE i < {stop - 1}) "
                  "SELECT i FROM s)")
        registered_at = f"{date} || ' 02:00:00.000000'"
        register = "CASE i % 3 WHEN 0 THEN 'fax' WHEN 1 THEN 'sms' ELSE 'prerecorded' END"
    return ("INSERT INTO dnc_listings (number, register, registered_at, registration_date, channel, verification) "
            f"SELECT {number}, {register}, {registered_at}, {date}, 'caller-id', 'caller-id' FROM {source}")


def fill(db: Database, start: int, stop: int) -> float:
    engine = make_engine(db.url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(_fill_sql(engine.dialect.name, start, stop)))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE dnc_listings"))
    engine.dispose()
    return time.perf_counter() - started


@dataclass
class Build:
    backend: str
    listings: int
    seconds: float
    array_mb: float
    rss_mb: float


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure_build(db: Database, listings: int) -> Build:
    from telreg.dnc.listing_index import ListingIndex

    engine = make_engine(db.url)
    factory = make_session_factory(engine, readonly=True)
    times, arrays, grown = [], 0.0, 0.0
    for _ in range(3):
        before = _rss_mb()
        index = ListingIndex(factory, db.settings()).build()
        times.append(index.build_seconds)
        grown = max(grown, _rss_mb() - before)
        arrays = sum(r.numbers.nbytes + r.dates.nbytes for r in index._registers.values()) / 1e6
        del index
    engine.dispose()
    build = Build(db.backend, listings, statistics.median(times), arrays, grown)
    console.print(f"{db.backend}: index of {listings:,} listings built in {build.seconds:.2f} s (median of 3), "
                  f"arrays {build.array_mb:.1f} MB, resident memory grew by up to {build.rss_mb:.0f} MB")
    return build


# ------------------------------------------------------------------------------------------------- the load


def questions(listings: int, count: int, seed: int = 11) -> list[tuple[bytes, tuple[str, str] | None]]:
    """(path, expected) pairs: half listed numbers with their (register, date), half numbers listed nowhere."""
    from telreg.core.errors import InvalidNumber
    from telreg.core.phone import parse_registrable

    rng = random.Random(seed)
    listed_numbers = {number_of(i) for i in range(listings)}
    asked: list[tuple[bytes, tuple[str, str] | None]] = []
    while len(asked) < count:
        if len(asked) % 2 == 0:
            i = rng.randrange(listings)
            number, expected = number_of(i), (REGISTERS[i % 3], (LAST_DAY - dt.timedelta(days=i % 400)).isoformat())
        else:
            number, expected = rng.randrange(20_000_000, 100_000_000), None
            if number in listed_numbers:
                continue
        try:
            parse_registrable(f"{number:08d}")
        except InvalidNumber:
            continue  # asked numbers must be registrable: the route refuses the others (422)
        asked.append((f"/api/v1/dnc/status/{number:08d}".encode(), expected))
    return asked


def fire(target: str, port: int, asked: list[tuple[bytes, tuple[str, str] | None]], *, seconds: float,
         concurrency: int, check: bool) -> Run:
    host = f"Host: 127.0.0.1:{port}\r\n\r\n".encode()
    rng = random.Random(5)
    deadline = time.perf_counter() + seconds
    errors = 0

    def next_request() -> tuple[bytes, bytes, object] | None:
        if time.perf_counter() >= deadline:
            return None
        path, expected = asked[rng.randrange(len(asked))]
        return b"GET " + path + b" HTTP/1.1\r\n" + host, b"", expected

    def judge(expected: tuple[str, str] | None, status: int, body: bytes) -> None:
        nonlocal errors
        if status != 200:
            errors += 1
        elif check:
            listed = body.count(b'"listed":true')
            if expected is None:
                errors += listed != 0
            else:
                register, day = expected
                errors += listed != 1 or f'"{register}":{{"listed":true,"registered_on":"{day}"'.encode() not in body

    latencies, elapsed = run_loop(closed_loop(port, next_request, concurrency=concurrency, judge=judge))
    p50, p99 = percentiles_ms(latencies)
    run = Run(target, len(latencies), elapsed, p50, p99, errors, os.getloadavg()[0])
    console.print(f"{target}: {run.requests:,} in {elapsed:.1f} s, {run.rate:,.0f}/s, p50 {p50:.2f} ms, "
                  f"p99 {p99:.2f} ms, errors {errors}, load average {run.load:.2f}")
    return run


def floor_app() -> object:
    """``uvicorn status_api:floor_app --factory``: a constant status document for every request."""
    return constant_app(FLOOR_BODY, b"application/json")


def telreg_server(db: Database, workers: int) -> UvicornServer:
    settings = db.settings()
    return UvicornServer("telreg.core.server_app:public_app", workers=workers, ready_path="/api/v1/health", env={
        "TELREG_DATABASE_URL": settings.database_url, "TELREG_ENV": "development",
        "TELREG_SECRET_KEY": "bench-secret-key", "TELREG_DATA_DIR": str(settings.data_dir),
        "TELREG_TELEPHONY_ADAPTER": "logging"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--build-sizes", default="1000000,3000000",
                        help="listings at which the index build is timed (the first is --listings' own)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=PG_URL)
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if "postgres" in backends and (problem := postgres_reachable(args.postgres_url)):
        console.print(f"PostgreSQL skipped: {problem}")
        backends.remove("postgres")
    sizes = sorted({args.listings, *(int(s) for s in args.build_sizes.split(",") if s)})
    console.print(f"{os.cpu_count()} CPUs, {args.workers} uvicorn worker(s), {args.concurrency} connections, "
                  f"load average at start {os.getloadavg()[0]:.2f}")
    asked = questions(args.listings, args.questions)
    databases = {b: Database(b, args.postgres_url).__enter__() for b in backends}
    builds: list[Build] = []
    runs: dict[str, list[Run]] = {}
    try:
        for backend, db in databases.items():
            console.print(f"{backend}: {args.listings:,} listings filled in {fill(db, 0, args.listings):.1f} s")
            builds.append(measure_build(db, args.listings))
        servers = {"floor": UvicornServer("status_api:floor_app", workers=args.workers, app_dir=Path(__file__).parent)}
        servers |= {b: telreg_server(db, args.workers) for b, db in databases.items()}
        for server in servers.values():
            server.__enter__()
        try:
            for target, server in servers.items():  # every worker up (each builds its index), caches warm
                fire(f"{target} warm-up", server.port, asked, seconds=3, concurrency=args.concurrency, check=False)
            for round_ in range(args.rounds):
                for target, server in servers.items():
                    runs.setdefault(target, []).append(fire(
                        f"round {round_ + 1} {target}", server.port, asked, seconds=args.seconds,
                        concurrency=args.concurrency, check=target != "floor"))
        finally:
            for server in servers.values():
                server.__exit__(None, None, None)
        for backend, db in databases.items():
            done = args.listings
            for size in (s for s in sizes if s > args.listings):
                console.print(f"{backend}: topped up to {size:,} listings in {fill(db, done, size):.1f} s")
                done = size
                builds.append(measure_build(db, size))
    finally:
        for db in databases.values():
            db.__exit__(None, None, None)
    report(runs, builds, args)


def report(runs: dict[str, list[Run]], builds: list[Build], args: argparse.Namespace) -> None:
    floor = medians(runs["floor"])[0] if runs.get("floor") else None
    console.print(f"\nMedians of {args.rounds} interleaved rounds of {args.seconds:g} s, {args.concurrency} "
                  f"connections, {args.workers} worker(s), {args.listings:,} listings:")
    for target, measured in runs.items():
        rate, p50, p99, errors, loads = medians(measured)
        share = f", {rate / floor:.0%} of the floor" if floor and target != "floor" else ""
        goal = "" if target == "floor" else (
            "  goal met" if rate >= GOAL_RATE and p99 < GOAL_P99_MS else "  goal NOT met")
        console.print(f"  {target:8} {rate:9,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  errors {errors}"
                      f"{share}  (load average {loads}){goal}")
    for build in builds:
        console.print(f"  index build {build.backend:8} {build.listings:>10,} listings: {build.seconds:.2f} s, "
                      f"arrays {build.array_mb:.1f} MB (resident +{build.rss_mb:.0f} MB)")


if __name__ == "__main__":
    main()
