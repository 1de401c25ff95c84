"""Benchmark the senders' online check over HTTP on loopback, against the floor: POST /api/v1/senders/me/check.

    python bench/check_api.py [--backends sqlite,postgres] [--listings 1000000] [--seconds 5] [--rounds 3]
                              [--concurrency 32] [--workers N] [--listed 0.3] [--postgres-url URL]

For each backend a fresh migrated database (bench/registrations.py's Database) gets ``--listings`` listings on the
SMS register (one set-based INSERT … SELECT, registration dates over 400 days, so some numbers are protected and
some not yet) and one active subscription account with API access and one API key per connection, made through
the senders' services. Then the real app runs under uvicorn with ``--workers`` processes (default: the CPU count,
as ``telreg serve``), business time frozen at a Monday morning (:func:`bench_app`: checks are refused during the
nightly update window, and a benchmark must not depend on the hour it is run); the floor (bench/http_load.py: a
minimal ASGI app answering a constant body the size of a check's answer) runs under the same settings.

``--rounds`` interleaved rounds each measure the floor and then every backend for ``--seconds`` with
``--concurrency`` keep-alive connections (bench/http_load.py's raw client), each connection a script with its own
API key sending checks of 100 entries: ``--listed`` of them listed, two malformed, the rest not listed. Every answer
is verified: the first answer to each distinct check is parsed and compared entry by entry with what the fill put
in the register (status, registration date, protection start and whether in force), and every later answer to the
same check must be byte-identical to that verified one (the clock is frozen, so the answer is too). Each check is
recorded (group commit) before it is answered; the records counted afterwards must equal the checks answered.
Figures are the medians over the rounds, with the load average at each measurement.

Goal (issue 18 §2): ≥ 1,000 checks/s (100,000 numbers/s) and p99 < 20 ms with 32 connections on SQLite and on
PostgreSQL. PostgreSQL is used when ``TELREG_BENCH_POSTGRES_URL`` (or the tests' ``TELREG_TEST_POSTGRES_URL``)
answers. A script, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # the sibling bench modules, also when uvicorn imports this one
from http_load import (  # noqa: E402
    Run,
    UvicornServer,
    closed_loop,
    constant_app,
    medians,
    named_cpu_seconds,
    percentiles_ms,
    run_loop,
)
from registrations import Database, postgres_reachable  # noqa: E402
from registrations import console as _console  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from telreg.core.clock import HK, FixedClock  # noqa: E402
from telreg.core.db import make_engine, make_session_factory, unit_of_work  # noqa: E402

BUSINESS_TIME = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)
AS_OF_ENV = "TELREG_BENCH_AS_OF"
PG_URL = os.environ.get("TELREG_BENCH_POSTGRES_URL") or os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MULTIPLIER = 104729  # odd and coprime with 8*10^7: i -> 20000000 + i*M mod 8*10^7 is a permutation
LAST_DAY = dt.date(2026, 3, 2)
PASSWORD = "a long bench pass phrase"
PDF = b"%PDF-1.4\n% bench document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GOAL_RATE, GOAL_P99_MS = 1_000.0, 20.0
MALFORMED = ("2123-45x7", "12345")


class console:  # noqa: N801 - rich's console without wrapping: one figure, one line
    print = staticmethod(functools.partial(_console.print, soft_wrap=True))


def listed_number(i: int) -> str:
    return f"{20_000_000 + (i * MULTIPLIER) % 80_000_000:08d}"


def listed_on(i: int) -> dt.date:
    return LAST_DAY - dt.timedelta(days=i % 400)


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


def seed(db: Database, n: int, keys: int) -> tuple[int, list[str]]:
    """Fill the SMS register; create an active sms subscriber with API access and KEYS keys."""
    from telreg.core import users
    from telreg.senders import api_keys, applications, documents, payments, repository
    from telreg.senders.documents import DocumentUpload
    from telreg.senders.vocabulary import PaymentMethod, Plan, Register

    engine = make_engine(db.url)
    factory = make_session_factory(engine)
    settings, clock = db.settings(), FixedClock(BUSINESS_TIME)
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        session.execute(text(_fill_sql(engine.dialect.name, n)))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # begin(): statistics from a rolled-back ANALYZE are lost
            conn.execute(text("ANALYZE dnc_listings"))
    console.print(f"{db.backend}: {n:,} listings in {time.perf_counter() - started:.1f} s")
    with unit_of_work(factory) as session:
        users.create_user(session, clock=clock, username="bench", password="correct-horse-battery-staple", roles=["dnc-officer"])
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
    with unit_of_work(factory) as session:
        api_keys.set_api_access(session, clock=clock, settings=settings, account_id=account_id, enabled=True,
                                officer="bench")
        # One key per connection, as separate scripts would have (the per-process caller cache holds each).
        plaintexts = [api_keys.create_key(session, clock=clock, settings=settings, account_id=account_id,
                                          label=f"script {i}")[1] for i in range(min(keys, api_keys.MAX_ACTIVE_KEYS))]
    engine.dispose()
    return account_id, plaintexts


def count_records(db: Database) -> int:
    from telreg.senders.models import SenderCheck

    engine = make_engine(db.url)
    with unit_of_work(make_session_factory(engine, readonly=True)) as session:
        found = session.scalar(select(func.count()).select_from(SenderCheck)) or 0
    engine.dispose()
    return found


def bench_app() -> Any:
    """The app uvicorn serves: telreg.app with the business time frozen (``TELREG_BENCH_AS_OF``)."""
    from telreg.app import create_app
    from telreg.config import get_settings
    from telreg.runtime import build_runtime

    settings = get_settings()
    if settings.is_production:
        raise RuntimeError("bench_app is a benchmark harness and refuses TELREG_ENV=production")
    at = dt.datetime.fromisoformat(os.environ.get(AS_OF_ENV, BUSINESS_TIME.isoformat()))
    app = create_app(build_runtime(settings, clock=FixedClock(at)))
    app.state.freeze_after_start = True  # as telreg serve's workers (telreg.core.server_app.public_app)
    return app


# ------------------------------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Check:
    body: bytes
    expected: dict[str, tuple[str, str] | None]  # entry -> (registered_on, protection_starts_on) or None
    listed: int


def make_checks(n: int, listed_share: float, count: int, protection: dict[dt.date, dt.date],
                seed: int = 852) -> list[Check]:
    """Checks of 100 entries: registrable listed numbers, two malformed entries, registrable numbers outside the
    register (the same permutation beyond N: never inserted)."""
    from telreg.core.errors import InvalidNumber
    from telreg.core.phone import parse_registrable

    rng = random.Random(seed)
    listed = round(98 * listed_share)

    def draw(low: int, high: int) -> tuple[int, str]:
        while True:
            i = rng.randrange(low, high)
            try:
                return i, parse_registrable(listed_number(i)).national
            except InvalidNumber:  # the permutation also lands in unassigned ranges; a sender would not hold those
                continue

    checks = []
    for _ in range(count):
        expected: dict[str, tuple[str, str] | None] = {}
        while len(expected) < listed:
            i, number = draw(0, n)
            expected[number] = (listed_on(i).isoformat(), protection[listed_on(i)].isoformat())
        while len(expected) < 98:
            expected.setdefault(draw(n, 80_000_000)[1], None)
        entries = [*expected, *MALFORMED]
        rng.shuffle(entries)
        checks.append(Check(json.dumps({"numbers": entries}).encode(), expected, listed))
    return checks


def protection_starts(db: Database) -> dict[dt.date, dt.date]:
    """Protection start for every registration date the fill uses, by the calendar (the check must agree)."""
    from telreg.core.weather import load_calendar

    settings = db.settings()
    engine = make_engine(db.url)
    with unit_of_work(make_session_factory(engine, readonly=True)) as session:
        calendar = load_calendar(session, settings)
    engine.dispose()
    return {listed_on(i): calendar.add_working_days(listed_on(i), settings.protection_working_days)
            for i in range(400)}


class Verifier:
    """Checks every answer: the first to each check entry by entry, the later ones byte for byte against it."""

    def __init__(self) -> None:
        self.verified: dict[int, bytes] = {}
        self.errors = 0
        self.first_error = ""

    def __call__(self, item: tuple[int, Check], status: int, body: bytes) -> None:
        index, check = item
        known = self.verified.get(index)
        if status == 200 and known is not None:
            if body != known:
                self._fail(f"an answer differs from the verified one: {body[:200]!r}")
            return
        problem = self._problem(check, status, body)
        if problem:
            self._fail(problem)
        else:
            self.verified[index] = body

    def _fail(self, problem: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or problem

    @staticmethod
    def _problem(check: Check, status: int, body: bytes) -> str:
        if status != 200:
            return f"status {status}: {body[:300]!r}"
        answer = json.loads(body)
        on = BUSINESS_TIME.date()
        if len(answer["results"]) != 100 or answer["summary"]["listed"] != check.listed:
            return f"wrong summary {answer['summary']}"
        for result in answer["results"]:
            entry = result["input"]
            if entry in MALFORMED:
                if result["valid"] or result["registers"]["sms"]["status"] != "invalid":
                    return f"{entry} should be invalid"
                continue
            sms = result["registers"]["sms"]
            wanted = check.expected.get(entry, "absent")
            if wanted == "absent" or result["number"] != entry:
                return f"unexpected entry {entry}"
            if wanted is None:
                if sms["status"] != "not_listed":
                    return f"{entry} should not be listed"
            elif (sms["status"], sms["registered_on"], sms["protection_starts_on"], sms["protected"]) != (
                    "listed", wanted[0], wanted[1], on >= dt.date.fromisoformat(wanted[1])):
                return f"{entry}: {sms} but expected {wanted}"
        return ""


def fire(target: str, server: UvicornServer, checks: list[Check], keys: list[str], *, seconds: float,
         concurrency: int, verifier: Verifier | None) -> Run:
    """One closed-loop run against SERVER; prints its figures with the CPU spent per check by the server's
    processes, the database's (PostgreSQL backends) and this client."""
    port = server.port
    heads = [(f"POST /api/v1/senders/me/check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
              "Content-Type: application/json\r\nContent-Length: ").encode() for key in keys or ["none"]]
    rng = random.Random(5)
    deadline = time.perf_counter() + seconds
    sent = [0]
    errors_before = verifier.errors if verifier else 0
    statuses: list[int] = []

    def next_request() -> tuple[bytes, bytes, object] | None:
        if time.perf_counter() >= deadline:
            return None
        index = rng.randrange(len(checks))
        check = checks[index]
        head = heads[sent[0] % len(heads)] + str(len(check.body)).encode() + b"\r\n\r\n"
        sent[0] += 1
        return head, check.body, (index, check)

    def judge(item: Any, status: int, body: bytes) -> None:
        if verifier is not None:
            verifier(item, status, body)
        elif status != 200:
            statuses.append(status)

    cpu = (server.cpu_seconds(), named_cpu_seconds("postgres"), time.process_time())
    workers_before = server.worker_cpu_seconds()
    latencies, elapsed = run_loop(closed_loop(port, next_request, concurrency=concurrency, judge=judge))
    shares = sorted((after - workers_before.get(pid, 0.0)) / elapsed
                    for pid, after in server.worker_cpu_seconds().items() if pid in workers_before)
    server_ms, database_ms, client_ms = (
        (after - before) / max(len(latencies), 1) * 1e3
        for before, after in zip(cpu, (server.cpu_seconds(), named_cpu_seconds("postgres"), time.process_time())))
    p50, p99 = percentiles_ms(latencies)
    errors = (verifier.errors - errors_before) if verifier else len(statuses)
    run = Run(target, len(latencies), elapsed, p50, p99, errors, os.getloadavg()[0])
    console.print(f"{target}: {run.requests:,} checks in {elapsed:.1f} s, {run.rate:,.0f}/s "
                  f"({run.rate * 100:,.0f} numbers/s), p50 {p50:.2f} ms, p99 {p99:.2f} ms, errors {errors}, "
                  f"load average {run.load:.2f}; CPU per check: server {server_ms:.2f} ms"
                  + (f", database {database_ms:.2f} ms" if database_ms else "") + f", client {client_ms:.2f} ms; "
                  f"workers' cores {' / '.join(f'{share:.2f}' for share in reversed(shares))}")
    if verifier is not None and verifier.first_error and errors:
        console.print(f"  first error: {verifier.first_error}")
    return run


