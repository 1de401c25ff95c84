"""Benchmark real-name registration: a bulk load through the service, quota-checked registrations over HTTP,
and look-ups at that size, on PostgreSQL (or SQLite with --sqlite).

    python bench/realname.py [--registrations 1000000] [--batch 1000] [--loaders 2] [--concurrency 32]
                             [--http 5000] [--get-concurrency 32] [--lookups 2000] [--sqlite] [--no-baseline]
                             [--postgres-url postgresql+psycopg://…]

1. A plan of N registration attempts across 5 operators (market shares 32/26/20/13/9 %) under the hong-kong
   policy: persons with generated identity cards (HKID check digits computed here from the published scheme),
   about 1 % of them minors registered with an adult guardian, 2 % of attempts through an agent, 3.5 % by
   organisations (business registration number, handler, authorisation letter). Identities repeat the way
   subscribers do (half hold one number, a long tail holds many, a few hoarders and large companies try more
   prepaid cards with one operator than the quota allows), so some attempts are refused with quota_reached.
   The script predicts every outcome and counts any attempt whose outcome differs as an error.
2. The peer figure: the same rows (identities with their sealed fields and blind index, numbers,
   registrations, quota counters, audit events, refusals) written into the same tables of a second fresh
   database by COPY (PostgreSQL) or executemany (SQLite), 10,000 registrations per transaction, with no rule
   checked. Sealing is timed apart from the insert. The ratio service/peer says what share of the storage
   ceiling the service reaches; the rest is per-registration rules, round trips, savepoints and crypto.
3. The load itself: ``realname.service.register`` for every attempt, --batch attempts per transaction, in
   plan order. ``--loaders N`` shares the holders out between N processes (a holder's attempts stay in one,
   so quotas count as planned); identities two loaders share (agents, handlers) make one wait for the other's
   commit, and PostgreSQL may abort a batch as a deadlock, which is then run again. On the 2-core machine
   2 loaders registered 2.3x as fast as 1 (3 or 4 were slower than 2), so 2 is the PostgreSQL default.
4. A real uvicorn server on loopback (the app with a frozen clock): POST /api/v1/realname/registrations from
   --concurrency connections of signed-in staff (one clerk per operator), each request a distinct new number; 15 % of the
   holders already hold their prepaid quota with that operator, so refusals (422) happen too.
5. Look-ups at that size: GET /api/v1/realname/numbers/{number} over HTTP from --get-concurrency clients
   (see GET_NOTE); in process, ``views.number_view`` (the service behind that route), the blind-index
   identity look-up (a document's index, its identity, its current registrations per operator), and the
   one-identity look-up's ``lookup.summary`` when realname/lookup exists.

Business time is frozen (FixedClock) so the plan's minors stay minors. A script, not a test: prints figures.
"""

from __future__ import annotations

import argparse
import contextvars
import datetime as dt
import importlib.util
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))  # the sibling bench script, also when uvicorn imports this
from http_load import UvicornServer, closed_loop, constant_app, run_loop  # noqa: E402
from registrations import Database, console, postgres_reachable, progress  # noqa: E402

import realname_profile  # noqa: E402

from telreg.config import Settings  # noqa: E402
from telreg.core.clock import HK, FixedClock  # noqa: E402
from telreg.core.db import make_engine, make_session_factory, unit_of_work  # noqa: E402
from telreg.core.pii_keys import generate_key_ring, parse_key_ring  # noqa: E402
from telreg.core.phone import REGISTRABLE, classify  # noqa: E402
from telreg.core.vault import Vault  # noqa: E402
from telreg.realname.policy import Policy, load_policy  # noqa: E402

BUSINESS_TIME = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)
AS_OF_ENV = "TELREG_BENCH_AS_OF"
PG_URL = os.environ.get("TELREG_BENCH_POSTGRES_URL") or os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POLICY = "hong-kong"
OPERATORS = (("op1", 0.32), ("op2", 0.26), ("op3", 0.20), ("op4", 0.13), ("op5", 0.09))
ORG_BASE = 30_000_000  # holder keys from here on are organisations; below, persons (HKID prefix A-Z)
PEER_CHUNK = 10_000
ACTOR = "bench"
VERIFIED_BY = "none: not verified online"  # the default deployment adapter (UncheckedVerifier)
SURNAMES = ("CHAN", "WONG", "LEE", "CHEUNG", "LAU", "HO", "NG", "LAM", "LEUNG", "CHOW", "TSANG", "YIP", "LO",
            "KWOK", "TANG", "FUNG", "YEUNG", "MAK", "TSE", "SIU", "KWAN", "POON", "CHU", "LUK", "YUEN")
GIVEN = ("Tai", "Siu", "Ka", "Wai", "Chi", "Man", "Ming", "Kwok", "Hoi", "Yan", "Wing", "Mei", "Ho", "Kin",
         "Lok", "Sze", "Yee", "Chun", "Hung", "Fai", "Ling", "Shing", "Tak", "Yuk", "Pui", "Kit")


# ------------------------------------------------------------------------------------------------ identities


def hkid_check_digit(prefix: str, digits: str) -> str:
    """Compute an HKID check digit: a lone prefix letter counts as space (36) + letter, A-Z = 10-35, weights
    9..2 from the left, check = 11 - sum mod 11, written 0 for 11 and A for 10 (the published scheme)."""
    values = ([36] if len(prefix) == 1 else []) + [ord(c) - 55 for c in prefix] + [int(d) for d in digits]
    check = 11 - sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    return {10: "A", 11: "0"}.get(check, str(check))


def is_minor(key: int) -> bool:
    return key % 100 == 37


