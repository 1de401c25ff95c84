"""Benchmark registrations through the service layer, and status look-ups over HTTP, on SQLite and PostgreSQL.

    python bench/registrations.py [--n 100000] [--single 2000] [--status 10000] [--concurrency 4]
                                  [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                  [--backends sqlite,postgres] [--profile]

For each backend the script creates a fresh temporary database, migrates it with telreg.core.migrate.upgrade, and:

1. registers N numbers through ``dnc.service.register_number`` in batches (one transaction per --batch numbers),
   the way a bulk import would;
2. registers --single more numbers with one transaction each, the way the IVR commits every call;
3. starts a real uvicorn server (a separate process, access log off) on loopback and sends --status requests to
   ``GET /api/v1/dnc/status/{number}`` from --concurrency connections (half listed numbers, half not), reporting
   requests per second and p50/p99 latency as the client sees it.

Business time is frozen at a Monday morning (FixedClock): registrations are refused during the nightly update
window, and a benchmark must not depend on the hour it is run. This is a script, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import httpx
import psycopg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.engine import make_url

from telreg.config import Environment, Settings
from telreg.core.clock import HK, FixedClock
from telreg.core.db import make_engine, make_session_factory, unit_of_work
from telreg.core.errors import InvalidNumber
from telreg.core.migrate import upgrade
from telreg.core.phone import parse_registrable
from telreg.dnc import service
from telreg.dnc.vocabulary import Channel, Register, Verification

console = Console()
BUSINESS_TIME = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)
REGISTERS = (Register.fax, Register.sms, Register.prerecorded)
DEFAULT_PG = os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Figure:
    backend: str
    what: str
    count: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")


@dataclass
class HttpFigure:
    backend: str
    requests: int
    concurrency: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def make_numbers(count: int, *, seed: int = 852) -> list[str]:
    """Distinct registrable numbers (fixed lines and mobiles), in a shuffled but repeatable order."""
    prefixes = (
        "21",
        "22",
        "23",
        "25",
        "26",
        "27",
        "28",
        "31",
        "35",
        "36",
        "51",
        "61",
        "62",
        "63",
        "90",
        "91",
        "92",
    )
    rng = random.Random(seed)
    numbers: set[str] = set()
    while len(numbers) < count:
        candidate = rng.choice(prefixes) + f"{rng.randrange(1_000_000):06d}"
        if candidate not in numbers:
            try:
                numbers.add(parse_registrable(candidate).national)
            except InvalidNumber:  # an unassigned range: just draw again
                continue
    ordered = sorted(numbers)
    rng.shuffle(ordered)
    return ordered


# ---------------------------------------------------------------------------------------------------- databases


class Database:
    """A fresh, migrated database that disappears afterwards."""

    def __init__(self, backend: str, pg_admin_url: str) -> None:
        self.backend = backend
        self.pg_admin_url = pg_admin_url
        self.tmp = Path(tempfile.mkdtemp(prefix=f"telreg-bench-{backend}-"))
        self.pg_name = f"telreg_bench_{os.getpid()}"
        self.url = ""

    def __enter__(self) -> Self:
        if self.backend == "sqlite":
            self.url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        else:
            with psycopg.connect(self._admin_dsn(), autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.url = (
                make_url(self.pg_admin_url).set(database=self.pg_name).render_as_string(hide_password=False)
            )
        make_engine(self.url).dispose()  # creates the SQLite file's directory
        upgrade(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.backend == "postgres":
            with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _admin_dsn(self) -> str:
        return make_url(self.pg_admin_url).set(drivername="postgresql").render_as_string(hide_password=False)

    def settings(self) -> Settings:
        return Settings(
            env=Environment.development,
            database_url=self.url,
            data_dir=self.tmp / "data",
            secret_key="bench-secret-key",
            telephony_adapter="fake",
        )


def postgres_reachable(url: str) -> str | None:
    try:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    return None


# ------------------------------------------------------------------------------------------------ registrations


def register(session, settings: Settings, clock: FixedClock, number: str, i: int) -> None:  # type: ignore[no-untyped-def]
    service.register_number(
        session,
        clock=clock,
        settings=settings,
        number=number,
        registers=[REGISTERS[i % 3]],
        channel=Channel.caller_id,
        verification=Verification.caller_id,
        actor="bench",
    )


def bench_batched(db: Database, numbers: list[str], *, batch: int, profile: bool) -> Figure:
    settings, clock = db.settings(), FixedClock(BUSINESS_TIME)
    engine = make_engine(db.url)
    factory = make_session_factory(engine)
    profiler = cProfile.Profile() if profile else None
    with progress() as bar:
        task = bar.add_task(f"{db.backend}: {batch}/transaction", total=len(numbers), rate="")
        start = time.perf_counter()
        for offset in range(0, len(numbers), batch):
            if profiler and offset == 0:
                profiler.enable()
            with unit_of_work(factory) as session:
                for i, number in enumerate(numbers[offset : offset + batch], start=offset):
                    register(session, settings, clock, number, i)
            if profiler and offset == 0:
                profiler.disable()
            done = min(offset + batch, len(numbers))
            bar.update(task, completed=done, rate=f"{done / (time.perf_counter() - start):,.0f}/s")
        seconds = time.perf_counter() - start
    engine.dispose()
    if profiler:
        console.print(f"[bold]profile of the first batch ({batch} registrations, {db.backend}), by own time:")
        pstats.Stats(profiler, stream=_ConsoleStream()).sort_stats("tottime").print_stats(15)
        pstats.Stats(profiler, stream=_ConsoleStream()).sort_stats("cumulative").print_stats(25)
    return Figure(db.backend, f"{batch} per transaction", len(numbers), seconds)


def bench_single(db: Database, numbers: list[str]) -> Figure:
    settings, clock = db.settings(), FixedClock(BUSINESS_TIME)
    engine = make_engine(db.url)
    factory = make_session_factory(engine)
    with progress() as bar:
        task = bar.add_task(f"{db.backend}: 1/transaction", total=len(numbers), rate="")
        start = time.perf_counter()
        for i, number in enumerate(numbers):
            with unit_of_work(factory) as session:
                register(session, settings, clock, number, i)
            if i % 50 == 0 or i == len(numbers) - 1:
                bar.update(task, completed=i + 1, rate=f"{(i + 1) / (time.perf_counter() - start):,.0f}/s")
        seconds = time.perf_counter() - start
    engine.dispose()
    return Figure(db.backend, "1 per transaction", len(numbers), seconds)


class _ConsoleStream:
    def write(self, text: str) -> None:
        console.out(text, end="", highlight=False)

    def flush(self) -> None:
        pass


# --------------------------------------------------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`uvicorn <app_factory> --factory` in its own process, so client and server do not share a GIL.

    bench/check_api.py serves its own factory by overriding ``app_factory``, ``app_dir`` and ``extra_env``."""

    app_factory = "telreg.app:create_app"
    app_dir: Path | None = None

    def __init__(self, db: Database) -> None:
        self.db = db
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def extra_env(self) -> dict[str, str]:
        return {}

    def __enter__(self) -> Self:
        settings = self.db.settings()
        env = {
            **os.environ,
            "TELREG_DATABASE_URL": settings.database_url,
            "TELREG_ENV": "development",
            "TELREG_SECRET_KEY": "bench-secret-key",
            "TELREG_DATA_DIR": str(settings.data_dir),
            "TELREG_TELEPHONY_ADAPTER": "logging",
            **self.extra_env(),
        }
        app_dir = ["--app-dir", str(self.app_dir)] if self.app_dir is not None else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", self.app_factory, "--factory", *app_dir, "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start within 30 seconds")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def _status_requests(
    base: str,
    numbers: list[str],
    concurrency: int,
    bar: Progress,
    task: int,
) -> tuple[list[float], int, float]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for number in numbers:
        queue.put_nowait(number)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    number = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                sent = time.perf_counter()
                response = await client.get(f"/api/v1/dnc/status/{number}")
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200 or response.json()["number"] != number:
                    errors += 1
                bar.advance(task)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - start


