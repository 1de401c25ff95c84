"""Benchmark the senders' online check over HTTP on loopback: POST /api/v1/senders/me/check, 100 numbers each.

    python bench/check_api.py [--n 1000000] [--seconds 10] [--concurrency 4] [--listed 0.3]
                              [--backends sqlite,postgres] [--postgres-url postgresql+psycopg://…]

For each backend the script creates a fresh temporary database (migrated by telreg.core.migrate.upgrade), fills
the SMS register with N listings by one set-based INSERT … SELECT (registration dates spread over the last 400
days, so some numbers are protected and some not yet), and creates one active subscription account through the
senders' services. It then starts a real uvicorn server (a separate process, access log off) on loopback, signs the
account in, and fires checks of 100 numbers (``--listed`` of them listed, two malformed, the rest not listed) from
``--concurrency`` connections for ``--seconds``, printing requests/s, numbers/s and p50/p99 latency as the client
sees them. Every check is a write (the SenderCheck record) in its own transaction, as in production.

Business time is frozen at a Monday morning: the server is this module's :func:`bench_app`, which builds the app
with a FixedClock (checks are refused during the nightly update window, and a benchmark must not depend on the
hour it is run) and adds a bench-only route that starts a sender session, since sign-in has a CAPTCHA. That route
exists only in this script's app, never in ``telreg.app``. PostgreSQL is used when ``TELREG_BENCH_POSTGRES_URL``
(or the tests' ``TELREG_TEST_POSTGRES_URL``) answers. A script, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))  # the sibling bench script, also when uvicorn imports this module
import registrations  # noqa: E402
from registrations import Database, console, postgres_reachable  # noqa: E402

from telreg.core.clock import HK, FixedClock  # noqa: E402
from telreg.core.db import make_engine, make_session_factory, unit_of_work  # noqa: E402

BUSINESS_TIME = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)
AS_OF_ENV = "TELREG_BENCH_AS_OF"
PG_URL = os.environ.get("TELREG_BENCH_POSTGRES_URL") or os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MULTIPLIER = 104729  # odd and coprime with 8*10^7: i -> 20000000 + i*M mod 8*10^7 is a permutation
PASSWORD = "a long bench pass phrase"
PDF = b"%PDF-1.4\n% bench document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def listed_number(i: int) -> str:
    return f"{20_000_000 + (i * MULTIPLIER) % 80_000_000:08d}"


def _fill_sql(dialect: str, n: int) -> str:
    if dialect == "postgresql":
        number = f"lpad((20000000 + (i::bigint * {MULTIPLIER}) % 80000000)::text, 8, '0')"
        date = "DATE '2026-03-02' - (i % 400)::int"
        source = f"generate_series(0, {n - 1}) AS i"
        registered_at = f"({date})::timestamp"
    else:
        number = f"printf('%08d', 20000000 + (i * {MULTIPLIER}) % 80000000)"
        date = "date('2026-03-02', '-' || (i % 400) || ' days')"
        source = f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) SELECT i FROM s)"
        registered_at = f"{date} || ' 02:00:00.000000'"
    return ("INSERT INTO dnc_listings (number, register, registered_at, registration_date, channel, verification) "
            f"SELECT {number}, 'sms', {registered_at}, {date}, 'caller-id', 'caller-id' FROM {source}")


def seed(db: Database, n: int) -> int:
    """Fill the SMS register and create an active sms subscriber; return the account id."""
    from telreg.core import users
    from telreg.senders import applications, documents, payments, repository
    from telreg.senders.documents import DocumentUpload
    from telreg.senders.vocabulary import PaymentMethod, Plan, Register

    engine = make_engine(db.url)
    factory = make_session_factory(engine)
    settings, clock = db.settings(), FixedClock(BUSINESS_TIME)
    with console.status(f"{db.backend}: filling the SMS register with {n:,} listings"):
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            session.execute(text(_fill_sql(engine.dialect.name, n)))
        if engine.dialect.name == "postgresql":
            # begin(), not connect(): ANALYZE inside a transaction that is rolled back leaves no statistics, and
            # without them the planner takes 100 numbers for 1M rows and scans the table (134 ms instead of 2 ms).
            with engine.begin() as conn:
                conn.execute(text("ANALYZE dnc_listings"))
    console.print(f"{db.backend}: {n:,} listings in {time.perf_counter() - started:.1f} s")
    with unit_of_work(factory) as session:
        users.create_user(session, clock=clock, username="bench", password="bench-officer-pass", roles=["dnc-officer"])
        account = applications.apply(
            session, clock=clock, settings=settings, capacity="individual", name="Bench Sender",
            contact_email="bench@example.com", plans={Register.sms: Plan.twelve_months}, username="bench.sender",
            password=PASSWORD, security_question="Bench?", security_answer="yes",
            documents=[DocumentUpload("hkid-copy", "hkid.pdf", PDF)])
        documents.accept_documents(session, clock=clock, settings=settings, account_id=account.id,
                                   officer_name="bench")
        order = repository.orders(session, account.id, kind="application")[0]
        payments.record_payment(session, clock=clock, settings=settings, order_id=order.id,
                                method=PaymentMethod.cheque, reference="BENCH-1", amount_cents=order.total_cents,
                                officer_name="bench")
        account_id = account.id
    engine.dispose()
    return account_id


def bench_app() -> Any:
    """The app uvicorn serves: telreg.app with a frozen clock and a bench-only sender sign-in route."""
    from telreg.app import create_app
    from telreg.config import get_settings
    from telreg.core.security import csrf_token
    from telreg.runtime import build_runtime
    from telreg.senders.deps import start_sender_session

    settings = get_settings()
    if settings.is_production:
        raise RuntimeError("bench_app is a benchmark harness and refuses TELREG_ENV=production")
    at = dt.datetime.fromisoformat(os.environ.get(AS_OF_ENV, BUSINESS_TIME.isoformat()))
    app = create_app(build_runtime(settings, clock=FixedClock(at)))


    @app.post("/bench/sender-session/{account_id}")
    def _sign_in(account_id: int, request: Request) -> dict[str, str]:
        start_sender_session(request, account_id)
        return {"csrf_token": csrf_token(request)}

    return app


class Server(registrations.Server):
    """``uvicorn check_api:bench_app --factory``: the app with a frozen clock and the bench sign-in route."""

    app_factory = "check_api:bench_app"
    app_dir = Path(__file__).parent

    def extra_env(self) -> dict[str, str]:
        return {AS_OF_ENV: BUSINESS_TIME.isoformat()}


@dataclass
class CheckFigure:
    backend: str
    requests: int
    concurrency: int
    seconds: float
    p50_ms: float
    p99_ms: float
    listed_seen: int
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def numbers_rate(self) -> float:
        return self.requests * 100 / self.seconds


def _registrable(i: int) -> str | None:
    from telreg.core.errors import InvalidNumber
    from telreg.core.phone import parse_registrable

    try:
        return parse_registrable(listed_number(i)).national
    except InvalidNumber:  # the permutation also lands in unassigned ranges; a sender would not hold those
        return None


def make_batches(n: int, listed_share: float, count: int, *, seed: int = 852) -> tuple[list[list[str]], int]:
    """Batches of 100 entries: registrable listed numbers, two malformed entries, registrable numbers outside the
    register. Returns the batches and how many listed numbers each holds (the server must find exactly those)."""
    rng = random.Random(seed)
    listed = round(98 * listed_share)

    def draw(low: int, high: int) -> str:
        while (number := _registrable(rng.randrange(low, high))) is None:
            pass
        return number

    batches = []
    for _ in range(count):
        batch = [draw(0, n) for _ in range(listed)]
        # i >= n gives numbers of the same permutation that were never inserted: certainly not listed.
        batch += [draw(n, 80_000_000) for _ in range(98 - listed)]
        batch += ["2123-45x7", "12345"]
        rng.shuffle(batch)
        batches.append(batch)
    return batches, listed


async def _fire(base: str, account_id: int, batches: list[list[str]], expected_listed: int, concurrency: int,
                seconds: float) -> tuple[list[float], int, int, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = listed_seen = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        token = (await client.post(f"/bench/sender-session/{account_id}")).json()["csrf_token"]
        headers = {"X-CSRF-Token": token}
        for batch in batches[:20]:  # warm up connections and code paths
            (await client.post("/api/v1/senders/me/check", json={"numbers": batch}, headers=headers)).raise_for_status()
        deadline = time.perf_counter() + seconds
        counter = 0

        async def worker() -> None:
            nonlocal errors, listed_seen, counter
            while time.perf_counter() < deadline:
                batch = batches[counter % len(batches)]
                counter += 1
                sent = time.perf_counter()
                response = await client.post("/api/v1/senders/me/check", json={"numbers": batch}, headers=headers)
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200 or len(response.json()["results"]) != 100:
                    errors += 1
                    continue
                if response.json()["summary"]["listed"] != expected_listed:
                    errors += 1
                listed_seen += response.json()["summary"]["listed"]

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, errors, listed_seen, time.perf_counter() - started


def bench_backend(db: Database, args: argparse.Namespace) -> CheckFigure:
    account_id = seed(db, args.n)
    batches, expected_listed = make_batches(args.n, args.listed, 500)
    status = console.status(f"{db.backend}: checks of 100 numbers ×{args.concurrency} for {args.seconds:g} s")
    with Server(db) as server, status:
        latencies, errors, listed_seen, seconds = asyncio.run(
            _fire(server.base, account_id, batches, expected_listed, args.concurrency, args.seconds))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return CheckFigure(db.backend, len(latencies), args.concurrency, seconds, cuts[49] * 1000, cuts[98] * 1000,
                       listed_seen, errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="listings on the SMS register (default 1000000)")
    parser.add_argument("--seconds", type=float, default=10, help="how long to fire checks (default 10)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent HTTP connections (default 4)")
    parser.add_argument("--listed", type=float, default=0.3, help="share of listed numbers per check (default 0.3)")
    parser.add_argument("--postgres-url", default=PG_URL, help="an administrative PostgreSQL URL")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    args = parser.parse_args()

    figures: list[CheckFigure] = []
    for backend in args.backends.split(","):
        if backend == "postgres" and (problem := postgres_reachable(args.postgres_url)):
            console.print(f"[yellow]PostgreSQL skipped: {problem}")
            continue
        with Database(backend, args.postgres_url) as db:
            console.rule(f"{backend}  ({make_url(db.url).render_as_string(hide_password=True)})")
            figures.append(bench_backend(db, args))

    table = Table(title=f"POST /api/v1/senders/me/check, 100 numbers per request, {args.n:,} listings "
                        "(uvicorn, 1 process, loopback)")
    for column in ("backend", "requests", "connections", "requests/s", "numbers/s", "p50 ms", "p99 ms",
                   "listed found", "errors"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    for f in figures:
        table.add_row(f.backend, f"{f.requests:,}", str(f.concurrency), f"{f.rate:,.0f}", f"{f.numbers_rate:,.0f}",
                      f"{f.p50_ms:.1f}", f"{f.p99_ms:.1f}", f"{f.listed_seen:,}", str(f.errors))
    console.print(table)
    for f in figures:  # one plain line each, for logs and narrow terminals
        print(f"{f.backend}: {f.requests} requests x100 numbers over {f.concurrency} connections in {f.seconds:.1f} s: "
              f"{f.rate:.1f} requests/s, {f.numbers_rate:,.0f} numbers/s, p50 {f.p50_ms:.1f} ms, "
              f"p99 {f.p99_ms:.1f} ms, errors {f.errors}")
    if any(f.errors for f in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