def person(key: int, *, capture: str = "card_reader") -> dict[str, Any]:
    """The request JSON of person KEY: same name, birth date and identity card every time it appears."""
    prefix, digits = chr(65 + key // 1_000_000), f"{key % 1_000_000:06d}"
    name = f"{SURNAMES[key % 25]} {GIVEN[key // 25 % 26]} {GIVEN[key // 650 % 26]}"
    if is_minor(key):  # 11 to 15 years old on the frozen business day
        born = dt.date(2010, 6, 1) + dt.timedelta(days=key * 7919 % 1500)
    else:  # 21 to 80
        born = dt.date(1946, 1, 1) + dt.timedelta(days=key * 7919 % 21_900)
    number = f"{prefix}{digits}({hkid_check_digit(prefix, digits)})"
    return {"kind": "person", "name": name, "date_of_birth": born.isoformat(),
            "document": {"type": "hkid", "number": number, "capture": capture}}


def organisation(key: int) -> dict[str, Any]:
    number = f"{50_000_000 + key - ORG_BASE:08d}"
    return {"kind": "organisation", "name": f"Bench Trading {key - ORG_BASE} Limited",
            "document": {"type": "hk-br", "number": number, "capture": "manual"},
            "handler": person(handler_of(key)), "authorisation_letter": f"letter ref BR{number}"}


def guardian_of(key: int) -> int:
    return key + 1  # key % 100 == 38: an adult


def handler_of(org_key: int) -> int:
    return (org_key - ORG_BASE) * 7 % 250_000 * 100 + 11  # an adult (ends in 11), prefix A-Y


def holder_json(key: int, capture: str) -> dict[str, Any]:
    return organisation(key) if key >= ORG_BASE else person(key, capture=capture)


def make_numbers(count: int) -> list[str]:
    """COUNT distinct assigned Hong Kong mobile numbers: 5/6/9xxxxxxx permuted, unassigned blocks skipped."""
    numbers, j = [], 0
    while len(numbers) < count:
        candidate = "569"[j % 3] + f"{(j // 3) * 104_729 % 10_000_000:07d}"
        j += 1
        if classify(candidate) in REGISTRABLE:
            numbers.append(candidate)
    return numbers


# ------------------------------------------------------------------------------------------------------ plan


@dataclass
class Plan:
    """N registration attempts in arrival order, each outcome predicted by counting quotas as policy says."""

    policy: Policy
    numbers: list[str]
    holder: array = field(default_factory=lambda: array("q"))
    operator: array = field(default_factory=lambda: array("b"))  # index into OPERATORS
    prepaid: array = field(default_factory=lambda: array("b"))
    agent: array = field(default_factory=lambda: array("q"))  # -1: none
    manual: array = field(default_factory=lambda: array("b"))
    registered: array = field(default_factory=lambda: array("b"))  # predicted outcome
    held: Counter[tuple[int, int, str]] = field(default_factory=Counter)  # after the load
    next_person: int = 0
    next_org: int = ORG_BASE

    def __len__(self) -> int:
        return len(self.holder)

    def counted(self, key: int, prepaid: bool) -> tuple[str, int | None]:
        # Every benchmark number is a mobile line (request() below).
        return self.policy.counter_for(holder_kind="organisation" if key >= ORG_BASE else "person",
                                       service="prepaid" if prepaid else "postpaid", line="mobile")

    def request(self, i: int) -> dict[str, Any]:
        return registration_body(self.holder[i], op=self.operator[i], prepaid=bool(self.prepaid[i]),
                                 number=self.numbers[i], agent=self.agent[i], manual=bool(self.manual[i]))


def registration_body(key: int, *, op: int, prepaid: bool, number: str, agent: int = -1,
                      manual: bool = False) -> dict[str, Any]:
    """The JSON of one registration request, as the API and ``telreg realname register`` take it."""
    body: dict[str, Any] = {
        "operator": OPERATORS[op][0], "number": number, "service": "prepaid" if prepaid else "postpaid",
        "line": "mobile", "holder": holder_json(key, "manual" if manual else "card_reader"),
    }
    if key < ORG_BASE and is_minor(key):
        body["guardian"] = person(guardian_of(key))
    if agent >= 0:
        body["agent"] = person(agent)
    return body


def _attempts_per_identity(rng: random.Random, *, organisation: bool) -> tuple[int, float, float]:
    """How many numbers one identity asks for, how loyal it is to one operator, how often it buys prepaid."""
    if organisation:  # heavy-tailed: most companies hold a few lines, some hundreds
        return min(int(rng.paretovariate(1.1)) * 2, 150), 0.85, 0.7
    roll = rng.random()
    for cumulative, low, high in ((0.50, 1, 1), (0.74, 2, 2), (0.86, 3, 3), (0.92, 4, 4), (0.95, 5, 5),
                                  (0.98, 6, 9), (0.995, 10, 14)):
        if roll < cumulative:
            return rng.randint(low, high), 0.7, 0.55
    return rng.randint(15, 25), 0.95, 0.95  # hoarders: most of these cards go to one operator's quota


def make_plan(n: int, *, policy: Policy, seed: int = 852) -> Plan:
    rng = random.Random(seed)
    plan = Plan(policy=policy, numbers=[])
    weights = [share for _, share in OPERATORS]
    rows: list[tuple[int, int, int, int, int]] = []
    while len(rows) < n:
        is_org = rng.random() < 0.01  # ~3.5 % of attempts: a company asks for ~4x more numbers than a person
        if is_org:
            key, plan.next_org = plan.next_org, plan.next_org + 1
        else:
            key, plan.next_person = plan.next_person, plan.next_person + 1
        count, loyalty, prepaid_share = _attempts_per_identity(rng, organisation=is_org)
        home = rng.choices(range(len(OPERATORS)), weights)[0]
        for _ in range(count):
            op = home if rng.random() < loyalty else rng.choices(range(len(OPERATORS)), weights)[0]
            agent = rng.randrange(0, 250_000) * 100 + 12 if not is_org and rng.random() < 0.02 else -1
            rows.append((key, op, rng.random() < prepaid_share, agent, rng.random() < 0.3))
    del rows[n:]
    rng.shuffle(rows)
    for key, op, prepaid, agent, manual in rows:
        plan.holder.append(key)
        plan.operator.append(op)
        plan.prepaid.append(prepaid)
        plan.agent.append(agent)
        plan.manual.append(manual)
        service, limit = plan.counted(key, bool(prepaid))
        ok = limit is None or plan.held[(key, op, service)] < limit
        plan.registered.append(ok)
        plan.held[(key, op, service)] += ok
    plan.numbers = make_numbers(n)
    return plan


# ------------------------------------------------------------------------------------------------ databases


@dataclass
class Figure:
    what: str
    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    def cut(self, pct: int) -> str:
        if len(self.latencies) < 2:
            return ""
        return f"{statistics.quantiles(self.latencies, n=100, method='inclusive')[pct - 1] * 1000:.2f}"


def bench_settings(db: Database, ring_json: str) -> Settings:
    return db.settings().model_copy(update={"pii_keys": ring_json, "realname_policy": POLICY})


def add_operators(db: Database) -> dict[str, int]:
    from telreg.realname import operators

    engine = make_engine(db.url)
    with unit_of_work(make_session_factory(engine)) as session:
        ids = {code: operators.add_operator(session, clock=FixedClock(BUSINESS_TIME), code=code,
                                            name=f"Operator {code[-1]}", actor=ACTOR).id
               for code, _ in OPERATORS}
    engine.dispose()
    return ids


def analyze(db: Database) -> None:
    """Give PostgreSQL's planner statistics now, as autovacuum soon would (committed: bench/check_api.py)."""
    if db.backend == "postgres":
        engine = make_engine(db.url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()


# ---------------------------------------------------------------------------------------------- service load


@dataclass
class LoadTally:
    """What one batch (or one loader, or the whole load) did."""

    attempts: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    mismatches: int = 0
    statements: int = 0
    retried: int = 0

    def add(self, other: LoadTally) -> None:
        self.attempts += other.attempts
        self.outcomes.update(other.outcomes)
        self.mismatches += other.mismatches
        self.statements += other.statements
        self.retried += other.retried


def _load_part(url: str, ring_json: str, plan: Plan, indices: list[int], *, batch: int,
               report: Callable[[LoadTally], None]) -> None:
    """Register the attempts INDICES through the service, BATCH per transaction, reporting each commit.

    A batch that PostgreSQL aborts as a deadlock (two loaders creating the same agent's or handler's identity
    in crossed order) is rolled back whole and run again; outcomes are counted only once committed.
    """
    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError

    from telreg.realname import service
    from telreg.realname.schemas import RegistrationRequest
    from telreg.realname.verification import UncheckedVerifier

    engine = make_engine(url)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    factory = make_session_factory(engine)
    vault = Vault(parse_key_ring(ring_json, source="bench"))
    clock, verifier = FixedClock(BUSINESS_TIME), UncheckedVerifier()
    for offset in range(0, len(indices), batch):
        for attempt in range(5):
            tally, statements[0] = LoadTally(retried=attempt), 0
            try:
                with unit_of_work(factory) as session:
                    for i in indices[offset: offset + batch]:
                        request = RegistrationRequest.model_validate(plan.request(i))
                        outcome = service.register(session, vault=vault, policy=plan.policy, clock=clock,
                                                   verifier=verifier, request=request, actor=ACTOR)
                        tally.attempts += 1
                        tally.outcomes[outcome.code or outcome.status] += 1
                        if (outcome.status == "registered") != bool(plan.registered[i]) or (
                                outcome.refused and outcome.code != "quota_reached"):
                            tally.mismatches += 1
                            if tally.mismatches <= 3:  # a few per batch say enough
                                console.print(f"[red]attempt {i}: {outcome.as_dict()} (predicted "
                                              f"{'registered' if plan.registered[i] else 'quota_reached'})")
                break
            except DBAPIError as exc:
                if not isinstance(exc.orig, psycopg.errors.DeadlockDetected) or attempt == 4:
                    raise
        tally.statements = statements[0]
        report(tally)
    engine.dispose()


def _child(url: str, ring_json: str, plan: Plan, indices: list[int], batch: int, queue: Any) -> None:
    try:
        _load_part(url, ring_json, plan, indices, batch=batch, report=queue.put)
    finally:
        queue.put(None)


def load_through_service(db: Database, ring_json: str, plan: Plan, *, batch: int, loaders: int) -> Figure:
    """Run every attempt through ``service.register``; LOADERS processes each take the attempts of one share
    of the holders (so no two loaders ever count the same quota), in plan order."""
    total = LoadTally()
    # Blocks of 100 holder keys keep a minor (key % 100 == 37) with its guardian (key + 1) in one loader.
    parts = [[i for i in range(len(plan)) if plan.holder[i] // 100 % loaders == w] for w in range(loaders)]
    with progress() as bar:
        what = f"{db.backend}: service, {batch}/transaction x{loaders}"
        task = bar.add_task(what, total=len(plan), rate="")
        start = time.perf_counter()

        def report(tally: LoadTally) -> None:
            total.add(tally)
            bar.update(task, completed=total.attempts,
                       rate=f"{total.attempts / (time.perf_counter() - start):,.0f}/s")

        if loaders == 1:
            _load_part(db.url, ring_json, plan, parts[0], batch=batch, report=report)
        else:  # forked: the children share the plan's memory until they write to it (they do not)
            context = multiprocessing.get_context("fork")
            queue = context.Queue()
            children = [context.Process(target=_child, args=(db.url, ring_json, plan, part, batch, queue))
                        for part in parts]
            for child in children:
                child.start()
            running = loaders
            while running:
                message = queue.get()
                if message is None:
                    running -= 1
                else:
                    report(message)
            for child in children:
                child.join()
            if any(child.exitcode for child in children):
                raise RuntimeError("a loader failed (its traceback is above)")
        seconds = time.perf_counter() - start
    figure = Figure(f"service.register, {batch}/transaction, {loaders} loader(s)", total.attempts, seconds,
                    errors=total.mismatches + (len(plan) - total.attempts))
    figure.note = (", ".join(f"{code} {n:,}" for code, n in total.outcomes.most_common())
                   + f"; {total.statements / max(total.attempts, 1):.1f} statements/attempt"
                   + (f"; {total.retried} batches rerun after a deadlock" if total.retried else ""))
    return figure


# ----------------------------------------------------------------------------------------------- peer load


class PeerRows:
    """The rows the service writes for the plan, built directly (sealing included), chunk by chunk."""

    def __init__(self, plan: Plan, vault: Vault, operator_ids: dict[str, int]) -> None:
        from telreg.realname.identities import SEALED_FIELDS, document_index

        self.plan, self.vault, self.operator_ids = plan, vault, operator_ids
        self.sealed, self.index = SEALED_FIELDS, document_index
        self.now = BUSINESS_TIME.astimezone(dt.UTC).replace(tzinfo=None)
        self.identity_ids: dict[int, int] = {}
        self.counter_ids: dict[tuple[int, int, str], int] = {}
        self.held: Counter[tuple[int, int, str]] = Counter()
        self.next_number = self.next_registration = 1

    def chunk(self, start: int, stop: int) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
        plan = self.plan
        for i in range(start, stop):
            key, op = plan.holder[i], plan.operator[i]
            code = OPERATORS[op][0]
            service, limit = plan.counted(key, bool(plan.prepaid[i]))
            if not plan.registered[i]:
                tail = (f"{self.held[(key, op, service)]} of {limit} {service} numbers with {code} "
                        "(Hong Kong policy)")
                rows["realname_refusals"].append((code, plan.numbers[i], "register", "quota_reached",
                                                  f"The holder already holds {tail}", self.now, ACTOR))
                continue
            body = plan.request(i)
            parties = {"holder": body["holder"], "guardian": body.get("guardian"), "agent": body.get("agent"),
                       "handler": body["holder"].get("handler")}
            keys = {"holder": key, "guardian": guardian_of(key) if "guardian" in body else None,
                    "agent": plan.agent[i] if plan.agent[i] >= 0 else None,
                    "handler": handler_of(key) if key >= ORG_BASE else None}
            ids = {role: self._identity(keys[role], party, rows) if party else None
                   for role, party in parties.items()}
            counter = (key, op, service)
            if counter not in self.counter_ids:
                self.counter_ids[counter] = len(self.counter_ids) + 1
            self.held[counter] += 1
            number_id, registration_id = self.next_number, self.next_registration
            self.next_number += 1
            self.next_registration += 1
            operator_id = self.operator_ids[code]
            rows["realname_numbers"].append((number_id, operator_id, plan.numbers[i], body["service"],
                                             "mobile", "active", False, self.now, self.now))
            letter = body["holder"].get("authorisation_letter")
            checks = {role: {"capture": party["document"]["capture"], "adapter": "none",
                             "result": "not verified online"} for role, party in parties.items() if party}
            rows["realname_registrations"].append((
                registration_id, number_id, operator_id, ids["holder"], ids["guardian"], ids["agent"],
                ids["handler"],
                self.vault.seal("realname_registrations.authorisation_letter", letter) if letter else None,
                body["holder"]["document"]["capture"], VERIFIED_BY, json.dumps(checks), service, self.now,
                ACTOR))
            details = {"operator": code, "registration_id": registration_id, "holder_identity": ids["holder"],
                       "guardian_identity": ids["guardian"], "agent_identity": ids["agent"],
                       "handler_identity": ids["handler"], "capture": body["holder"]["document"]["capture"],
                       "verified_by": VERIFIED_BY,
                       "quota": {"service": service, "held": self.held[counter], "limit": limit}}
            rows["audit_events"].append((self.now, ACTOR, "realname-registered", "realname-number",
                                         plan.numbers[i], None, json.dumps(details)))
        return rows

    def counters(self) -> list[tuple[Any, ...]]:
        return [(cid, self.identity_ids[key], self.operator_ids[OPERATORS[op][0]], service,
                 self.held[(key, op, service)]) for (key, op, service), cid in self.counter_ids.items()]

    def _identity(self, key: int, party: dict[str, Any], rows: dict[str, list[tuple[Any, ...]]]) -> int:
        found = self.identity_ids.get(key)
        if found is not None:
            return found
        identity_id = self.identity_ids[key] = len(self.identity_ids) + 1
        doc_type = party["document"]["type"]
        normalised = party["document"]["number"].replace("(", "").replace(")", "")
        born = party.get("date_of_birth")
        rows["realname_identities"].append((
            identity_id, party["kind"], doc_type,
            self.index(self.vault, doc_type=doc_type, normalised=normalised),
            self.vault.seal(self.sealed["document"], normalised),
            self.vault.seal(self.sealed["name"], party["name"]),
            self.vault.seal(self.sealed["date_of_birth"], born) if born else None, None, self.now, self.now))
        return identity_id


TABLES = {  # parents first, so foreign keys hold at every chunk's commit
    "realname_identities": ("id", "kind", "doc_type", "document_index", "document_sealed", "name_sealed",
                            "date_of_birth_sealed", "address_sealed", "created_at", "updated_at"),
    "realname_numbers": ("id", "operator_id", "number", "service", "line", "state", "legacy", "created_at",
                         "state_changed_at"),
    "realname_registrations": ("id", "number_id", "operator_id", "holder_id", "guardian_id", "agent_id",
                               "handler_id", "authorisation_letter_sealed", "capture_method", "verified_by",
                               "checks", "quota_service", "registered_at", "registered_by"),
    "audit_events": ("occurred_at", "actor", "action", "subject_type", "subject_key", "register", "details"),
    "realname_refusals": ("operator_code", "number", "action", "code", "message", "at", "actor"),
    "realname_quota_counters": ("id", "identity_id", "operator_id", "service", "held"),
}


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # SQLAlchemy's storage format for DateTime on SQLite
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def writer(db: Database) -> tuple[Callable[[dict[str, list[tuple[Any, ...]]]], None], Callable[[], None]]:
    """Return write(rows by table) — one transaction — and close(), over the driver itself, no ORM."""
    if db.backend == "postgres":
        conn = psycopg.connect(
            make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False))

        def write_pg(rows: dict[str, list[tuple[Any, ...]]]) -> None:
            with conn.transaction(), conn.cursor() as cur:
                for table, table_rows in rows.items():
                    if table_rows:
                        with cur.copy(f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN") as copy:
                            for row in table_rows:
                                copy.write_row(row)
        return write_pg, conn.close

    path = make_url(db.url).database
    lite = sqlite3.connect(str(path), isolation_level=None)
    lite.execute("PRAGMA journal_mode=WAL")
    lite.execute("PRAGMA foreign_keys=ON")

    def write_sqlite(rows: dict[str, list[tuple[Any, ...]]]) -> None:
        lite.execute("BEGIN IMMEDIATE")
        for table, table_rows in rows.items():
            if table_rows:
                marks = ", ".join("?" * len(TABLES[table]))
                lite.executemany(f"INSERT INTO {table} ({', '.join(TABLES[table])}) VALUES ({marks})",
                                 [tuple(_sqlite_value(v) for v in row) for row in table_rows])
        lite.execute("COMMIT")
    return write_sqlite, lite.close


def load_peer(backend: str, pg_url: str, ring_json: str,
              plan: Plan) -> tuple[Figure, Figure, Counter[str]]:
    """Write the plan's rows straight into a second fresh database; return the figures (insert only, sealing
    + insert) and how many rows each table got."""
    with Database(backend, pg_url) as db:
        rows = PeerRows(plan, Vault(parse_key_ring(ring_json, source="bench")), add_operators(db))
        written: Counter[str] = Counter()
        write, close = writer(db)
        building = inserting = 0.0
        with progress() as bar:
            task = bar.add_task(f"{backend}: peer, COPY/executemany", total=len(plan), rate="")
            for start in range(0, len(plan), PEER_CHUNK):
                began = time.perf_counter()
                chunk = rows.chunk(start, min(start + PEER_CHUNK, len(plan)))
                written.update({table: len(table_rows) for table, table_rows in chunk.items()})
                built = time.perf_counter()
                write(chunk)
                building, inserting = building + built - began, inserting + time.perf_counter() - built
                done = min(start + PEER_CHUNK, len(plan))
                bar.update(task, completed=done, rate=f"{done / (building + inserting):,.0f}/s")
            counters = rows.counters()
            written["realname_quota_counters"] = len(counters)
            began = time.perf_counter()
            write({"realname_quota_counters": counters})
            inserting += time.perf_counter() - began
        close()
    return (Figure(f"peer: {'COPY' if backend == 'postgres' else 'executemany'} of the same rows",
                   len(plan), inserting),
            Figure("peer: building rows (sealing) + insert", len(plan), building + inserting), written)


def row_differences(db: Database, written: Counter[str]) -> list[str]:
    """Compare the service's tables with the rows the peer wrote: they must hold as many rows each."""
    engine = make_engine(db.url)
    differences = []
    with engine.connect() as conn:
        for table, expected in written.items():
            where = " WHERE action = 'realname-registered'" if table == "audit_events" else ""
            found = conn.exec_driver_sql(f"SELECT count(*) FROM {table}{where}").scalar_one()
            if found != expected:
                differences.append(f"{table}: service {found:,}, peer {expected:,}")
    engine.dispose()
    return differences


# ------------------------------------------------------------------------------------------------- look-ups


def lookups_in_process(db: Database, settings: Settings, plan: Plan, *, count: int) -> list[Figure]:
    """Time number_view (behind GET /numbers/{number}) and the blind-index identity look-up, one at a time."""
    from telreg.realname import identities, repository, views
    from telreg.realname.models import Registration

    engine = make_engine(db.url)
    factory = make_session_factory(engine, readonly=True)
    vault = Vault(parse_key_ring(settings.pii_keys or "", source="bench"))
    rng = random.Random(11)
    sample = rng.sample(range(len(plan)), min(len(plan), count * 3))
    registered = [i for i in sample if plan.registered[i]][:count]
    holdings: Counter[int] = Counter()
    for (key, _, _), held in plan.held.items():
        holdings[key] += held

    def time_each(what: str, items: list[Any], look: Callable[[Any, Any], bool]) -> Figure:
        latencies, errors = [], 0
        for item in items:
            began = time.perf_counter()
            with factory() as session:
                ok = look(session, item)
            latencies.append(time.perf_counter() - began)
            errors += not ok
        return Figure(what, len(items), sum(latencies), latencies, errors)

    def number_view(session: Any, i: int) -> bool:
        view = views.number_view(session, vault=vault, policy=plan.policy, number=plan.numbers[i])
        return view["registration"] is not None and view["number"] == plan.numbers[i]

    def identity_lookup(session: Any, key: int) -> bool:
        document = holder_json(key, "card_reader")["document"]["number"]
        normalised = document.replace("(", "").replace(")", "")
        index = identities.document_index(vault, doc_type="hkid", normalised=normalised)
        identity = repository.identity_by_index(session, index)
        if identity is None:
            return False
        per_operator = session.execute(
            select(Registration.operator_id, func.count()).where(
                Registration.holder_id == identity.id, Registration.ended_at.is_(None)
            ).group_by(Registration.operator_id)).all()
        return sum(n for _, n in per_operator) == holdings[key]

    persons = [plan.holder[i] for i in registered if plan.holder[i] < ORG_BASE]
    with console.status(f"{db.backend}: look-ups in process"):
        figures = [
            time_each("views.number_view (in process)", registered, number_view),
            time_each("identity by blind index -> registrations per operator", persons, identity_lookup),
        ]
    figures[1].note = "composed from identities.document_index + repository.identity_by_index + a count"
    figures.append(_one_identity_lookup(factory, vault, plan, registered, holdings))
    engine.dispose()
    return figures


def _one_identity_lookup(factory: Any, vault: Vault, plan: Plan, registered: list[int],
                         holdings: Counter[int]) -> Figure:
    """Time ``lookup.summary`` (what a person sees once their code is proved) when realname/lookup exists."""
    what = "one-identity look-up: lookup.summary"
    if importlib.util.find_spec("telreg.realname.lookup") is None:
        return Figure(what, 0, 0, note="skipped: src/telreg/realname/lookup(.py) is not on main")
    from telreg.realname import identities, repository
    from telreg.realname.lookup import LookupAccess, summary

    latencies, errors = [], 0
    try:
        for i in registered:
            key = plan.holder[i]
            with factory() as session:  # the access a proved code grants: identity, operator, number
                holder = holder_json(key, "card_reader")["document"]
                doc_type, document = holder["type"], holder["number"].replace("(", "").replace(")", "")
                identity = repository.identity_by_index(
                    session, identities.document_index(vault, doc_type=doc_type, normalised=document))
                number = repository.number_row(session, plan.numbers[i])
                assert identity is not None and number is not None
                access = LookupAccess(challenge_id=0, identity_id=identity.id, operator_id=number.operator_id,
                                      number_id=number.id, expires_at=BUSINESS_TIME)
            began = time.perf_counter()
            with factory() as session:
                seen = summary(session, access=access)
            latencies.append(time.perf_counter() - began)
            errors += seen["total"] != holdings[key]
    except Exception as exc:  # noqa: BLE001 - a module still in the making must not sink the whole run
        return Figure(what, 0, 0, note=f"skipped: {type(exc).__name__}: {str(exc)[:80]}")
    return Figure(what, len(latencies), sum(latencies), latencies, errors,
                  note="counts per operator + the proved operator's masked numbers")


# ------------------------------------------------------------------------------------------------------ HTTP

COUNT_DIR_ENV = "TELREG_BENCH_COUNT_DIR"  # set: each server process writes its statement counts there at shutdown
_request_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("bench_statements",
                                                                                        default=None)


def bench_app() -> Any:
    """The app uvicorn serves: telreg.app with a frozen clock (the plan's minors must stay minors); with
    TELREG_BENCH_COUNT_DIR set, the SQL statements of each kind of request are counted (``_counted``)."""
    from telreg.app import create_app
    from telreg.config import get_settings
    from telreg.runtime import build_runtime

    settings = get_settings()
    if settings.is_production:
        raise RuntimeError("bench_app is a benchmark harness and refuses TELREG_ENV=production")
    at = dt.datetime.fromisoformat(os.environ.get(AS_OF_ENV, BUSINESS_TIME.isoformat()))
    runtime = build_runtime(settings, clock=FixedClock(at))
    app = create_app(runtime)
    count_dir = os.environ.get(COUNT_DIR_ENV)
    return _counted(app, runtime.engine, Path(count_dir)) if count_dir else app


def _counted(app: Any, engine: Any, count_dir: Path) -> Any:
    """Wrap APP so that the statements each request sends are added up per kind of request (method and the
    route's first segments) and written to COUNT_DIR/<pid>.json when the server shuts down.

    A request's statements are told apart from its neighbours' by a context variable: FastAPI runs sync handlers
    and dependencies in threads with a copy of the request's context, which holds the same counting cell."""
    from sqlalchemy import event

    totals: dict[str, list[int]] = {}  # kind -> [requests, statements]

    def count(*_: Any) -> None:
        cell = _request_statements.get()
        if cell is not None:
            cell[0] += 1

    event.listen(engine, "before_cursor_execute", count)

    async def counted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            async def receive_then_write() -> Any:
                message = await receive()
                if message["type"] == "lifespan.shutdown":
                    (count_dir / f"{os.getpid()}.json").write_text(json.dumps(totals))
                return message
            return await app(scope, receive_then_write, send)
        if scope["type"] != "http":
            return await app(scope, receive, send)
        cell = [0]
        token = _request_statements.set(cell)
        try:
            await app(scope, receive, send)
        finally:
            _request_statements.reset(token)
            kind = f"{scope['method']} {'/'.join(scope['path'].split('/')[:5])}"
            total = totals.setdefault(kind, [0, 0])
            total[0] += 1
            total[1] += cell[0]

    return counted


def floor_app() -> Any:
    """``uvicorn realname:floor_app --factory``: every request (its body read) gets 201 and a registration's
    answer, as fast as the server can answer anything (bench/http_load.py)."""
    return constant_app(FLOOR_BODY, b"application/json")


FLOOR_BODY = json.dumps({"status": "registered", "registration_id": 1, "number": "51234567",
                         "holder": {"kind": "person", "name": "CHAN T. M.", "date_of_birth": "19**-**-**",
                                    "address": None, "document": {"type": "hkid", "number": "A12****(*)"}},
                         "quota": {"held": 1, "limit": 10}}).encode()


def server_env(db: Database, ring_json: str, count_dir: Path | None = None) -> dict[str, str]:
    """The environment of the benchmark's server: the bench's database, key ring and policy."""
    settings = db.settings()
    # The seeded rows say "none: not verified online" (VERIFIED_BY): the server verifies the same way.
    return {"TELREG_DATABASE_URL": settings.database_url, "TELREG_ENV": "development",
            "TELREG_SECRET_KEY": "bench-secret-key", "TELREG_DATA_DIR": str(settings.data_dir),
            "TELREG_TELEPHONY_ADAPTER": "logging", AS_OF_ENV: BUSINESS_TIME.isoformat(),
            "TELREG_PII_KEYS": ring_json, "TELREG_REALNAME_POLICY": POLICY, "TELREG_IDENTITY_VERIFIER": "none",
            **({COUNT_DIR_ENV: str(count_dir)} if count_dir else {})}


def process_tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by process ROOT and its children (the uvicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(entry.name) == root or int(fields[1]) == root:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


STAFF_PASSWORD = "a long bench pass phrase"
# GET /numbers/{number} holds two pooled connections per request: CurrentUser's DbSession and the handler's
# ReadSession. With 15 or more such requests at once every connection of the default pool (5 + 10 overflow)
# can be held by a request waiting for its second one, until the pool's 30 s timeout answers 500.
GET_NOTE = "one pooled connection per request (two used to exhaust the pool at >= 15 clients)"


def staff_of(code: str) -> str:
    """The bench clerk of one operator: operator staff act only for their own operator (issue 5)."""
    return f"bench.clerk.{code}"


def add_staff(db: Database) -> None:
    from telreg.core import users

    engine = make_engine(db.url)
    with unit_of_work(make_session_factory(engine)) as session:
        for code, _ in OPERATORS:
            users.create_user(session, clock=FixedClock(BUSINESS_TIME), username=staff_of(code),
                              password=STAFF_PASSWORD, roles=["operator-staff"], operator=code)
    engine.dispose()


def http_requests(plan: Plan, count: int, *, seed: int = 32) -> list[tuple[dict[str, Any], int]]:
    """COUNT registrations of new numbers with the status each must get: 15 % by holders at their prepaid
    quota with that operator (422), 15 % by holders with room left, each used once (201), the rest by new
    people (201)."""
    rng = random.Random(seed)
    full, room = [], []
    for (key, op, service), held in plan.held.items():
        _, limit = plan.counted(key, service == "prepaid")
        if service == "prepaid" and limit is not None:
            (full if held >= limit else room).append((key, op))
    rng.shuffle(room)
    numbers = make_numbers(len(plan) + count)[len(plan):]
    requests, fresh = [], plan.next_person
    for number in numbers:
        roll = rng.random()
        if roll < 0.15 and full:
            key, op = rng.choice(full)
            requests.append((registration_body(key, op=op, prepaid=True, number=number), 422))
        elif roll < 0.30 and room:
            key, op = room.pop()
            requests.append((registration_body(key, op=op, prepaid=True, number=number), 201))
        else:
            op = rng.choices(range(len(OPERATORS)), [share for _, share in OPERATORS])[0]
            body = registration_body(fresh, op=op, prepaid=rng.random() < 0.55, number=number)
            requests.append((body, 201))
            fresh += 1
    return requests


def sign_in(port: int) -> dict[str, bytes]:
    """Sign each operator's clerk in; return the header lines (cookie, CSRF token) of each one's requests."""
    lines = {}
    for code, _ in OPERATORS:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            answer = client.post("/api/v1/auth/login",
                                 json={"username": staff_of(code), "password": STAFF_PASSWORD})
            answer.raise_for_status()
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            lines[code] = f"Cookie: {cookie}\r\nX-CSRF-Token: {answer.json()['csrf_token']}\r\n".encode()
    return lines


Expected = tuple[int, Callable[[bytes], bool]]


def _post(path: str, body: dict[str, Any], signed: bytes) -> tuple[bytes, bytes]:
    data = json.dumps(body).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n").encode() + signed + b"\r\n"
    return head, data


def _get(path: str, signed: bytes) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + signed + b"\r\n"


def _drive(port: int, jobs: list[tuple[bytes, bytes, Expected]], concurrency: int,
           what: str) -> tuple[list[float], list[int], int, float]:
    """Send JOBS over CONCURRENCY keep-alive connections in a closed loop; return latencies, statuses, errors
    and the elapsed time."""
    queue = iter(jobs)
    statuses: list[int] = []
    errors = [0]

    def judge(expected: Expected, status: int, content: bytes) -> None:
        statuses.append(status)  # in the order closed_loop appends the latencies
        code, shows = expected
        if status != code or not shows(content):
            errors[0] += 1
            if errors[0] <= 3:
                console.print(f"[red]{what}: {status} {content[:300]!r}")

    latencies, seconds = run_loop(closed_loop(port, lambda: next(queue, None), concurrency=concurrency,
                                              judge=judge))
    return latencies, statuses, errors[0], seconds


def _refused_as_quota(content: bytes) -> bool:
    return json.loads(content).get("code") == "quota_reached"


def bench_http(db: Database, ring_json: str, plan: Plan, *, count: int, lookups: int, concurrency: int,
               get_concurrency: int, workers: int) -> list[Figure]:
    """POST registrations, then GET numbers, against ``workers`` uvicorn processes; then the floor app under the
    same server settings with the same POSTs. Prints SQL statements and server CPU per request."""
    add_staff(db)
    posts = http_requests(plan, count)
    rng = random.Random(5)
    sample = rng.sample(range(len(plan)), min(len(plan), lookups * 3))
    gets = [(plan.numbers[i], OPERATORS[plan.operator[i]][0]) for i in sample if plan.registered[i]][:lookups]
    count_dir = Path(tempfile.mkdtemp(prefix="realname-bench-counts-"))
    figures: list[Figure] = []
    server = UvicornServer("realname:bench_app", workers=workers, app_dir=Path(__file__).parent,
                           env=server_env(db, ring_json, count_dir), ready_path="/api/v1/health")
    with server:
        log = _drain(server)
        signed = sign_in(server.port)
        warm = [(_get(f"/api/v1/realname/numbers/{number}", signed[code]), b"", (200, lambda _: True))
                for number, code in gets[:100]]
        _drive(server.port, warm, concurrency, "warm-up")  # connections, pools, compiled statements per worker
        path = "/api/v1/realname/registrations"
        jobs = [(*_post(path, body, signed[body["operator"]]),
                 (code, _refused_as_quota if code == 422 else (lambda _: True))) for body, code in posts]
        cpu = process_tree_cpu(server.process.pid)  # type: ignore[union-attr]
        with console.status(f"POST {path} x{concurrency}, {workers} worker(s)"):
            latencies, statuses, errors, seconds = _drive(server.port, jobs, concurrency, "POST")
        post_cpu = process_tree_cpu(server.process.pid) - cpu  # type: ignore[union-attr]
        post = Figure(f"POST /realname/registrations x{concurrency}, {workers} workers", len(jobs), seconds,
                      latencies, errors)
        figures.append(post)
        for code in sorted(set(statuses)):
            subset = [t for t, c in zip(latencies, statuses, strict=True) if c == code]
            figures.append(Figure(f"  of which answered {code}", len(subset), 0, subset,
                                  note={201: "registered", 422: "refused: quota_reached"}.get(code, "")))
        shows = {number: (200, lambda content, n=number: (json.loads(content)["number"] == n
                                                          and json.loads(content)["registration"] is not None))
                 for number, _ in gets}
        get_jobs = [(_get(f"/api/v1/realname/numbers/{number}", signed[code]), b"", shows[number])
                    for number, code in gets]
        cpu = process_tree_cpu(server.process.pid)  # type: ignore[union-attr]
        with console.status(f"GET /realname/numbers/{{number}} x{get_concurrency}"):
            latencies, _, errors, seconds = _drive(server.port, get_jobs, get_concurrency, "GET")
        get_cpu = process_tree_cpu(server.process.pid) - cpu  # type: ignore[union-attr]
        figures.append(Figure(f"GET /realname/numbers/{{number}} x{get_concurrency}", len(get_jobs), seconds,
                              latencies, errors, note=GET_NOTE))
    if any(f.errors for f in figures) and log:
        console.print("[red]the server said:\n" + "\n".join(log[-60:]), highlight=False)
    counted = _read_counts(count_dir)
    shutil.rmtree(count_dir, ignore_errors=True)
    post_statements = counted.get(f"POST {path}")
    post.note = (f"server CPU {post_cpu / len(jobs) * 1000:.2f} ms/request"
                 + (f", {post_statements:.2f} SQL statements/request" if post_statements else ""))
    get_statements = counted.get("GET /api/v1/realname/numbers")
    figures[-1].note = (f"server CPU {get_cpu / max(len(get_jobs), 1) * 1000:.2f} ms/request"
                        + (f", {get_statements:.2f} SQL statements/request" if get_statements else "")
                        + "; " + GET_NOTE)
    figures.append(bench_floor(posts, concurrency=concurrency, workers=workers))
    floor = figures[-1]
    floor.note = (f"constant answer, same uvicorn settings; registrations reach "
                  f"{post.rate / floor.rate:.1%} of it")
    return figures


def _drain(server: UvicornServer) -> list[str]:
    """Read the server's stderr as it comes (a full pipe would stall a worker at its next logged error)."""
    log: list[str] = []

    def read() -> None:
        assert server.process is not None and server.process.stderr is not None
        for line in server.process.stderr:
            log.append(line.decode(errors="replace").rstrip())

    threading.Thread(target=read, daemon=True).start()
    return log


def _read_counts(count_dir: Path) -> dict[str, float]:
    """Statements per request of each kind, over every worker's file (none when the server did not write)."""
    totals: dict[str, list[int]] = {}
    for path in count_dir.glob("*.json"):
        for kind, (requests, statements) in json.loads(path.read_text()).items():
            total = totals.setdefault(kind, [0, 0])
            total[0] += requests
            total[1] += statements
    return {kind: statements / requests for kind, (requests, statements) in totals.items() if requests}


def bench_floor(posts: list[tuple[dict[str, Any], int]], *, concurrency: int, workers: int) -> Figure:
    """The same POST bodies against the floor app (a constant answer) under the same uvicorn settings."""
    with UvicornServer("realname:floor_app", workers=workers, app_dir=Path(__file__).parent) as server:
        _drain(server)
        jobs = [(*_post("/api/v1/realname/registrations", body, b""), (200, lambda _: True))
                for body, _ in posts]
        _drive(server.port, jobs[:200], concurrency, "floor warm-up")
        cpu = process_tree_cpu(server.process.pid)  # type: ignore[union-attr]
        latencies, _, errors, seconds = _drive(server.port, jobs, concurrency, "floor")
        used = process_tree_cpu(server.process.pid) - cpu  # type: ignore[union-attr]
    figure = Figure(f"floor: constant JSON x{concurrency}, {workers} workers", len(jobs), seconds, latencies,
                    errors)
    figure.note = f"server CPU {used / len(jobs) * 1000:.2f} ms/request"
    return figure


# ------------------------------------------------------------------------------------------------------ main


def summary(figures: list[Figure], *, title: str) -> None:
    table = Table(title=title)
    for column in ("what", "count", "seconds", "per second", "p50 ms", "p95 ms", "p99 ms", "errors", "note"):
        table.add_column(column, justify="left" if column in ("what", "note") else "right")
    for f in figures:
        table.add_row(f.what, f"{f.count:,}" if f.count else "", f"{f.seconds:,.1f}" if f.seconds else "",
                      f"{f.rate:,.0f}" if f.seconds else "", f.cut(50), f.cut(95), f.cut(99),
                      str(f.errors) if f.count else "", f.note)
    # Logs are not terminals: give them a table wide enough to read rather than rich's default 80 columns.
    (console if console.is_terminal else Console(width=170)).print(table)


QUICK = {"registrations": 20_000, "http": 3_000, "lookups": 300, "no_baseline": True, "profile_attempts": 400}
GOAL_P99_MS, GOAL_RATE = 200, 300  # issue 18 §4: POST registrations, 32 clients, PostgreSQL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=1_000_000,
                        help="attempts to load (default 1000000)")
    parser.add_argument("--batch", type=int, default=1_000, help="attempts per transaction (default 1000)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent HTTP clients (default 32)")
    parser.add_argument("--get-concurrency", type=int, default=32,
                        help="concurrent clients of GET /numbers/{number} (default 32)")
    parser.add_argument("--http", type=int, default=5_000, help="HTTP registrations (default 5000)")
    parser.add_argument("--lookups", type=int, default=2_000, help="look-ups of each kind (default 2000)")
    parser.add_argument("--loaders", type=int, default=0,
                        help="loading processes, holders shared out between them (default: 2 on PostgreSQL, "
                        "1 on SQLite, which lets one writer in at a time)")
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite instead of PostgreSQL")
    parser.add_argument("--no-baseline", action="store_true", help="skip the COPY/executemany peer load")
    parser.add_argument("--postgres-url", default=PG_URL, help="an administrative PostgreSQL URL")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn worker processes of the HTTP phase (default: the CPU count, as telreg serve)")
    parser.add_argument("--profile-attempts", type=int, default=1_000,
                        help="registrations profiled one per transaction in process (default 1000; 0: none)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a development run: {QUICK['registrations']:,} attempts loaded, "
                        f"{QUICK['http']:,} over HTTP, {QUICK['lookups']} look-ups, no peer load")
    if "--quick" in sys.argv[1:]:  # the quick run's sizes, unless given
        parser.set_defaults(**QUICK)
    args = parser.parse_args()

    backend = "sqlite" if args.sqlite else "postgres"
    if backend == "postgres" and (problem := postgres_reachable(args.postgres_url)):
        sys.exit(f"PostgreSQL is not reachable ({problem}); run with --sqlite, or give --postgres-url")
    ring_json = json.dumps(generate_key_ring(key_id="bench"))
    with console.status(f"planning {args.registrations:,} registration attempts"):
        plan = make_plan(args.registrations, policy=load_policy(POLICY))
    expected_refusals = len(plan) - sum(plan.registered)
    console.print(f"plan: {len(plan):,} attempts by {plan.next_person:,} persons and "
                  f"{plan.next_org - ORG_BASE:,} organisations; {expected_refusals:,} will hit a quota")

    figures: list[Figure] = []
    written: Counter[str] = Counter()
    if not args.no_baseline:
        *peer_figures, written = load_peer(backend, args.postgres_url, ring_json, plan)
        figures += peer_figures
    with Database(backend, args.postgres_url) as db:
        console.rule(f"{backend}  ({make_url(db.url).render_as_string(hide_password=True)})")
        settings = bench_settings(db, ring_json)
        add_operators(db)
        loaders = args.loaders or (1 if args.sqlite else 2)
        loaded = load_through_service(db, ring_json, plan, batch=args.batch, loaders=loaders)
        figures.insert(0, loaded)
        if differences := row_differences(db, written):
            console.print("[red]the service and the peer wrote different rows: " + "; ".join(differences))
            loaded.errors += len(differences)
        elif written:
            loaded.note += "; the same rows per table as the peer"
        analyze(db)
        figures += lookups_in_process(db, settings, plan, count=args.lookups)
        figures += bench_http(db, ring_json, plan, count=args.http, lookups=args.lookups,
                              concurrency=args.concurrency, get_concurrency=args.get_concurrency,
                              workers=args.workers)
    profile = (realname_profile.profile_run(backend, args.postgres_url, args.profile_attempts)
               if args.profile_attempts else None)

    summary(figures, title=f"real-name registration, {len(plan):,} attempts, 5 operators, {backend} "
                           f"({POLICY} policy)")
    if not args.no_baseline:
        peer = figures[1]
        service_rate, ratio = figures[0].rate, figures[0].rate / peer.rate
        console.print(f"service / peer = {service_rate:,.0f} / {peer.rate:,.0f} registrations per second = "
                      f"{ratio:.3f} (1/{1 / ratio:,.0f}): the service registers at that fraction of the "
                      "speed at which the database merely stores the same rows (no rule checked, no round "
                      "trip per row); the gap is the per-registration rules, queries, savepoints, sealing.")
    for f in figures:  # one plain line each, for logs and narrow terminals
        rate = f" in {f.seconds:.1f} s, {f.rate:.0f}/s" if f.seconds else ""
        cuts = f", p50 {f.cut(50)} p95 {f.cut(95)} p99 {f.cut(99)} ms" if f.latencies else ""
        print(f"{backend}: {f.what}: {f.count}{rate}{cuts}, errors {f.errors}; {f.note}".rstrip("; "))
    if profile is not None:
        print("\n".join(f"{backend}: {line}" for line in profile.lines()))
    post = next(f for f in figures if f.what.startswith("POST"))
    p99 = float(post.cut(99))
    met = p99 < GOAL_P99_MS and post.rate >= GOAL_RATE
    print(f"{backend}: goal (issue 18 §4): POST p99 < {GOAL_P99_MS} ms and >= {GOAL_RATE} registrations/s with "
          f"{args.concurrency} clients: p99 {p99:.0f} ms, {post.rate:.0f}/s with {args.workers} worker(s) -> "
          f"{'met' if met else 'NOT met'}; load average at the end {os.getloadavg()[0]:.2f}")
    if any(f.errors for f in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
