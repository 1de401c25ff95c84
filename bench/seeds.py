"""Benchmark the per-account variants of the published files (issue 17, seed numbers) against rebuilding each file.

    python bench/seeds.py [--n 3000000] [--accounts 50] [--seeds 3] [--baseline 5] [--threads 2]

1. The shared files of one register of N numbers (a permutation of the 8-digit range, dates spread over 2008–2026)
   are written as the publisher writes them (``dnc.publish.formats``: numpy formatting, ISA-L deflate in independent
   4 MiB chunks on a thread pool, .md5/.sha256, the chunk index and the sorted numbers beside them): its time is
   the shared build.
2. For each of ``--accounts`` accounts, ``--seeds`` numbers not in the register are drawn and the account's variant of
   the dated file and of the numbers file is made by ``enforcement.seeds.variants.splice`` (binary search, inflate and
   deflate only the chunks receiving a line, copy the rest, CRC-32 combined, zip headers, checksum files): median
   and p95 milliseconds per account and file.
3. The baseline, for ``--baseline`` accounts: rebuild the account's whole file (format the numbers with the seeds
   merged in, compress, write, hash) — what a variant would cost without the chunk index.

It prints the figures and the ratio; the goal is at most 100 ms per account and file. A script, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from telreg.dnc.publish import formats
from telreg.dnc.publish.build import NUMBERS_SIDECAR, _save_numbers
from telreg.enforcement.seeds.variants import Seed, splice

console = Console()
STAMP = dt.datetime(2026, 3, 2, 23, 0)


def _register(n: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(n, dtype=np.uint64)
    numbers = np.sort(np.uint64(20_000_000) + (i * np.uint64(104729)) % np.uint64(80_000_000))
    days = (np.datetime64("2008-01-01") + (i * 31 % 6600).astype("timedelta64[D]")).astype("datetime64[D]")
    ymd = days.astype(str)
    dates = np.array([int(d.replace("-", "")) for d in ymd[:10000]], dtype=np.uint64)
    return numbers, np.resize(dates, n)


def _write_shared(directory: Path, numbers: np.ndarray, dates: np.ndarray, threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        _save_numbers(directory / f"sms{NUMBERS_SIDECAR}", numbers)
        formats.write_zip(directory / "sms-dated.zip", entry="sms-dated.txt", data=formats.format_dated(numbers, dates),
                          lines=len(numbers), stamp=STAMP, pool=pool,
                          chunk_index={"width": formats.DATED_WIDTH, "numbers": f"sms{NUMBERS_SIDECAR}"})
        formats.write_zip(directory / "sms-numbers.zip", entry="sms-numbers.txt",
                          data=formats.format_numbers(numbers), lines=len(numbers), stamp=STAMP, pool=pool,
                          chunk_index={"width": formats.NUMBERS_WIDTH, "numbers": f"sms{NUMBERS_SIDECAR}"})
    return time.perf_counter() - started


def _seeds(rng: np.random.Generator, numbers: np.ndarray, k: int) -> list[Seed]:
    out: list[Seed] = []
    while len(out) < k:
        value = int(rng.integers(20_000_000, 99_999_999))
        at = int(np.searchsorted(numbers, value))
        if at < len(numbers) and int(numbers[at]) == value:
            continue
        out.append(Seed(f"{value:08d}", dt.date(2024, 1, 2) + dt.timedelta(days=int(rng.integers(0, 700)))))
    return out


def _baseline(directory: Path, numbers: np.ndarray, dates: np.ndarray, seeds: list[Seed], kind: str) -> float:
    """Rebuild the whole file for one account: merge, format, compress, write, hash."""
    started = time.perf_counter()
    extra_n = np.array([int(s.number) for s in seeds], dtype=np.uint64)
    extra_d = np.array([int(s.listed_on.strftime("%Y%m%d")) for s in seeds], dtype=np.uint64)
    all_n = np.concatenate([numbers, extra_n])
    order = np.argsort(all_n, kind="stable")
    if kind == "dated":
        data = formats.format_dated(all_n[order], np.concatenate([dates, extra_d])[order])
    else:
        data = formats.format_numbers(all_n[order])
    formats.write_zip(directory / f"sms-{kind}.zip", entry=f"sms-{kind}.txt", data=data, lines=len(all_n),
                      stamp=STAMP)
    return time.perf_counter() - started


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3_000_000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="telreg-bench-seeds-"))
    try:
        shared = root / "publication"
        shared.mkdir()
        numbers, dates = _register(args.n)
        build = _write_shared(shared, numbers, dates, args.threads)
        chunks = len(json.loads((shared / "sms-dated.zip.chunks").read_text())["chunks"])
        rng = np.random.default_rng(17)
        timings: dict[str, list[float]] = {"dated": [], "numbers": []}
        cpu: dict[str, list[float]] = {"dated": [], "numbers": []}
        for account in range(args.accounts):
            seeds = _seeds(rng, numbers, args.seeds)
            out = root / "variants" / f"a{account}"
            for kind in ("dated", "numbers"):
                started, started_cpu = time.perf_counter(), time.process_time()
                splice(shared / f"sms-{kind}.zip", out / f"sms-{kind}.zip", seeds=seeds, kind=kind)
                timings[kind].append(time.perf_counter() - started)
                cpu[kind].append(time.process_time() - started_cpu)
            shutil.rmtree(out)
        baseline: dict[str, list[float]] = {"dated": [], "numbers": []}
        for account in range(args.baseline):
            seeds = _seeds(rng, numbers, args.seeds)
            out = root / "baseline" / f"a{account}"
            out.mkdir(parents=True)
            for kind in ("dated", "numbers"):
                baseline[kind].append(_baseline(out, numbers, dates, seeds, kind))
            shutil.rmtree(out)

        table = Table(title=f"Per-account variants: {args.n:,} numbers, {args.seeds} seeds, {args.accounts} accounts "
                            f"({chunks} dated chunks of 4 MiB)")
        for column in ("file", "size", "variant median ms", "variant p95 ms", "variant CPU median ms",
                       "rebuild median ms", "rebuild p95 ms", "ratio (rebuild / variant)"):
            table.add_column(column, justify="right")
        for kind in ("dated", "numbers"):
            v_med, v_p95 = _ms(timings[kind])
            b_med, b_p95 = _ms(baseline[kind])
            size = (shared / f"sms-{kind}.zip").stat().st_size
            table.add_row(f"sms-{kind}.zip", f"{size / 1e6:.1f} MB", f"{v_med:.1f}", f"{v_p95:.1f}",
                          f"{_ms(cpu[kind])[0]:.1f}", f"{b_med:.0f}", f"{b_p95:.0f}", f"{b_med / v_med:.1f}x")
        console.print(table)
        console.print(f"shared build (both files, format + compress + write + sidecars, {args.threads} threads): "
                      f"{build * 1000:.0f} ms; goal: at most 100 ms per account and file")
        console.print(f"load average while measuring: {' '.join(f'{v:.1f}' for v in os.getloadavg())} "
                      f"on {os.cpu_count()} CPUs (other work on the machine inflates the wall-clock figures)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
