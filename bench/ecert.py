"""Benchmark the e-Cert CA: issuance end to end (service, database, audit on) and OCSP over HTTP on loopback.

    python bench/ecert.py [--backends sqlite,postgres] [--seconds 10] [--certificates 10000] [--concurrency 32]
                          [--single 1000] [--parallel 1000] [--processes 2] [--batch 100] [--revoked 100]
                          [--client raw|httpx] [--postgres-url postgresql+psycopg://…]

For each backend the script creates a fresh temporary database (migrated by telreg.core.migrate.upgrade) and a
temporary data directory, and:

1. creates a CA there with ``hierarchy.init_hierarchy`` (software keys, recorded and audited, as at the ceremony);
2. issues ``--certificates`` certificates (profile ``personal``, ECDSA P-256 subscriber keys made beforehand, as a
   CSR would bring them) through ``issuance.issue_certificate`` / ``issue_certificates``, audit on, in three modes:
   ``--single`` one per transaction in a loop; ``--parallel`` one per transaction from ``--processes`` processes at
   once (issuance is CPU-bound Python, so the platform scales by processes: uvicorn and worker processes, one GIL
   each); and the rest in batches of ``--batch`` (``issue_certificates``: one commit of intents per batch). The
   time of each issuance is split into: checks and the linting twin (build, throwaway signature, lint), the
   intent's own transaction, the CA's signature, the row's update (a flush), the ``ecert.issue`` audit event, and
   the caller's commit, by timing those calls of the real code path;
3. revokes ``--revoked`` of them (``revocation.revoke``) and pre-signs every response through
   ``status_jobs.refresh_all`` — what the worker's ``ecert.ocsp-refresh`` job runs — into ``ecert_ocsp_responses``;
4. starts the real app (``telreg.app:create_app``, system clock) under uvicorn in a separate process on a free
   loopback port, access log off (bench/registrations.py's Server), and sends OCSP requests (DER from
   ``cryptography``'s OCSPRequestBuilder, SHA-1 CertIDs as browsers and ``openssl ocsp`` send them) for random
   issued serials, 1 % of them for serials never issued, from ``--concurrency`` connections: first one pass over
   every serial (each one's first answer comes from the table, later ones from the responder's memory: "warm-up"),
   then POST /ecert/ocsp for ``--seconds`` and GET /ecert/ocsp/{base64} for ``--seconds``. Every answer is decoded
   and checked against the serial asked and the status expected (good, revoked, unknown): the status mix is the
   one the client saw.

Once per run, on the same machine:

5. the floor: a minimal ASGI app answering every request with a constant 1 KB body, under the same uvicorn
   settings (httptools, uvloop, one process) and fired at by the same client: how close the responder is to
   what the framework can serve at all;
6. the ceiling: ``cryptography``'s raw ECDSA P-256 signing rate (a 300-byte TBS), its certificate-builder signing
   rate (a ``personal`` certificate as issuance builds it) and its OCSP-response signing rate. An issuance signs
   twice (the linting twin and the certificate), so half the builder rate bounds issuance on one core.

The client (``--client raw``, the default) is a small HTTP/1.1 keep-alive client on asyncio streams (uvloop) in
this process. httpx (``--client httpx``, kept for comparison) cannot measure this: against the floor, on the
2-core machine the figures were taken on, httpx 0.29 made ~1,200 requests/s over one connection and ~330/s over
32 (its connection pool's cost grows with the connections), while the raw client drives the floor above
40,000/s — so the client is not what limits the responder's figures, and the floor row shows it each run. Latencies are as the client sees them,
from writing the request to reading the whole answer; with N connections in a closed loop, Little's law ties
them to the rate (mean latency = N / rate), so p99 < 10 ms at 32 connections needs well above 3,200 answers/s.

PostgreSQL is used when ``TELREG_BENCH_POSTGRES_URL`` (or the tests' ``TELREG_TEST_POSTGRES_URL``) answers.
A script, not a test: it prints figures. ``--seconds 5`` finishes within a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import multiprocessing
import os
import queue
import random
import statistics
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import NameOID
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))  # the sibling bench script, also when uvicorn imports this module
import registrations  # noqa: E402
from http_load import RawConnection, constant_app, run_loop  # noqa: E402
from registrations import Database, console, postgres_reachable  # noqa: E402

from telreg.config import Settings  # noqa: E402
from telreg.core.db import unit_of_work  # noqa: E402

PG_URL = os.environ.get("TELREG_BENCH_POSTGRES_URL") or os.environ.get(
    "TELREG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PUBLIC_URL = "http://ecert.telreg.test"
ROOT_PASSPHRASE = b"bench root ceremony passphrase"
PROFILE = "personal"
ACTOR = "bench-officer"
KEY_POOL = 256  # subscriber keys, reused round-robin (made beforehand: the subscriber's work, not the CA's)
UNKNOWN_SERIALS = 100  # serials never issued, asked 1 % of the time
UNKNOWN_SHARE = 0.01
FLOOR_BODY = bytes(range(256)) * 4  # 1 KB
GOAL_ISSUANCE = 300.0
GOAL_OCSP_RATE = 3_000.0
GOAL_OCSP_P99_MS = 10.0


# ------------------------------------------------------------------------------------------------------- set-up


def bench_settings(db: Database) -> Settings:
    return db.settings().model_copy(update={"ecert_public_url": PUBLIC_URL})


def subscriber_keys(count: int = KEY_POOL) -> list[Any]:
    return [ec.generate_private_key(ec.SECP256R1()).public_key() for _ in range(count)]


def subject(i: int) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"BENCH Subscriber {i:07d}")])


def init_ca(settings: Settings) -> tuple[Any, Any, float]:
    """A runtime on the database and a CA initialised in its data directory (recorded and audited)."""
    from telreg.ecert.hierarchy import init_hierarchy
    from telreg.runtime import build_runtime

    runtime = build_runtime(settings)
    started = time.perf_counter()
    with unit_of_work(runtime.session_factory) as session:
        hierarchy = init_hierarchy(settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE, session=session,
                                   actor="bench-ceremony")
    return runtime, hierarchy, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------------- issuance

PHASES = ("checks + linting twin", "intent transaction", "CA signature", "row update (flush)", "audit event",
          "commit", "rest")


@dataclass
class IssuanceFigure:
    backend: str
    mode: str
    count: int
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, summed over the run

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def share(self, *names: str) -> float | None:
        if not self.phases:
            return None
        return sum(self.phases.get(name, 0.0) for name in names) / self.seconds


class _TimedKey:
    """The issuing CA's key, timing its signatures (the CaKey interface)."""

    def __init__(self, key: Any, phases: Counter[str]) -> None:
        self._key, self._phases = key, phases

    @property
    def algorithm(self) -> str:
        return str(self._key.algorithm)

    def public_key(self) -> Any:
        return self._key.public_key()

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        started = time.perf_counter()
        try:
            return self._key.sign_certificate(builder)
        finally:
            self._phases["CA signature"] += time.perf_counter() - started

    def sign_crl(self, builder: Any) -> Any:
        return self._key.sign_crl(builder)


