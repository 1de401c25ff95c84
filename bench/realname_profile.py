"""Profile one registration at a time, as the API runs it (one attempt per transaction), in process: SQL statements
and CPU per attempt, and the time of each phase. Used by bench/realname.py; runnable alone:

    python bench/realname_profile.py [--attempts 1000] [--sqlite]

The attempts are the HTTP phase's kind (bench/realname.py ``http_requests``): new people, holders with room left
and holders at their prepaid quota (refused), after a small plan has been loaded. Phases are timed by wrapping the
functions the service calls (``time.thread_time`` for CPU, ``perf_counter`` for wall); they nest where the code
nests (sealing and the blind index inside "identities"), so they do not add up to the whole, which is measured
around each unit of work (its BEGIN/COMMIT included).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from sqlalchemy import event  # noqa: E402

from telreg.core.clock import FixedClock  # noqa: E402
from telreg.core.db import make_engine, make_session_factory, unit_of_work  # noqa: E402
from telreg.core.pii_keys import generate_key_ring, parse_key_ring  # noqa: E402
from telreg.core.vault import Vault  # noqa: E402

# (label, module, attribute): the functions timed, in the order the service reaches them.
PHASES = (
    ("operator + number (1 query)", "telreg.realname.service", "_operator_and_number"),
    ("party rules (documents, minors...)", "telreg.realname.service", "check_parties"),
    ("verification adapter + capture proofs", "telreg.realname.service", "verify_parties"),
    ("identities (find or create)", "telreg.realname.service", "_identities"),
    ("  of which blind index (HMAC)", "telreg.core.vault", "Vault.blind_index"),
    ("  of which sealing (AES-GCM)", "telreg.core.vault", "Vault.seal"),
    ("  of which opening (AES-GCM)", "telreg.core.vault", "Vault.open"),
    ("quota (conditional upsert)", "telreg.realname.service", "quotas.take"),
    ("number insert", "telreg.realname.repository", "insert_number"),
    ("registration insert", "telreg.realname.service", "_add_registration"),
    ("audit event", "telreg.realname.service", "_audit"),
    ("refusal recorded", "telreg.realname.service", "_refuse"),
)


@dataclass
class Profile:
    attempts: int = 0
    statements: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    phases: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0, 0.0]))

    @property
    def statements_each(self) -> float:
        return self.statements / max(self.attempts, 1)

    @property
    def cpu_ms(self) -> float:
        return self.cpu / max(self.attempts, 1) * 1000

    @property
    def wall_ms(self) -> float:
        return self.wall / max(self.attempts, 1) * 1000

    def lines(self) -> list[str]:
        out = [f"one registration per transaction, in process: {self.attempts} attempts "
               f"({', '.join(f'{k} {v}' for k, v in self.outcomes.most_common())}): "
               f"{self.statements_each:.2f} SQL statements, CPU {self.cpu_ms:.2f} ms, wall {self.wall_ms:.2f} ms "
               "per attempt (BEGIN/COMMIT not counted as statements)"]
        for label in (VALIDATION, *(label for label, *_ in PHASES)):
            calls, cpu, wall = self.phases.get(label, (0, 0.0, 0.0))
            if calls:
                out.append(f"  {label:<42} {calls / self.attempts:5.2f} calls  CPU {cpu / self.attempts * 1000:6.3f} ms"
                           f"  wall {wall / self.attempts * 1000:6.3f} ms per attempt")
        return out


VALIDATION = "validate the request (pydantic)"


def _resolve(module: str, dotted: str) -> tuple[Any, str, Any]:
    owner: Any = __import__(module, fromlist=["_"])
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name, getattr(owner, name)


@contextmanager
def timed_phases(profile: Profile) -> Iterator[None]:
    """Wrap each phase's function with CPU and wall timers for the duration of the block."""
    undo: list[tuple[Any, str, Any]] = []
    for label, module, dotted in PHASES:
        try:
            owner, name, original = _resolve(module, dotted)
        except AttributeError:  # a function this version of the code does not have (an older checkout)
            continue
        function = original
        cell = profile.phases[label]

        def timed(*args: Any, _f: Callable[..., Any] = function, _cell: list[float] = cell, **kwargs: Any) -> Any:
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                _cell[0] += 1
                _cell[1] += time.thread_time() - cpu
                _cell[2] += time.perf_counter() - wall

        wrapper: Any = functools.wraps(function)(timed)
        setattr(owner, name, wrapper)
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def profile_registrations(url: str, ring_json: str, bodies: list[dict[str, Any]], *, policy: Any, clock: Any,
                          phases: bool = True) -> Profile:
    """Run BODIES through ``service.register``, one unit of work each, as the API does; count and time them."""
    from telreg.realname import service
    from telreg.realname.schemas import RegistrationRequest
    from telreg.realname.verification import UncheckedVerifier

    engine = make_engine(url)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    factory = make_session_factory(engine)
    vault = Vault(parse_key_ring(ring_json, source="bench"))
    verifier = UncheckedVerifier()
    profile = Profile()

    def attempt(body: dict[str, Any], validation: list[float] | None = None) -> str:
        with unit_of_work(factory) as session:
            cpu, wall = time.thread_time(), time.perf_counter()
            request = RegistrationRequest.model_validate(body)
            if validation is not None:
                validation[0] += 1
                validation[1] += time.thread_time() - cpu
                validation[2] += time.perf_counter() - wall
            return service.register(session, vault=vault, policy=policy, clock=clock, verifier=verifier,
                                    request=request, actor="bench").status

    warm, measured = bodies[: len(bodies) // 10], bodies[len(bodies) // 10:]
    for body in warm:  # connections, compiled statements, prepared statements
        attempt(body)
    # Every other attempt runs with the phase timers on; they cost time themselves, so the totals are taken over
    # the others (the same mix of new people, holders with room and holders at their quota).
    plain, timed = (measured[::2], measured[1::2]) if phases else (measured, [])
    statements[0] = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for body in plain:
        profile.outcomes[attempt(body)] += 1
    profile.cpu, profile.wall = time.process_time() - cpu, time.perf_counter() - wall
    profile.attempts, profile.statements = len(plain), statements[0]
    if timed:
        timing = Profile()
        with timed_phases(timing):
            for body in timed:
                attempt(body, timing.phases[VALIDATION])
        scale = len(plain) / len(timed)
        profile.phases = {label: [calls * scale, cpu * scale, wall * scale]
                          for label, (calls, cpu, wall) in timing.phases.items()}
    engine.dispose()
    return profile


def profile_run(backend: str, pg_url: str, attempts: int, *, preload: int = 5_000) -> Profile:
    """In a fresh database of its own: load PRELOAD attempts of a plan, then profile ATTEMPTS of the HTTP
    phase's kind one by one."""
    import realname as bench
    from registrations import Database

    ring_json = json.dumps(generate_key_ring(key_id="bench"))
    plan = bench.make_plan(preload, policy=bench.load_policy(bench.POLICY))
    with Database(backend, pg_url) as db:
        bench.add_operators(db)
        bench.load_through_service(db, ring_json, plan, batch=1_000, loaders=1)
        bodies = [body for body, _ in bench.http_requests(plan, attempts)]
        return profile_registrations(db.url, ring_json, bodies, policy=plan.policy,
                                     clock=FixedClock(bench.BUSINESS_TIME))


def main() -> None:
    import realname as bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres-url", default=bench.PG_URL)
    args = parser.parse_args()
    profile = profile_run("sqlite" if args.sqlite else "postgres", args.postgres_url, args.attempts)
    print("\n".join(profile.lines()))


if __name__ == "__main__":
    main()