def bench_status(
    db: Database, listed: list[str], unlisted: list[str], *, count: int, concurrency: int
) -> HttpFigure:
    rng = random.Random(7)
    numbers = [rng.choice(listed) if i % 2 == 0 else rng.choice(unlisted) for i in range(count)]
    with Server(db) as server:
        # Warm up the connections and the server's code paths before measuring.
        quiet = _null_progress()
        asyncio.run(
            _status_requests(server.base, numbers[:100], concurrency, quiet, quiet.add_task("warm-up"))
        )
        with progress() as bar:
            task = bar.add_task(f"{db.backend}: GET status x{concurrency}", total=count, rate="")
            latencies, errors, seconds = asyncio.run(
                _status_requests(server.base, numbers, concurrency, bar, task)
            )
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return HttpFigure(db.backend, count, concurrency, seconds, cuts[49] * 1000, cuts[98] * 1000, errors)


def _null_progress() -> Progress:
    return Progress(console=Console(file=open(os.devnull, "w")))


# --------------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="registrations in batches (default 100000)")
    parser.add_argument(
        "--batch", type=int, default=1_000, help="registrations per transaction (default 1000)"
    )
    parser.add_argument(
        "--single", type=int, default=2_000, help="registrations with one transaction each (default 2000)"
    )
    parser.add_argument("--status", type=int, default=10_000, help="HTTP status requests (default 10000)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent HTTP connections (default 4)")
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="an administrative PostgreSQL URL")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument(
        "--profile", action="store_true", help="profile the first batch and print the hot spots"
    )
    args = parser.parse_args()

    with console.status("drawing numbers"):
        numbers = make_numbers(args.n + args.single + 5_000)
    batched, single = numbers[: args.n], numbers[args.n : args.n + args.single]
    unlisted = numbers[args.n + args.single :]

    figures: list[Figure] = []
    http: list[HttpFigure] = []
    for backend in args.backends.split(","):
        if backend == "postgres" and (problem := postgres_reachable(args.postgres_url)):
            console.print(f"[yellow]PostgreSQL skipped: {problem}")
            continue
        with Database(backend, args.postgres_url) as db:
            console.rule(f"{backend}  ({make_url(db.url).render_as_string(hide_password=True)})")
            figures.append(bench_batched(db, batched, batch=args.batch, profile=args.profile))
            if args.single:
                figures.append(bench_single(db, single))
            if args.status:
                http.append(
                    bench_status(
                        db, batched + single, unlisted, count=args.status, concurrency=args.concurrency
                    )
                )

    table = Table(title="registrations through dnc.service.register_number")
    for column in ("backend", "mode", "registrations", "seconds", "registrations/s"):
        table.add_column(column, justify="right" if column not in ("backend", "mode") else "left")
    for f in figures:
        table.add_row(f.backend, f.what, f"{f.count:,}", f"{f.seconds:,.1f}", f"{f.rate:,.0f}")
    console.print(table)
    if http:
        table = Table(title="GET /api/v1/dnc/status/{number} over loopback (uvicorn, 1 process)")
        for column in ("backend", "requests", "connections", "requests/s", "p50 ms", "p99 ms", "errors"):
            table.add_column(column, justify="left" if column == "backend" else "right")
        for h in http:
            table.add_row(
                h.backend,
                f"{h.requests:,}",
                str(h.concurrency),
                f"{h.rate:,.0f}",
                f"{h.p50_ms:.2f}",
                f"{h.p99_ms:.2f}",
                str(h.errors),
            )
        console.print(table)
    if any(h.errors for h in http):
        sys.exit(1)


if __name__ == "__main__":
    main()