@contextlib.contextmanager
def timed_issuance(hierarchy: Any, phases: Counter[str]) -> Iterator[Any]:
    """Time the steps of the real issuance path (module functions wrapped for the duration); yield the hierarchy
    to issue with (its issuing key timed). The wrappers add a few perf_counter calls per issuance, nothing else."""
    from telreg.core import audit
    from telreg.ecert import issuance
    from telreg.ecert.keys import Authority

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] += time.perf_counter() - started
        return wrapper

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    original_record_many, original_lint, original_intents = (audit.record_many, issuance._build_and_lint,
                                                             issuance._record_intents)
    flush_started: list[float] = []

    # The rows' UPDATE is the flush just before the audit events are written (issuance flushes, then calls
    # audit.record_many): timed with the session's flush events, the events' INSERT by wrapping record_many.
    def before_flush(*_: Any) -> None:
        flush_started.append(time.perf_counter())

    def after_flush(*_: Any) -> None:
        if flush_started:
            phases["row update (flush)"] += time.perf_counter() - flush_started.pop()

    audit.record_many = timed("audit event", original_record_many)  # type: ignore[assignment]
    issuance._build_and_lint = timed("checks + linting twin", original_lint)  # type: ignore[assignment]
    issuance._record_intents = timed("intent transaction", original_intents)  # type: ignore[assignment]
    event.listen(Session, "before_flush", before_flush)
    event.listen(Session, "after_flush_postexec", after_flush)
    try:
        yield dataclasses.replace(hierarchy, issuing=Authority(certificate=hierarchy.issuing.certificate,
                                                               key=_TimedKey(hierarchy.issuing.key, phases)))
    finally:
        event.remove(Session, "before_flush", before_flush)
        event.remove(Session, "after_flush_postexec", after_flush)
        audit.record_many = original_record_many  # type: ignore[assignment]
        issuance._build_and_lint = original_lint  # type: ignore[assignment]
        issuance._record_intents = original_intents  # type: ignore[assignment]


