"""Benchmark how fast the `telreg` command starts: whole processes, as an operator's shell script runs them.

    python bench/cli_startup.py [--runs 5] [--top 12] [--no-breakdown]

Measures the wall time of complete processes (start, import, work, exit) for `telreg --help`, `telreg dnc status
N --json` against a fresh SQLite database holding a listed number, and a few other common commands, against two
floors run in the same rounds: `python -c pass` (the interpreter alone) and `python -c "import typer"` (the CLI
framework); beside each wall time, the process's CPU time (user + system), which a busy machine inflates far less. Runs are interleaved round-robin (one of each command per round) so that a burst of load on a shared
machine hits every command alike; the figures are medians of --runs rounds after one warm-up round (the page
cache warm, and the holiday table's cache of core/calendar.py filled in the run's own TELREG_CACHE_DIR, as for a
script calling telreg in a loop). Goals (issue 18 §5): --help ≤ 0.3 s, status ≤ 0.5 s.

Then, unless --no-breakdown, prints where the time goes: the imports of `telreg --help` and of the status
look-up by cumulative time (`python -X importtime`), and the self time summed by top-level package.
This is a script, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

NUMBER = "21234567"
GOALS = {"telreg --help": 0.3, f"telreg dnc status {NUMBER} --json": 0.5}


def _telreg() -> list[str]:
    script = Path(sys.executable).with_name("telreg")  # the console script, as operators call it
    return [str(script)] if script.exists() else [sys.executable, "-m", "telreg"]


def _prepare(directory: Path) -> dict[str, str]:
    """A migrated SQLite database with NUMBER listed on the SMS register; the environment that points at it."""
    from telreg.config import Environment, Settings
    from telreg.core.clock import HK, FixedClock
    from telreg.core.migrate import upgrade
    from telreg.dnc import service
    from telreg.dnc.vocabulary import Channel, Register, Verification
    from telreg.runtime import build_runtime

    url = f"sqlite:///{directory}/telreg.sqlite3"
    env = {"TELREG_ENV": "development", "TELREG_DATABASE_URL": url, "TELREG_DATA_DIR": str(directory / "data"),
           "TELREG_SECRET_KEY": "bench-secret-key", "TELREG_CACHE_DIR": str(directory / "cache")}
    upgrade(url)
    settings = Settings(env=Environment.development, database_url=url, data_dir=directory / "data",
                        secret_key="bench-secret-key")
    # A Monday morning: registrations are refused in the nightly update window, whatever the hour of the run.
    runtime = build_runtime(settings, clock=FixedClock(dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)))
    with runtime.session_factory.begin() as session:
        service.register_number(session, clock=runtime.clock, settings=settings, number=NUMBER,
                                registers=[Register.sms], channel=Channel.caller_id,
                                verification=Verification.caller_id, actor="channel:ivr")
    runtime.engine.dispose()
    return env


def _commands() -> dict[str, list[str]]:
    telreg, python = _telreg(), sys.executable
    return {
        "python -c pass (floor)": [python, "-c", "pass"],
        'python -c "import typer" (floor)': [python, "-c", "import typer"],
        "telreg --help": [*telreg, "--help"],
        f"telreg dnc status {NUMBER} --json": [*telreg, "dnc", "status", NUMBER, "--json"],
        "telreg dnc --help": [*telreg, "dnc", "--help"],
        "telreg calendar is-working-day 2026-12-25": [*telreg, "calendar", "is-working-day", "2026-12-25"],
        "telreg scrub --help": [*telreg, "scrub", "--help"],
    }


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, of the process and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(env: dict[str, str], runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of each command, RUNS rounds."""
    commands = _commands()
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for round_ in range(runs + 1):  # round 0 warms the page cache and the .pyc files; not counted
        for name, argv in commands.items():
            elapsed, used = _time(argv, env)
            if round_:
                wall[name].append(elapsed)
                cpu[name].append(used)
    return wall, cpu


def importtime(argv: list[str], env: dict[str, str]) -> list[tuple[str, int, int, int]]:
    """(module, depth, self µs, cumulative µs) for each import of the process."""
    python_argv = [sys.executable, "-X", "importtime", "-m", "telreg", *argv]
    done = subprocess.run(python_argv, env=env, capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, self_us, cumulative, name = (part for part in line.replace("import time:", "|", 1).split("|"))
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), depth, int(self_us), int(cumulative)))
    return rows


def print_breakdown(title: str, argv: list[str], env: dict[str, str], top: int) -> None:
    rows = importtime(argv, env)
    total = sum(self_us for _, _, self_us, _ in rows) / 1e6
    print(f"\nImports of `telreg {' '.join(argv)}`: {len(rows)} modules, {total:.3f} s of import time")
    print(f"  {'top-level import (cumulative)':<48} {'ms':>8}")
    for name, depth, _, cumulative in sorted((r for r in rows if r[1] <= 1), key=lambda r: -r[3])[:top]:
        print(f"  {'  ' * depth + name:<48} {cumulative / 1000:>8.1f}")
    by_package: dict[str, int] = defaultdict(int)
    for name, _, self_us, _ in rows:
        by_package[name.split(".")[0]] += self_us
    print(f"  {'package (self time summed)':<48} {'ms':>8}")
    for package, self_us in sorted(by_package.items(), key=lambda item: -item[1])[:top]:
        print(f"  {package:<48} {self_us / 1000:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds measured (medians of these)")
    parser.add_argument("--top", type=int, default=12, help="lines of each import breakdown")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the -X importtime breakdown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="telreg-cli-bench-") as tmp:
        env = {**os.environ, **_prepare(Path(tmp)), "COLUMNS": "120"}
        load_before = os.getloadavg()
        times, cpu = measure(env, args.runs)
        load_after = os.getloadavg()
        print(f"CLI start-up, whole processes, median of {args.runs} interleaved rounds "
              f"(load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} CPUs)")
        floor = statistics.median(times["python -c pass (floor)"])
        print(f"  {'command':<46} {'median s':>9} {'min s':>7} {'CPU s':>7} {'× python':>9} {'goal s':>7}")
        for name, values in times.items():
            median = statistics.median(values)
            goal = GOALS.get(name)
            verdict = "" if goal is None else (f"{goal:>7.1f} {'met' if median <= goal else 'MISSED'}")
            print(f"  {name:<46} {median:>9.3f} {min(values):>7.3f} {statistics.median(cpu[name]):>7.3f} "
                  f"{median / floor:>9.1f} {verdict}")
        print("  (CPU s: median user + system time of the process; on a busy machine wall time waits for a core, "
              "CPU time much less so)")
        if not args.no_breakdown:
            print_breakdown("help", ["--help"], env, args.top)
            print_breakdown("status", ["dnc", "status", NUMBER, "--json"], env, args.top)


if __name__ == "__main__":
    main()
