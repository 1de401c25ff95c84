"""CPU per online check in one process: the real app called as ASGI, no HTTP, no sockets.

    python bench/check_profile.py [--listings 100000] [--checks 2000] [--backend sqlite] [--profile]

A fresh SQLite database (bench/check_api.py's fill and account), the app built as ``telreg serve`` builds it
(business time frozen), then ``--checks`` checks of 100 entries sent one at a time straight to the ASGI app.
Printed: the event loop thread's CPU per check (answering: authentication, parsing, the answer, JSON, framework)
and the group-commit writer's CPU per check (process CPU minus the loop thread's), with the load average;
``--profile`` adds cProfile's top functions of the event loop's work (SORT and TOP choose them, PROFILE_OUT=FILE
keeps the whole profile for pstats). A script, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_api import (BUSINESS_TIME, Database, make_checks, protection_starts, seed)  # noqa: E402

PATH = "/api/v1/senders/me/check"


async def _call(app: object, body: bytes, key: str) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": PATH, "raw_path": PATH.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()), (b"authorization", f"Bearer {key}".encode())],
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000)}
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, object]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[operator]
    return status, b"".join(chunks)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TELREG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--concurrency", type=int, default=1, help="checks in flight at once (one API key each)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with Database(args.backend, args.postgres_url) as db:
        _, keys = seed(db, args.listings, args.concurrency)
        checks = make_checks(args.listings, 0.3, 200, protection_starts(db))
        settings = db.settings()
        from telreg.app import create_app
        from telreg.core.clock import FixedClock
        from telreg.runtime import build_runtime
        from telreg.senders.check_records import recorder, stop_recorder

        runtime = build_runtime(settings, clock=FixedClock(BUSINESS_TIME))
        app = create_app(runtime)

        async def run() -> tuple[float, float, float]:
            for check in checks[:50]:  # warm: index, caller cache, seeds
                status, body = await _call(app, check.body, keys[0])
                assert status == 200, (status, body[:300])
            profiler = cProfile.Profile() if args.profile else None
            wall, loop_cpu, cpu = time.perf_counter(), time.thread_time(), time.process_time()
            if profiler:
                profiler.enable()
            async def client(c: int) -> None:
                for i in range(c, args.checks, args.concurrency):
                    status, _ = await _call(app, checks[i % len(checks)].body, keys[c % len(keys)])
                    assert status == 200

            await asyncio.gather(*(client(c) for c in range(args.concurrency)))
            if profiler:
                profiler.disable()
                if os.environ.get("PROFILE_OUT"):  # for pstats' callers/callees
                    profiler.dump_stats(os.environ["PROFILE_OUT"])
                pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(int(os.environ.get("TOP", "25")))
            return time.perf_counter() - wall, time.thread_time() - loop_cpu, time.process_time() - cpu

        try:
            wall, loop_cpu, cpu = asyncio.run(run())
        finally:
            writer = recorder(runtime)
            stop_recorder(runtime)
            runtime.engine.dispose()
        n = args.checks
        print(f"{args.backend}, {n} checks of 100 entries, {args.concurrency} at a time "
              f"({writer.items / max(writer.batches, 1):.1f} records per transaction), load average {os.getloadavg()[0]:.2f}: "
              f"event loop CPU {loop_cpu / n * 1e3:.3f} ms/check, writer and the rest "
              f"{(cpu - loop_cpu) / n * 1e3:.3f} ms/check, wall {wall / n * 1e3:.3f} ms/check")


if __name__ == "__main__":
    main()