def _finish_phases(phases: Counter[str], seconds: float) -> dict[str, float]:
    result = dict(phases)
    result["rest"] = max(0.0, seconds - sum(result.values()))
    return result


def issue_single(runtime: Any, hierarchy: Any, keys: list[Any], start: int, count: int, *,
                 phases: Counter[str] | None = None) -> float:
    """Issue COUNT certificates one transaction each; return the seconds it took."""
    from telreg.ecert.issuance import issue_certificate

    factory = runtime.session_factory
    started = time.perf_counter()
    for i in range(start, start + count):
        with unit_of_work(factory) as session:
            issue_certificate(session, runtime=runtime, hierarchy=hierarchy, profile=PROFILE, subject=subject(i),
                              public_key=keys[i % len(keys)], subject_kind="person", actor=ACTOR)
            before_commit = time.perf_counter()
        if phases is not None:
            phases["commit"] += time.perf_counter() - before_commit
    return time.perf_counter() - started


def issue_batched(runtime: Any, hierarchy: Any, keys: list[Any], start: int, count: int, batch: int, *,
                  phases: Counter[str] | None = None) -> float:
    from telreg.ecert.issuance import IssueRequest, issue_certificates

    factory = runtime.session_factory
    started = time.perf_counter()
    for offset in range(start, start + count, batch):
        requests = [IssueRequest(profile=PROFILE, subject=subject(i), public_key=keys[i % len(keys)],
                                 subject_kind="person") for i in range(offset, min(offset + batch, start + count))]
        with unit_of_work(factory) as session:
            issue_certificates(session, runtime=runtime, hierarchy=hierarchy, requests=requests, actor=ACTOR)
            before_commit = time.perf_counter()
        if phases is not None:
            phases["commit"] += time.perf_counter() - before_commit
    return time.perf_counter() - started


def _parallel_worker(settings: Settings, start: int, count: int, barrier: Any, results: Any) -> None:
    """One of --processes processes issuing one certificate per transaction (spawned: its own engine and GIL)."""
    from telreg.core.migrate import import_all_models
    from telreg.ecert.hierarchy import load_hierarchy
    from telreg.runtime import build_runtime

    import_all_models()  # a spawned process has imported no model yet: the mappers need every table
    runtime = build_runtime(settings)
    hierarchy = load_hierarchy(settings)
    keys = subscriber_keys(64)
    issue_single(runtime, hierarchy, keys, start, 2)  # warm the code paths and the connection
    barrier.wait()
    began = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
    issue_single(runtime, hierarchy, keys, start + 2, count)
    results.put((count + 2, began, time.monotonic()))
    runtime.engine.dispose()


def issue_parallel(settings: Settings, start: int, count: int, processes: int) -> tuple[int, float]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    share = count // processes
    workers = [context.Process(target=_parallel_worker, args=(settings, start + p * (share + 2), share, barrier,
                                                              results)) for p in range(processes)]
    for worker in workers:
        worker.start()
    outcomes = []
    while len(outcomes) < len(workers):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                for w in workers:
                    w.kill()
                raise RuntimeError("an issuing process failed") from None
    for worker in workers:
        worker.join(timeout=60)
        if worker.exitcode != 0:
            raise RuntimeError(f"an issuing process failed (exit code {worker.exitcode})")
    timed = processes * share
    return timed, max(end for _, _, end in outcomes) - min(began for _, began, _ in outcomes)


