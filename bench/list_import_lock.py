"""How long others wait while a sender imports a 400,000-line list (issue 14), on SQLite (the embedded default).

    .venv/bin/python bench/list_import_lock.py [--lines 400000] [--batches 20000,400001]

For each batch size: one thread imports the list (senders/lists/bulk.py); meanwhile another sender records one
instruction every 50 ms, and a staff member signs in (POST /api/v1/auth/login) every 200 ms. Printed: the import's
time, and the worst and median wait of the other writes and the sign-ins. A batch size above the line count is
the old behaviour, the whole file in one transaction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from tests.conftest import START
from tests.senders.helpers import make_active, make_officer

from telreg.app import create_app
from telreg.config import Environment, Settings
from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.core.migrate import upgrade
from telreg.core.notify import FakeFax, FakeSms, FakeTelephony
from telreg.runtime import build_runtime
from telreg.senders import lifecycle
from telreg.senders.lists import bulk, service


def _run(lines: int, batch_rows: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="telreg-bench-"))
    url = f"sqlite:///{work / 'telreg.sqlite3'}"
    upgrade(url)
    settings = Settings(env=Environment.test, database_url=url, data_dir=work / "data", secret_key="bench",
                        telephony_adapter="fake", password_hashing="fast", signin_rate_limit=10**6)
    runtime = build_runtime(settings, clock=FixedClock(START), telephony=FakeTelephony(), fax=FakeFax(),
                            sms=FakeSms())
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        importer = make_active(session, runtime).id
        other = make_active(session, runtime, username="other.sender", contact_email="o@example.com").id

    def key(account_id: int) -> service.ListKey:
        with unit_of_work(runtime.session_factory) as session:
            access = lifecycle.access(session, clock=runtime.clock, settings=settings, account_id=account_id)
        return service.open_list(access, register="sms")

    big, small = key(importer), key(other)
    data = ("number,instruction,at\n" + "".join(
        f"{90_000_000 + i},{'consent' if i % 2 else 'unsubscribe'},2026-02-01T09:00\n" for i in range(lines))).encode()
    done = threading.Event()
    writes: list[float] = []
    signins: list[float] = []
    errors: list[str] = []
    slow: list[tuple[float, float]] = []

    phases: list[tuple[float, str]] = []
    apply_rows = service.apply_rows

    def timed_apply(session, rows):  # type: ignore[no-untyped-def]
        phases.append((time.perf_counter(), "batch"))
        return apply_rows(session, rows)

    service.apply_rows = timed_apply  # type: ignore[assignment]

    def import_list() -> None:
        try:
            with unit_of_work(runtime.session_factory) as session:
                bulk.import_in_batches(session, clock=runtime.clock, key=big, data=data, source="big.csv",
                                       recorded_by="bench", batch_rows=batch_rows)
        finally:
            done.set()

    def other_writes() -> None:
        n = 0
        while not done.is_set():
            started = time.perf_counter()
            try:
                with unit_of_work(runtime.session_factory) as session:
                    service.record(session, clock=runtime.clock, key=small, number=f"6{n:07d}", instruction="consent",
                                   given_at=runtime.clock.now(), how="web-form", recorded_by="bench")
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(type(exc).__name__)
            writes.append(time.perf_counter() - started)
            if writes[-1] > 1:
                slow.append((started, writes[-1]))
            n += 1
            time.sleep(0.05)

    def staff_signins(client: TestClient) -> None:
        while not done.is_set():
            started = time.perf_counter()
            answer = client.post("/api/v1/auth/login", json={"username": "olivia",
                                                             "password": "correct-horse-battery"})
            if answer.status_code != 200:
                errors.append(f"sign-in {answer.status_code}")
            signins.append(time.perf_counter() - started)
            time.sleep(0.2)

    with TestClient(create_app(runtime)) as client:
        threads = [threading.Thread(target=import_list), threading.Thread(target=other_writes),
                   threading.Thread(target=staff_signins, args=(client,))]
        started = time.perf_counter()
        threads[0].start()
        time.sleep(0.5)  # the import is parsing, then writing
        for thread in threads[1:]:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - started
    service.apply_rows = apply_rows  # type: ignore[assignment]
    if "--verbose" in sys.argv:
        first = phases[0][0] if phases else started
        print("  batches start at", [round(t - started, 2) for t, _ in phases][:5], "...", flush=True)
        print("  slow writes (start, wait):", [(round(t - started, 2), round(w, 2)) for t, w in slow], flush=True)
        del first
    return {"import_s": took, "write_max_s": max(writes, default=0), "write_median_s": statistics.median(writes or [0]),
            "writes": len(writes), "signin_max_s": max(signins, default=0),
            "signin_median_s": statistics.median(signins or [0]), "signins": len(signins), "errors": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=400_000)
    parser.add_argument("--batches", default="400001,20000")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    for batch in (int(b) for b in args.batches.split(",")):
        figures = _run(args.lines, batch)
        label = "one transaction" if batch >= args.lines else f"batches of {batch:,}"
        print(f"{args.lines:,} lines, {label}: " + ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
