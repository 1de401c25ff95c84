"""Benchmark the real-name tables at national scale on PostgreSQL: 10 million registrations, partitioned by
operator (the schema the migrations build) and, in the same run, the same rows in plain tables.

    python bench/realname_scale.py [--registrations 10000000] [--quick] [--lookups 2000] [--rounds 3]
                                   [--variants partitioned,plain] [--postgres-url postgresql+psycopg://…]

1. Two fresh databases: ``partitioned`` (migrated to head: numbers, registrations and quota counters
   partitioned by HASH (operator_id), migration c18b00000001) and ``plain`` (head, with that migration taken
   down: the single tables it replaces; the hot-path migration after it is taken down first and put back).
2. The fill, set-based and NOT through the service (INSERT … SELECT over generate_series in PostgreSQL, triggers
   and foreign-key checks off for the fill session, the number keys then filled in one statement): 5 operators
   (market shares 32/26/20/13/9 %), R registrations of which 85 % current (one per number, state ``active``)
   and 15 % ended earlier holders (``transferred``), 5 % more numbers never given out or legacy awaiting
   registration, R/2 identities (so a holder holds ~1.7 numbers; spread uniformly by a multiplicative hash), the
   quota counters rebuilt from the registrations as repository.rebuild_quota_counters does. Personal columns hold
   real vault tokens (AES-GCM, the columns' associated data) from a pool of 1,000 sealed people reused across
   rows, so the look-ups open and mask them as in production; the blind index of every identity the look-ups
   use is the vault's real HMAC, the others a SHA-256 of the same length. Identical rows in both databases.
3. Look-ups, each in a fresh read-only session, interleaved between the databases round by round: the number
   view (``views.number_view``, behind GET /api/v1/realname/numbers/{number}), the identity by blind index
   (``identities.document_index`` + ``repository.identity_by_index`` + its current registrations per operator,
   as bench/realname.py composes it), the one-identity look-up (``lookup.summary``, what a person sees once a
   code is proved). p50 and p99 over all rounds.
4. The regulator's daily report: ``reports.take_snapshots`` (the worker's day-end job: state counts of every
   number per operator, the day's lifecycle steps and refusals, one row per operator; rolled back so each round
   writes it again) and ``reports.live_figures`` (today's row on the page): median of the rounds.
5. Both databases are dropped at the end (also on Ctrl-C). Disk: 0.95 GB (partitioned) and 0.83 GB (plain) per
   million registrations (measured at --quick), so ~18 GB at 10 M for both; check ``df -h`` first. Time: the
   --quick fill takes about a minute per database on the 2-core machine with other work running; 10 M takes
   ten times that on a quiet machine and far longer on a loaded one.

The machine is shared: the load average is printed before and after; prefer the figures of a quiet machine.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import io
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from telreg.core.clock import HK, FixedClock
from telreg.core.db import make_engine, make_session_factory
from telreg.core.migrate import MIGRATIONS_DIR, upgrade
from telreg.core.phone import parse_registrable
from telreg.core.pii_keys import generate_key_ring, parse_key_ring
from telreg.core.vault import Vault
from telreg.realname import identities, reports, repository, views
from telreg.realname.lookup import LookupAccess, summary
from telreg.realname.models import Registration
from telreg.realname.policy import load_policy

PG_URL = os.environ.get("TELREG_BENCH_POSTGRES_URL") or os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
OPERATORS = (("op1", 32), ("op2", 26), ("op3", 20), ("op4", 13), ("op5", 9))  # market share, percent
POOL = 1_000  # sealed people reused across identity rows
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=HK)
POLICY = load_policy("hong-kong")
# Plain tables: the partitioning and, first, the migration after it (it may index the partitioned tables).
UNPARTITION = "2026-12-09-1010_realname_partitions.py"
MOBILE_FIRST = ("5", "6", "9")


@dataclass
class Shape:
    """How many rows of each kind, and the numbering plan they are drawn from."""

    registrations: int
    numbers: int = 0  # with a current registration: number i has registration i
    spare: int = 0  # numbers without one (stock, legacy awaiting registration)
    identities: int = 0
    prefixes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.numbers = round(self.registrations * 0.85)
        self.spare = self.numbers // 20
        self.identities = max(self.registrations // 2, 1)
        self.prefixes = _prefixes(self.numbers + self.spare)

    @property
    def capacity(self) -> int:
        return len(self.prefixes) * 1_000_000

    def number(self, i: int) -> str:
        """The national digits of number I (0-based), as the fill's SQL computes them."""
        j = (i * 7_368_787 + 12_345) % self.capacity
        return self.prefixes[j // 1_000_000] + f"{j % 1_000_000:06d}"

    def holder(self, i: int) -> int:
        """The identity id holding number I now (as the fill's SQL computes it)."""
        return 1 + (i * 2_654_435_761 % 4_294_967_296) % self.identities


def _prefixes(needed: int) -> list[str]:
    """Two-digit prefixes whose whole range core/phone.py accepts, mobile ones first, enough for NEEDED numbers."""
    ok = []
    for prefix in (f"{p:02d}" for p in range(10, 100)):
        try:
            for suffix in range(0, 1_000_000, 1_000):
                parse_registrable(f"{prefix}{suffix:06d}")
        except Exception:  # noqa: BLE001 - an unassigned or special range: not used
            continue
        ok.append(prefix)
    ok.sort(key=lambda p: (p[0] not in MOBILE_FIRST, p))
    count = -(-needed // 1_000_000)
    if count > len(ok):
        raise SystemExit(f"{needed:,} numbers do not fit in the {len(ok)} usable prefixes")
    return ok[:max(count, 1)]


# ------------------------------------------------------------------------------------------------ databases


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _migration(filename: str) -> Any:
    path = MIGRATIONS_DIR / "versions" / filename
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(url: str, step: Callable[[], None]) -> None:
    engine = make_engine(url)
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        step()
    engine.dispose()


@contextlib.contextmanager
def database(admin_url: str, variant: str) -> Iterator[str]:
    """A fresh database migrated for VARIANT; dropped afterwards."""
    name = f"telreg_scale_{variant}_{os.getpid()}"
    with psycopg.connect(_dsn(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        if variant == "plain":
            _run(url, _migration(UNPARTITION).downgrade)
        yield url
    finally:
        with psycopg.connect(_dsn(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ----------------------------------------------------------------------------------------------------- fill


def sealed_pool(vault: Vault) -> str:
    """POOL sealed people as COPY text: slot, name, document, date of birth (tokens of their columns)."""
    rng = random.Random(7)
    surnames = ("CHAN", "WONG", "LEE", "CHEUNG", "LAU", "HO", "NG", "LAM", "LEUNG", "CHOW")
    given = ("Tai Man", "Siu Ming", "Ka Yan", "Wai Kin", "Chi Wing", "Mei Ling", "Hoi Yan", "Kwok Wai")
    out = io.StringIO()
    for slot in range(POOL):
        name = f"{rng.choice(surnames)} {rng.choice(given)}"
        document = f"{chr(65 + slot % 26)}{rng.randrange(1_000_000):06d}{rng.randrange(10)}"
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
        cells = (str(slot), vault.seal(identities.SEALED_FIELDS["name"], name),
                 vault.seal(identities.SEALED_FIELDS["document"], document),
                 vault.seal(identities.SEALED_FIELDS["date_of_birth"], born.isoformat()))
        out.write("\t".join(cells) + "\n")
    return out.getvalue()


def _operator_case(column: str) -> str:
    """SQL: the operator id (1-5) of a number by its 0-based index, by market share."""
    bucket, cases, upto = f"(({column} * 37 + 11) % 100)", [], 0
    for position, (_, share) in enumerate(OPERATORS, start=1):
        upto += share
        cases.append(f"WHEN {bucket} < {upto} THEN {position}")
    return "(CASE " + " ".join(cases) + " END)"


def fill_sql(shape: Shape, *, partitioned: bool) -> list[tuple[str, str]]:
    """(what, SQL) in order: the whole fill, set-based."""
    prefixes = "ARRAY[" + ",".join(f"'{p}'" for p in shape.prefixes) + "]"
    number = (f"({prefixes})[((i * 7368787 + 12345) % {shape.capacity}) / 1000000 + 1] "
              f"|| lpad((((i * 7368787 + 12345) % {shape.capacity}) % 1000000)::text, 6, '0')")

    def holder(column: str) -> str:  # Shape.holder in SQL
        return f"(1 + ({column} * 2654435761 % 4294967296) % {shape.identities})"

    checks = json.dumps({"holder": {"capture": "card_reader", "adapter": "none", "result": "not verified online"}})
    total = shape.numbers + shape.spare
    ended = shape.registrations - shape.numbers
    steps = [
        ("operators", "INSERT INTO realname_operators (id, code, name, created_at) VALUES "
         + ", ".join(f"({n}, '{code}', 'Operator {code}', now())" for n, (code, _) in enumerate(OPERATORS, 1))),
        (f"{shape.identities:,} identities", f"""
            INSERT INTO realname_identities (id, kind, doc_type, document_index, document_sealed, name_sealed,
                date_of_birth_sealed, address_sealed, created_at, updated_at)
            SELECT k, 'person', 'hkid', encode(sha256(('bench-document-' || k)::bytea), 'hex'),
                   p.document_sealed, p.name_sealed, p.date_of_birth_sealed, NULL, now(), now()
            FROM generate_series(1::bigint, {shape.identities}) k JOIN bench_pool p ON p.slot = k % {POOL}"""),
        (f"{total:,} numbers", f"""
            INSERT INTO realname_numbers (id, operator_id, number, service, line, state, deadline, legacy,
                created_at, state_changed_at)
            SELECT i + 1, {_operator_case('i')}, {number},
                   CASE WHEN i % 5 < 3 THEN 'prepaid' ELSE 'postpaid' END, 'mobile',
                   CASE WHEN i < {shape.numbers} THEN 'active' ELSE 'unregistered' END, NULL,
                   i >= {shape.numbers} AND i % 2 = 0,
                   timestamp '2024-01-01' + (i % 700) * interval '1 day', timestamp '2024-01-01'
                   + (i % 700) * interval '1 day'
            FROM generate_series(0::bigint, {total - 1}) i"""),
        (f"{shape.registrations:,} registrations", f"""
            INSERT INTO realname_registrations (id, number_id, operator_id, holder_id, capture_method, verified_by,
                checks, quota_service, registered_at, registered_by, ended_at, end_reason)
            SELECT r + 1, n + 1, {_operator_case('n')},
                   CASE WHEN r < {shape.numbers} THEN {holder('n')}
                        ELSE 1 + ((r * 40503 + 7) % {shape.identities}) END,
                   'card_reader', 'none: not verified online', '{checks}'::json,
                   CASE WHEN n % 5 < 3 THEN 'prepaid' ELSE 'postpaid' END,
                   CASE WHEN r < {shape.numbers} THEN timestamp '2024-01-01' + (r % 700) * interval '1 day'
                        ELSE timestamp '2022-01-01' + (r % 600) * interval '1 day' END, 'bench',
                   CASE WHEN r < {shape.numbers} THEN NULL ELSE timestamp '2023-12-01' END,
                   CASE WHEN r < {shape.numbers} THEN NULL ELSE 'transferred' END
            FROM (SELECT r, CASE WHEN r < {shape.numbers} THEN r ELSE (r * 3) % {shape.numbers} END AS n
                  FROM generate_series(0::bigint, {shape.registrations - 1}) r) s"""),
        ("quota counters", """
            INSERT INTO realname_quota_counters (identity_id, operator_id, service, held)
            SELECT holder_id, operator_id, quota_service, count(*) FROM realname_registrations
            WHERE ended_at IS NULL GROUP BY holder_id, operator_id, quota_service"""),
    ]
    if ended < 0:
        raise SystemExit("more numbers than registrations")
    if partitioned:
        steps.append(("number keys", "INSERT INTO realname_number_keys (id, number, iccid, operator_id) "
                                     "SELECT id, number, iccid, operator_id FROM realname_numbers"))
    steps.append(("sequences", """
        SELECT setval('realname_identities_id_seq', (SELECT max(id) FROM realname_identities)),
               setval('realname_numbers_id_seq', (SELECT max(id) FROM realname_numbers)),
               setval('realname_registrations_id_seq', (SELECT max(id) FROM realname_registrations))"""))
    return steps


def fill(url: str, shape: Shape, pool: str, *, partitioned: bool, say: Callable[[str], None]) -> float:
    """Fill the database; return the seconds it took (ANALYZE included)."""
    began = time.perf_counter()
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # no triggers, no FK checks: a bulk load
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("CREATE UNLOGGED TABLE bench_pool (slot int PRIMARY KEY, name_sealed text, "
                     "document_sealed text, date_of_birth_sealed text)")
        with conn.cursor().copy("COPY bench_pool FROM STDIN") as copy:
            copy.write(pool)
        for what, sql in fill_sql(shape, partitioned=partitioned):
            step = time.perf_counter()
            conn.execute(sql)
            say(f"    {what}: {time.perf_counter() - step:.1f} s")
        conn.execute("DROP TABLE bench_pool")
        conn.execute("ANALYZE")
    return time.perf_counter() - began


def index_real_documents(url: str, vault: Vault, ids: set[int]) -> dict[int, str]:
    """Give the identities the look-ups use the vault's real blind index of a document; return their documents."""
    documents = {k: f"Z{k:09d}" for k in ids}
    rows = [(k, identities.document_index(vault, doc_type="hkid", normalised=doc)) for k, doc in documents.items()]
    with psycopg.connect(_dsn(url), autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany("UPDATE realname_identities SET document_index = %s WHERE id = %s",
                        [(index, k) for k, index in rows])
    return documents


def database_size(url: str) -> int:
    with psycopg.connect(_dsn(url)) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


# -------------------------------------------------------------------------------------------------- look-ups


@dataclass
class Lookups:
    """The timed look-ups of one database, accumulated over rounds."""

    url: str
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0

    def add(self, what: str, seconds: float) -> None:
        self.times.setdefault(what, []).append(seconds)


def run_lookups(into: Lookups, vault: Vault, shape: Shape, sample: list[int], documents: dict[int, str]) -> None:
    engine = make_engine(into.url)
    factory = make_session_factory(engine, readonly=True)

    def timed(what: str, look: Callable[[Any], bool]) -> None:
        began = time.perf_counter()
        with factory() as session:
            ok = look(session)
        into.add(what, time.perf_counter() - began)
        into.errors += not ok

    for i in sample:
        national, k = shape.number(i), shape.holder(i)
        timed("number view", lambda s: (views.number_view(s, vault=vault, policy=POLICY, number=national)
                                        ["registration"] is not None))

        def by_index(session: Any) -> bool:
            index = identities.document_index(vault, doc_type="hkid", normalised=documents[k])
            identity = repository.identity_by_index(session, index)
            if identity is None:
                return False
            per_operator = session.execute(
                select(Registration.operator_id, func.count())
                .where(Registration.holder_id == identity.id, Registration.ended_at.is_(None))
                .group_by(Registration.operator_id)).all()
            return sum(n for _, n in per_operator) >= 1

        timed("identity by blind index", by_index)
        with factory() as session:  # the access a proved code grants (not timed: the code's own look-up)
            number = repository.number_row(session, national)
            assert number is not None, national
            access = LookupAccess(challenge_id=0, identity_id=k, operator_id=number.operator_id,
                                  number_id=number.id, expires_at=NOW)
        timed("one-identity summary", lambda s: any(n["proved"] for n in summary(s, access=access)["numbers"]))
    engine.dispose()


def run_report(into: Lookups) -> None:
    engine = make_engine(into.url)
    factory = make_session_factory(engine)
    clock = FixedClock(NOW)
    for what, report in (("daily report (take_snapshots)",
                          lambda s: reports.take_snapshots(s, clock=clock, policy=POLICY, day=NOW.date()) == 5),
                         ("live figures", lambda s: len(reports.live_figures(s, policy=POLICY)) == 5)):
        with factory() as session:
            began = time.perf_counter()
            ok = report(session)
            into.add(what, time.perf_counter() - began)
            into.errors += not ok
            session.rollback()  # each round writes the day's rows again
    engine.dispose()


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="1,000,000 registrations and 600 look-ups")
    parser.add_argument("--lookups", type=int, default=2_000, help="per kind and database, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default="partitioned,plain")
    parser.add_argument("--postgres-url", default=PG_URL)
    args = parser.parse_args(argv)
    if args.quick:
        args.registrations, args.lookups = 1_000_000, 600
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not set(variants) <= {"partitioned", "plain"} or not variants:
        parser.error("--variants takes partitioned and/or plain")

    def say(text: str) -> None:
        print(text, flush=True)

    shape = Shape(args.registrations)
    vault = Vault(parse_key_ring(json.dumps(generate_key_ring(key_id="bench")), source="bench"))
    say(f"realname_scale: {shape.registrations:,} registrations, {shape.numbers + shape.spare:,} numbers, "
        f"{shape.identities:,} identities, 5 operators; PostgreSQL; load average {_load()}")
    rng = random.Random(18)
    sample = [rng.randrange(shape.numbers) for _ in range(args.lookups)]
    pool = sealed_pool(vault)
    results: dict[str, Lookups] = {}
    fills: dict[str, tuple[float, int]] = {}
    with contextlib.ExitStack() as stack:
        for variant in variants:
            url = stack.enter_context(database(args.postgres_url, variant))
            say(f"  fill {variant} (set-based, not through the service):")
            seconds = fill(url, shape, pool, partitioned=variant == "partitioned", say=say)
            documents = index_real_documents(url, vault, {shape.holder(i) for i in sample})
            fills[variant] = (seconds, database_size(url))
            say(f"  {variant}: filled in {seconds:.1f} s, {fills[variant][1] / 1e9:.2f} GB")
            results[variant] = Lookups(url)
        per_round = -(-len(sample) // args.rounds)
        for round_ in range(args.rounds):
            chunk = sample[round_ * per_round:(round_ + 1) * per_round]
            for variant in variants:  # interleaved: a burst of load hits both alike
                run_lookups(results[variant], vault, shape, chunk, documents)
                run_report(results[variant])
            say(f"  round {round_ + 1}/{args.rounds} done; load average {_load()}")
        _print(results, fills, variants)
    say(f"load average at the end {_load()}; databases dropped")


def _print(results: dict[str, Lookups], fills: dict[str, tuple[float, int]], variants: list[str]) -> None:
    kinds = list(next(iter(results.values())).times)
    head = f"{'':34}" + "".join(f"{v:>32}" for v in variants) + ("   plain/partitioned" if len(variants) == 2 else "")
    print("\n" + head)
    print(f"{'fill (s) / size (GB)':34}" + "".join(f"{fills[v][0]:>22.1f} s / {fills[v][1] / 1e9:>5.2f} GB"
                                                    for v in variants))
    for kind in kinds:
        cells, ratios = [], []
        for v in variants:
            values = results[v].times[kind]
            if kind.startswith(("daily", "live")):
                cells.append(f"median {statistics.median(values) * 1e3:>9.1f} ms")
                ratios.append(statistics.median(values))
            else:
                cells.append(f"p50 {_quantile(values, .5) * 1e3:6.2f} p99 {_quantile(values, .99) * 1e3:6.2f} ms")
                ratios.append(_quantile(values, .99))
        ratio = f"   {ratios[1] / ratios[0]:.2f}x" if len(ratios) == 2 and ratios[0] else ""
        print(f"{kind:34}" + "".join(f"{c:>32}" for c in cells) + ratio)
    errors = {v: results[v].errors for v in variants}
    print(f"{'errors (wrong or missing answers)':34}" + "".join(f"{errors[v]:>32}" for v in variants))
    print(f"(look-ups: n={len(results[variants[0]].times[kinds[0]])} each; ratio of p99 or of the median)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