def bench_issuance(db: Database, runtime: Any, hierarchy: Any, args: argparse.Namespace) -> list[IssuanceFigure]:
    settings = runtime.settings
    keys = subscriber_keys()
    figures = []
    issue_single(runtime, hierarchy, keys, 0, 20)  # warm-up: code paths, connection pool, statement caches
    done = 20
    with console.status(f"{db.backend}: {args.single:,} issuances, one transaction each"):
        phases: Counter[str] = Counter()
        with timed_issuance(hierarchy, phases) as timed:
            seconds = issue_single(runtime, timed, keys, done, args.single, phases=phases)
    figures.append(IssuanceFigure(db.backend, "single", args.single, seconds,
                                  _finish_phases(phases, seconds)))
    done += args.single
    if args.parallel and args.processes > 1:
        with console.status(f"{db.backend}: {args.parallel:,} issuances from {args.processes} processes"):
            count, seconds = issue_parallel(settings, done, args.parallel, args.processes)
        figures.append(IssuanceFigure(db.backend, f"single ×{args.processes} procs", count, seconds))
        done += count + 2 * args.processes
    batched = max(0, args.certificates - done)
    if batched:
        with console.status(f"{db.backend}: {batched:,} issuances in batches of {args.batch}"):
            phases = Counter()
            with timed_issuance(hierarchy, phases) as timed:
                seconds = issue_batched(runtime, timed, keys, done, batched, args.batch, phases=phases)
        figures.append(IssuanceFigure(db.backend, f"batch {args.batch}", batched, seconds,
                                      _finish_phases(phases, seconds)))
    for f in figures:
        console.print(f"{db.backend}: {f.mode}: {f.count:,} in {f.seconds:.1f} s, {f.rate:,.0f}/s")
    return figures


# ------------------------------------------------------------------------------------------- revoke, pre-sign


@dataclass
class Target:
    """One OCSP request to send and what its answer must say."""

    der: bytes
    get_path: bytes
    serial: int
    expected: str  # good | revoked | unknown


def revoke_and_presign(db: Database, runtime: Any, hierarchy: Any, revoked: int) -> tuple[list[Target], int, float]:
    """Revoke REVOKED certificates, pre-sign every response (the worker's refresh), and return the requests to
    send (every issued certificate, and serials never issued), how many were signed, and how long that took."""
    from telreg.ecert import revocation, status_jobs
    from telreg.ecert.models import Certificate
    from telreg.ecert.status_models import OcspResponseRecord

    issuer = hierarchy.issuing.certificate
    with unit_of_work(runtime.session_factory) as session:
        rows = list(session.scalars(select(Certificate).where(Certificate.profile == PROFILE)
                                    .order_by(Certificate.id)))
        chosen = random.Random(15).sample(range(len(rows)), min(revoked, len(rows)))
        for index in chosen:
            revocation.revoke(session, clock=runtime.clock, certificate=rows[index], reason="keyCompromise",
                              actor=ACTOR)
        issued = [(x509.load_der_x509_certificate(row.der), row.state) for row in rows]
    with console.status(f"{db.backend}: pre-signing OCSP responses (status_jobs.refresh_all)"):
        started = time.perf_counter()
        with unit_of_work(runtime.session_factory) as session:
            signed = status_jobs.refresh_all(session, runtime)
        seconds = time.perf_counter() - started
        with unit_of_work(runtime.read_session_factory) as session:
            stored = session.scalar(select(func.count()).select_from(OcspResponseRecord))
    console.print(f"{db.backend}: {len(chosen)} revoked; {signed:,} responses pre-signed in {seconds:.1f} s "
                  f"({signed / seconds:,.0f}/s), {stored:,} in ecert_ocsp_responses")
    targets = [_target(x509_ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()),
                       cert.serial_number, "good" if state == "good" else "revoked") for cert, state in issued]
    name_hash, key_hash = _issuer_hashes(issuer)
    rng = random.Random(852)
    for _ in range(UNKNOWN_SERIALS):
        serial = rng.getrandbits(150) | (1 << 150)  # the length of ours, never drawn by new_serial's CSPRNG
        targets.append(_target(x509_ocsp.OCSPRequestBuilder().add_certificate_by_hash(
            name_hash, key_hash, serial, hashes.SHA1()), serial, "unknown"))
    return targets, signed, seconds