def floor_app() -> object:
    """``uvicorn check_api:floor_app --factory``: a constant body the size of a check's answer."""
    size = int(os.environ.get("TELREG_BENCH_FLOOR_BYTES", "16000"))
    return constant_app(b'{"pad":"' + b"x" * max(0, size - 10) + b'"}', b"application/json")


def telreg_server(db: Database, workers: int, *, shared_socket: bool = False) -> UvicornServer:
    settings = db.settings()
    return UvicornServer("check_api:bench_app", workers=workers, app_dir=Path(__file__).parent,
                         shared_socket=shared_socket,
                         ready_path="/api/v1/health", env={
                             "TELREG_DATABASE_URL": settings.database_url, "TELREG_ENV": "development",
                             "TELREG_SECRET_KEY": "bench-secret-key", "TELREG_DATA_DIR": str(settings.data_dir),
                             "TELREG_TELEPHONY_ADAPTER": "logging", AS_OF_ENV: BUSINESS_TIME.isoformat()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--listings", "--n", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--shared-socket", action="store_true",
                        help="one listening socket for all workers (plain uvicorn) instead of one each")
    parser.add_argument("--listed", type=float, default=0.3, help="share of listed numbers per check")
    parser.add_argument("--checks", type=int, default=500, help="distinct checks (each verified in full once)")
    parser.add_argument("--postgres-url", default=PG_URL)
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if "postgres" in backends and (problem := postgres_reachable(args.postgres_url)):
        console.print(f"PostgreSQL skipped: {problem}")
        backends.remove("postgres")
    sockets = "one shared socket" if args.shared_socket else "a socket each"
    console.print(f"{os.cpu_count()} CPUs, {args.workers} uvicorn worker(s) ({sockets}), {args.concurrency} connections, "
                  f"load average at start {os.getloadavg()[0]:.2f}")
    databases = {b: Database(b, args.postgres_url).__enter__() for b in backends}
    runs: dict[str, list[Run]] = {}
    answered: dict[str, int] = {}
    recorded: dict[str, int] = {}
    try:
        keys: dict[str, list[str]] = {}
        for backend, db in databases.items():
            keys[backend] = seed(db, args.listings, args.concurrency)[1]
        any_db = next(iter(databases.values()), None)
        checks = make_checks(args.listings, args.listed, args.checks,
                             protection_starts(any_db) if any_db else {listed_on(i): listed_on(i) for i in range(400)})
        floor_bytes = 16000
        servers: dict[str, UvicornServer] = {}
        for backend, db in databases.items():
            servers[backend] = telreg_server(db, args.workers, shared_socket=args.shared_socket).__enter__()
        verifiers = {b: Verifier() for b in databases}
        try:
            for backend, server in servers.items():  # every worker up, caches warm; also sizes the floor's body
                warm = fire(f"{backend} warm-up", server, checks, keys[backend], seconds=3,
                            concurrency=args.concurrency, verifier=verifiers[backend])
                answered[backend] = warm.requests
                floor_bytes = len(next(iter(verifiers[backend].verified.values()), b"x" * floor_bytes))
            os.environ["TELREG_BENCH_FLOOR_BYTES"] = str(floor_bytes)
            floor = UvicornServer("check_api:floor_app", workers=args.workers, app_dir=Path(__file__).parent,
                                  shared_socket=args.shared_socket,
                                  env={"TELREG_BENCH_FLOOR_BYTES": str(floor_bytes)}).__enter__()
            try:
                fire("floor warm-up", floor, checks, [], seconds=2, concurrency=args.concurrency, verifier=None)
                for round_ in range(args.rounds):
                    runs.setdefault("floor", []).append(fire(
                        f"round {round_ + 1} floor", floor, checks, [], seconds=args.seconds,
                        concurrency=args.concurrency, verifier=None))
                    for backend, server in servers.items():
                        run = fire(f"round {round_ + 1} {backend}", server, checks, keys[backend],
                                   seconds=args.seconds, concurrency=args.concurrency, verifier=verifiers[backend])
                        runs.setdefault(backend, []).append(run)
                        answered[backend] += run.requests
            finally:
                floor.__exit__(None, None, None)
        finally:
            for server in servers.values():
                server.__exit__(None, None, None)  # SIGTERM: the writers drain their queues
        for backend, db in databases.items():
            recorded[backend] = count_records(db)
    finally:
        for db in databases.values():
            db.__exit__(None, None, None)
    report(runs, answered, recorded, args, floor_bytes)


def report(runs: dict[str, list[Run]], answered: dict[str, int], recorded: dict[str, int], args: argparse.Namespace,
           floor_bytes: int) -> None:
    floor = medians(runs["floor"])[0] if runs.get("floor") else None
    console.print(f"\nMedians of {args.rounds} interleaved rounds of {args.seconds:g} s, {args.concurrency} "
                  f"connections, {args.workers} worker(s), {args.listings:,} listings, 100 entries per check "
                  f"(floor: a constant {floor_bytes:,}-byte answer):")
    for target, measured in runs.items():
        rate, p50, p99, errors, loads = medians(measured)
        share = f", {rate / floor:.0%} of the floor" if floor and target != "floor" else ""
        goal = "" if target == "floor" else (
            "  goal met" if rate >= GOAL_RATE and p99 < GOAL_P99_MS else "  goal NOT met")
        records = (f", {recorded[target]:,} records of {answered[target]:,} checks answered"
                   if target in recorded else "")
        console.print(f"  {target:8} {rate:8,.0f} checks/s ({rate * 100:,.0f} numbers/s)  p50 {p50:6.2f} ms  "
                      f"p99 {p99:6.2f} ms  errors {errors}{share}{records}  (load average {loads}){goal}")
    lost = {b: (answered[b], recorded[b]) for b in recorded if recorded[b] < answered[b]}
    if lost:
        console.print(f"RECORDS MISSING (answered, recorded): {lost}")
    if lost or any(r.errors for measured in runs.values() for r in measured):
        sys.exit(1)


if __name__ == "__main__":
    main()