def _issuer_hashes(issuer: x509.Certificate) -> tuple[bytes, bytes]:
    from telreg.ecert.ocsp import issuer_hashes

    return issuer_hashes(issuer)["sha1"]


def _target(builder: x509_ocsp.OCSPRequestBuilder, serial: int, expected: str) -> Target:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = builder.build().public_bytes(Encoding.DER)
    encoded = urllib.parse.quote(base64.b64encode(der).decode(), safe="")
    return Target(der=der, get_path=f"/ecert/ocsp/{encoded}".encode(), serial=serial, expected=expected)


# ------------------------------------------------------------------------------------------------------- client


@dataclass
class OcspFigure:
    backend: str
    what: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: Counter[str]
    errors: int
    concurrency: int
    body_bytes: int
    method: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class Checker:
    """Decode each distinct answer once (pre-signed answers repeat byte for byte) and check it."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[str, int | None]] = {}

    def status(self, body: bytes) -> tuple[str, int | None]:
        found = self._seen.get(body)
        if found is None:
            try:
                response = x509_ocsp.load_der_ocsp_response(body)
                if response.response_status is not x509_ocsp.OCSPResponseStatus.SUCCESSFUL:
                    found = (response.response_status.name.lower(), None)
                else:
                    found = (response.certificate_status.name.lower(), response.serial_number)
            except ValueError:
                found = ("undecodable", None)
            if len(self._seen) < 100_000:
                self._seen[body] = found
        return found


async def fire(port: int, targets: list[Target], *, method: str, concurrency: int, seconds: float | None,
               client: str, check: bool, sequence: list[int] | None = None) -> tuple[list[float], Counter[str], int,
                                                                                   float, int]:
    """Send requests from CONCURRENCY connections: for SECONDS (random targets, 1 % unknown when there are some),
    or once over SEQUENCE. Return latencies, the status mix, errors, the elapsed seconds and the last body's size.
    """
    host = "127.0.0.1"
    base_head = f"Host: {host}:{port}\r\n".encode()
    post_head = (b"POST /ecert/ocsp HTTP/1.1\r\n" + base_head + b"Content-Type: application/ocsp-request\r\n"
                 b"Content-Length: ")
    known = [t for t in targets if t.expected != "unknown"]
    unknown = [t for t in targets if t.expected == "unknown"]
    checker = Checker()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    size = 0
    rng = random.Random(7)
    ordered = iter(sequence) if sequence is not None else None
    deadline = time.perf_counter() + (seconds or 0)

    def pick() -> Target | None:
        if ordered is not None:
            return targets[i] if (i := next(ordered, None)) is not None else None
        if time.perf_counter() >= deadline:
            return None
        if unknown and rng.random() < UNKNOWN_SHARE:
            return rng.choice(unknown)
        return rng.choice(known)

    def judge(target: Target, status: int, body: bytes) -> None:
        nonlocal errors, size
        size = len(body)
        if status != 200:
            errors += 1
            statuses[f"HTTP {status}"] += 1
            return
        if not check:
            statuses["200"] += 1
            return
        answer, serial = checker.status(body)
        statuses[answer] += 1
        if answer != target.expected or serial != target.serial:
            errors += 1

    if client == "raw":
        async def raw_worker() -> None:
            connection = RawConnection(host, port)
            try:
                while (target := pick()) is not None:
                    if method == "POST":
                        head = post_head + str(len(target.der)).encode() + b"\r\n\r\n"
                        body = target.der
                    else:
                        head = b"GET " + target.get_path + b" HTTP/1.1\r\n" + base_head + b"\r\n"
                        body = b""
                    sent = time.perf_counter()
                    status, content = await connection.request(head, body)
                    latencies.append(time.perf_counter() - sent)
                    judge(target, status, content)
            finally:
                await connection.close()

        started = time.perf_counter()
        await asyncio.gather(*(raw_worker() for _ in range(concurrency)))
        return latencies, statuses, errors, time.perf_counter() - started, size

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}", limits=limits, timeout=30) as http:
        headers = {"Content-Type": "application/ocsp-request"}

        async def httpx_worker() -> None:
            while (target := pick()) is not None:
                sent = time.perf_counter()
                if method == "POST":
                    response = await http.post("/ecert/ocsp", content=target.der, headers=headers)
                else:
                    response = await http.get(target.get_path.decode())
                latencies.append(time.perf_counter() - sent)
                judge(target, response.status_code, response.content)

        started = time.perf_counter()
        await asyncio.gather(*(httpx_worker() for _ in range(concurrency)))
        return latencies, statuses, errors, time.perf_counter() - started, size


def measure(backend: str, what: str, port: int, targets: list[Target], *, method: str, args: argparse.Namespace,
            check: bool = True, sequence: list[int] | None = None) -> OcspFigure:
    latencies, statuses, errors, seconds, size = run_loop(fire(
        port, targets, method=method, concurrency=args.concurrency, seconds=args.seconds, client=args.client,
        check=check, sequence=sequence))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    figure = OcspFigure(backend, what, len(latencies), seconds, cuts[49] * 1000, cuts[98] * 1000, statuses, errors,
                        args.concurrency, size, method)
    console.print(f"{backend}: {what}: {figure.requests:,} in {seconds:.1f} s, {figure.rate:,.0f}/s, "
                  f"p50 {figure.p50_ms:.2f} ms, p99 {figure.p99_ms:.2f} ms, {_mix(statuses)}, errors {errors}")
    return figure


def _mix(statuses: Counter[str]) -> str:
    return " ".join(f"{name} {count:,}" for name, count in sorted(statuses.items()))


def bench_ocsp(db: Database, targets: list[Target], args: argparse.Namespace) -> list[OcspFigure]:
    figures = []
    with registrations.Server(db) as server:
        order = list(range(len(targets)))
        random.Random(3).shuffle(order)
        with console.status(f"{db.backend}: warm-up, every serial once ({len(targets):,} POSTs)"):
            figures.append(measure(db.backend, "POST cold (table)", server.port,
                                   targets, method="POST", args=args, sequence=order))
        for method in ("POST", "GET"):
            with console.status(f"{db.backend}: OCSP {method} ×{args.concurrency} for {args.seconds:g} s"):
                figures.append(measure(db.backend, f"{method} warm", server.port, targets, method=method,
                                       args=args))
    return figures


# ---------------------------------------------------------------------------------------------------- the floor


def floor_app() -> Any:
    """``uvicorn ecert:floor_app --factory``: every request (its body read) gets 200 and the same 1 KB."""
    return constant_app(FLOOR_BODY, b"application/ocsp-response")


class FloorServer(registrations.Server):
    app_factory = "ecert:floor_app"
    app_dir = Path(__file__).parent


def bench_floor(targets: list[Target], args: argparse.Namespace) -> list[OcspFigure]:
    db = Database("sqlite", args.postgres_url)  # only for the server's environment: the floor opens no database
    figures = []
    try:
        with FloorServer(db) as server:
            measure("-", "floor warm-up", server.port, targets, method="POST", args=args, check=False,
                    sequence=list(range(min(len(targets), 2_000))))
            for method in ("POST", "GET"):
                with console.status(f"floor: {method} ×{args.concurrency} for {args.seconds:g} s"):
                    figures.append(measure("-", f"floor {method}", server.port,
                                           targets, method=method, args=args, check=False))
    finally:
        db.__exit__(None, None, None)
    return figures


# -------------------------------------------------------------------------------------------------- the ceiling


@dataclass
class Ceiling:
    what: str
    rate: float


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    fn()
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(50):
            fn()
        count += 50
    return count / elapsed


def bench_ceiling(runtime: Any, hierarchy: Any, seconds: float = 2.0) -> list[Ceiling]:
    """cryptography's own rates on this machine, one core: what signing costs without us."""
    from telreg.ecert.issuance import build_certificate, validity
    from telreg.ecert.profiles import get_profiles

    key = ec.generate_private_key(ec.SECP256R1())
    tbs = os.urandom(300)
    raw = _rate(lambda: key.sign(tbs, ec.ECDSA(hashes.SHA256())), seconds)
    issuer = hierarchy.issuing.certificate
    not_before, not_after = validity(runtime.clock.now(), days=365, issuer=issuer)
    builder = build_certificate(settings=runtime.settings, profile=get_profiles(runtime.settings).profiles[PROFILE],
                                subject=subject(0), public_key=key.public_key(), serial=x509.random_serial_number(),
                                not_before=not_before, not_after=not_after, issuer=issuer)
    certificate = _rate(lambda: builder.sign(key, hashes.SHA256()), seconds)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signer = hierarchy.ocsp
    cert = builder.sign(key, hashes.SHA256())
    response = (x509_ocsp.OCSPResponseBuilder()
                .add_response(cert=cert, issuer=issuer, algorithm=hashes.SHA1(),
                              cert_status=x509_ocsp.OCSPCertStatus.GOOD, this_update=now,
                              next_update=now + dt.timedelta(hours=24), revocation_time=None, revocation_reason=None)
                .responder_id(x509_ocsp.OCSPResponderEncoding.HASH, signer.certificate)
                .certificates([signer.certificate]))
    ocsp_rate = _rate(lambda: response.sign(signer.private_key, hashes.SHA256()), seconds)
    return [Ceiling("ECDSA P-256 sign, 300-byte TBS (key.sign)", raw),
            Ceiling("certificate sign (CertificateBuilder.sign, personal)", certificate),
            Ceiling("  / 2: issuance bound (linting twin + certificate)", certificate / 2),
            Ceiling("OCSP response sign (OCSPResponseBuilder.sign)", ocsp_rate)]


# --------------------------------------------------------------------------------------------------------- main


def bench_backend(db: Database, args: argparse.Namespace, ceiling: list[Ceiling]) -> tuple[
        list[IssuanceFigure], list[OcspFigure], list[Target], dict[str, float]]:
    runtime, hierarchy, init_seconds = init_ca(bench_settings(db))
    console.print(f"{db.backend}: CA initialised in {init_seconds:.2f} s")
    if not ceiling:
        with console.status("the ceiling: cryptography's signing rates"):
            ceiling.extend(bench_ceiling(runtime, hierarchy))
    issuance = bench_issuance(db, runtime, hierarchy, args)
    targets, signed, presign_seconds = revoke_and_presign(db, runtime, hierarchy, args.revoked)
    runtime.engine.dispose()
    ocsp_figures = bench_ocsp(db, targets, args)
    return issuance, ocsp_figures, targets, {"pre-signed": signed, "pre-sign seconds": presign_seconds}


def _goal(met: bool) -> str:
    return "[green]met" if met else "[red]no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of each OCSP run (default 10)")
    parser.add_argument("--certificates", type=int, default=10_000,
                        help="certificates issued per backend, all asked about over OCSP (default 10000)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent HTTP connections (default 32)")
    parser.add_argument("--single", type=int, default=1_000, help="issuances one per transaction (default 1000)")
    parser.add_argument("--parallel", type=int, default=1_000,
                        help="issuances one per transaction from --processes processes (default 1000)")
    parser.add_argument("--processes", type=int, default=2, help="issuing processes of --parallel (default 2)")
    parser.add_argument("--batch", type=int, default=100, help="certificates per issue_certificates (default 100)")
    parser.add_argument("--revoked", type=int, default=100, help="certificates revoked before OCSP (default 100)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="the HTTP client (default raw)")
    parser.add_argument("--postgres-url", default=PG_URL, help="an administrative PostgreSQL URL")
    args = parser.parse_args()

    console.print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
                  f"Python {sys.version.split()[0]}, cryptography {_version('cryptography')}, "
                  f"uvicorn {_version('uvicorn')}, client {args.client}")
    issuance: list[IssuanceFigure] = []
    ocsp_figures: list[OcspFigure] = []
    ceiling: list[Ceiling] = []
    presign: dict[str, dict[str, float]] = {}
    targets: list[Target] = []
    for backend in args.backends.split(","):
        if backend == "postgres" and (problem := postgres_reachable(args.postgres_url)):
            console.print(f"[yellow]PostgreSQL skipped: {problem}")
            continue
        with Database(backend, args.postgres_url) as db:
            console.rule(f"{backend}  ({make_url(db.url).render_as_string(hide_password=True)})")
            figures, answers, targets, presigned = bench_backend(db, args, ceiling)
            issuance += figures
            ocsp_figures += answers
            presign[backend] = presigned
    console.rule("floor")
    floor = bench_floor(targets, args) if targets else []

    table = Table(title=f"Issuance, telreg.ecert.issuance, audit on ({PROFILE}, P-256 CA); share of time in:")
    for column in ("backend", "mode", "certs", "s", "issued/s", f"≥{GOAL_ISSUANCE:.0f}/s", "DB", "audit",
                   "CA sign", "lint twin"):
        table.add_column(column, justify="left" if column in ("backend", "mode") else "right")
    for f in issuance:
        db_share = f.share("intent transaction", "row update (flush)", "audit event", "commit")
        table.add_row(f.backend, f.mode, f"{f.count:,}", f"{f.seconds:.1f}", f"{f.rate:,.0f}",
                      _goal(f.rate >= GOAL_ISSUANCE), _pct(db_share), _pct(f.share("audit event")),
                      _pct(f.share("CA signature")), _pct(f.share("checks + linting twin")))
    console.print(table)
    console.print("DB = intent transaction + row update flush + audit event + commit; audit = the ecert.issue "
                  "event's INSERT alone")
    if presign:
        console.print("pre-signing (status_jobs.refresh_all, one transaction): " + "; ".join(
            f"{b} {p['pre-signed']:,.0f} in {p['pre-sign seconds']:.1f} s = "
            f"{p['pre-signed'] / p['pre-sign seconds']:,.0f}/s" for b, p in presign.items()))

    floor_rate = {f.method: f.rate for f in floor}
    table = Table(title=f"OCSP on loopback, {args.concurrency} connections, uvicorn 1 process, client {args.client}")
    for column in ("backend", "run", "answers", "/s", f"≥{GOAL_OCSP_RATE:,.0f}", "p50 ms", "p99 ms",
                   f"p99<{GOAL_OCSP_P99_MS:.0f}", "floor", "good/revoked/unknown", "err"):
        table.add_column(column, justify="left" if column in ("backend", "run") else "right")
    for f in ocsp_figures + floor:
        steady = f.what.endswith("warm")
        ratio = f"{f.rate / floor_rate[f.method]:.0%}" if steady and f.method in floor_rate else ""
        mix = "/".join(f"{f.statuses.get(s, 0):,}" for s in ("good", "revoked", "unknown")) if f.backend != "-" \
            else ""
        table.add_row(f.backend, f.what, f"{f.requests:,}", f"{f.rate:,.0f}",
                      _goal(f.rate >= GOAL_OCSP_RATE) if steady else "", f"{f.p50_ms:.2f}", f"{f.p99_ms:.2f}",
                      _goal(f.p99_ms < GOAL_OCSP_P99_MS) if steady else "", ratio, mix, str(f.errors))
    console.print(table)
    sizes = sorted({f.body_bytes for f in ocsp_figures})
    console.print(f"cold: each serial's first answer (table read in the thread pool); warm: from the responder's "
                  f"memory; floor: a minimal ASGI app's constant {len(FLOOR_BODY):,} bytes (answers here: "
                  f"{', '.join(map(str, sizes))} bytes)")

    table = Table(title="The ceiling: cryptography on this machine, one core")
    table.add_column("operation")
    table.add_column("per second", justify="right")
    for c in ceiling:
        table.add_row(c.what, f"{c.rate:,.0f}")
    console.print(table)
    console.print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if any(f.errors for f in ocsp_figures):
        sys.exit(1)


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    main()
