"""Benchmark `telreg scrub` against what a sender would otherwise use: DuckDB, Polars, a Python set.

    .venv/bin/python bench/scrub.py                       # 1M, 10M and 50M lines (needs ~2 GB of disk)
    .venv/bin/python bench/scrub.py --sizes 1M            # a quick run
    .venv/bin/python bench/scrub.py --sizes 10M --peers telreg,polars --dir /tmp/scrub-bench
    .venv/bin/python bench/scrub.py --sizes 10M,50M --rounds 3    # medians of 3 interleaved runs per tool

Generates, into a temporary directory (or --dir, reused when the files are there): a dated sms publication of
3 million numbers (registration dates 2008 → the day before the send date, so some are not yet protected) with its
.sha256; calling lists of one number per line with ~2% repeated numbers, ~1% malformed lines and ~20% of lines on
the register; a consent list and an unsubscribe list of 10,000 numbers each (no number on both). Then runs every
tool on the same files, each in its own process (peak memory = that process's ru_maxrss), checks that they all keep
exactly the same lines (byte-identical kept files), and prints seconds, numbers per second, peak memory and
telreg's speed-up over each peer. The peers apply the same rules: strict 8-digit lines, first occurrence kept,
unsubscribed numbers dropped, consent overriding the register, protection in force by registration date (the
latest registration date whose protection has started is computed once, with the same working-day calendar).
Timings start after the imports and cover reading the publication and the list and writing the kept lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEND_DATE = dt.date(2026, 11, 27)
PUBLICATION_DATE = dt.date(2026, 11, 26)
REGISTER_SIZE = 3_000_000
GARBAGE = [b"21 34567", b"2123456a", b"ABCDEFGH", b"+8521234", b"--------", b"12 34 56", b"2123.456", b"9x9x9x9x"]
PEERS = ("telreg", "duckdb", "polars", "pyset")


def _size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * scale)


# -- generation ---------------------------------------------------------------------------------------------------


def make_publication(directory: Path) -> Path:
    from telreg.core.clock import HK
    from telreg.dnc.publish import formats

    path = directory / "sms-dated.zip"
    if path.is_file() and path.with_name(path.name + ".sha256").is_file():
        return path
    rng = np.random.default_rng(2026)
    numbers = np.sort(rng.choice(np.arange(20_000_000, 100_000_000, dtype=np.uint64), REGISTER_SIZE, replace=False))
    first = dt.date(2008, 1, 1).toordinal()
    days = rng.integers(first, PUBLICATION_DATE.toordinal() + 1, size=len(numbers))
    recent = rng.random(len(numbers)) < 0.02  # a slice registered in the last fortnight: not protected yet
    days[recent] = PUBLICATION_DATE.toordinal() - rng.integers(0, 14, size=int(recent.sum()))
    ordinals = np.unique(days)
    codes_of = np.array([int(dt.date.fromordinal(int(o)).strftime("%Y%m%d")) for o in ordinals], dtype=np.uint64)
    codes = codes_of[np.searchsorted(ordinals, days)]
    formats.write_zip(path, entry="sms-dated.txt", data=formats.format_dated(numbers, codes), lines=len(numbers),
                      stamp=dt.datetime.combine(PUBLICATION_DATE, dt.time(23, 0), HK))
    return path


def _register_numbers(publication: Path) -> np.ndarray:
    from telreg.dnc.publish import formats

    numbers, _ = formats.parse_dated(formats.read_zip_entry(publication))
    return numbers.astype(np.int64)


def make_instructions(directory: Path, register: np.ndarray) -> Path:
    path = directory / "instructions.csv"
    if path.is_file():
        return path
    rng = np.random.default_rng(7)
    chosen = rng.choice(np.concatenate([register[:: 300][:10_000], rng.integers(20_000_000, 99_999_999, 20_000)]),
                        20_000, replace=False)
    lines = ["number,instruction,at"]
    for i, number in enumerate(chosen.tolist()):
        kind = "consent" if i % 2 == 0 else "unsubscribe"
        lines.append(f"{number},{kind},2026-{1 + i % 11:02d}-{1 + i % 28:02d}T10:00")
    path.write_text("\n".join(lines) + "\n")
    return path


def make_list(directory: Path, lines: int, register: np.ndarray) -> Path:
    path = directory / f"list-{lines}.txt"
    if path.is_file():
        return path
    rng = np.random.default_rng(lines)
    seed_offset = int(rng.integers(0, 80_000_000))
    block = 1_000_000
    with open(path, "wb") as out:
        for at in range(0, lines, block):
            n = min(block, lines - at)
            # Distinct numbers (an affine permutation of the 80M-number range), so repeats are only those made below.
            index = np.arange(at, at + n, dtype=np.int64) + seed_offset
            numbers = 20_000_000 + (index * 48_271_079) % 80_000_000
            on_register = rng.random(n) < 0.20
            numbers[on_register] = register[rng.integers(0, len(register), size=int(on_register.sum()))]
            repeat = np.flatnonzero(rng.random(n) < 0.02)
            numbers[repeat] = numbers[rng.integers(0, np.maximum(repeat, 1))]
            rows = np.empty((n, 9), dtype=np.uint8)
            rows[:, 8] = ord("\n")
            for col in range(8):
                rows[:, 7 - col] = ord("0") + (numbers // 10**col) % 10
            bad = np.flatnonzero(rng.random(n) < 0.01)
            patterns = np.frombuffer(b"".join(GARBAGE), dtype=np.uint8).reshape(-1, 8)
            rows[bad, :8] = patterns[rng.integers(0, len(GARBAGE), size=len(bad))]
            out.write(rows.tobytes())
    return path


def protection_cutoff(publication: Path) -> int:
    """The latest registration date (YYYYMMDD) whose protection is in force on the send date."""
    from telreg.core.calendar import WorkingCalendar

    calendar = WorkingCalendar()
    day = SEND_DATE
    while calendar.add_working_days(day, 10) > SEND_DATE:
        day -= dt.timedelta(days=1)
    return int(day.strftime("%Y%m%d"))


# -- the tools, each run in a child process --------------------------------------------------------------------------


def _instruction_sets(path: Path) -> tuple[list[int], list[int]]:
    consent, unsubscribe = [], []
    for line in path.read_text().splitlines()[1:]:
        number, kind, _ = line.split(",")
        (consent if kind == "consent" else unsubscribe).append(int(number))
    return consent, unsubscribe


def run_telreg(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    from telreg.senders.scrub.cli import scrub

    scrub(list_path, register="sms", publication=publication, out=out, column=None, instructions=instructions,
          send_date=SEND_DATE.isoformat(), warning_days=None, threads=2, as_of=f"{SEND_DATE}T09:00")


def _register_text(publication: Path, out: Path) -> Path:
    text = out / "register.txt"
    with zipfile.ZipFile(publication) as archive:
        text.write_bytes(archive.read("sms-dated.txt"))
    return text


def run_duckdb(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    import duckdb

    register = _register_text(publication, out)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"""CREATE TABLE blocked AS SELECT column0::BIGINT AS n FROM read_csv('{register}', header=false,
                    columns={{'column0': 'VARCHAR', 'column1': 'VARCHAR'}}) WHERE column1::INTEGER <= {cutoff}""")
    con.execute(f"""CREATE TABLE inst AS SELECT number::BIGINT AS n, instruction FROM read_csv('{instructions}',
                    header=true, columns={{'number': 'VARCHAR', 'instruction': 'VARCHAR', 'at': 'VARCHAR'}})""")
    con.execute(f"""COPY (
        WITH l AS (SELECT raw, row_number() OVER () AS line FROM read_csv('{list_path}', header=false,
                   columns={{'raw': 'VARCHAR'}}, delim='\\t', quote='', escape='', auto_detect=false)),
        v AS (SELECT line, raw, raw::BIGINT AS n FROM l WHERE regexp_full_match(raw, '[0-9]{{8}}')),
        f AS (SELECT n, min(line) AS line FROM v GROUP BY n)
        SELECT v.raw FROM v JOIN f USING (n, line)
        WHERE n NOT IN (SELECT n FROM inst WHERE instruction = 'unsubscribe')
          AND (n IN (SELECT n FROM inst WHERE instruction = 'consent') OR n NOT IN (SELECT n FROM blocked))
        ORDER BY line
    ) TO '{out / "kept.csv"}' (HEADER false, QUOTE '', DELIMITER '\\t')""")


def run_polars(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    import polars as pl

    register = _register_text(publication, out)
    reg = pl.read_csv(register, has_header=False, new_columns=["n", "d"], schema={"n": pl.Int64, "d": pl.Int64})
    blocked = reg.filter(pl.col("d") <= cutoff).select("n")
    inst = pl.read_csv(instructions, schema={"number": pl.Int64, "instruction": pl.Utf8, "at": pl.Utf8})
    consent = inst.filter(pl.col("instruction") == "consent").select(pl.col("number").alias("n"))
    unsubscribe = inst.filter(pl.col("instruction") == "unsubscribe").select(pl.col("number").alias("n"))
    lines = pl.read_csv(list_path, has_header=False, new_columns=["raw"], schema={"raw": pl.Utf8}, separator="\t",
                        quote_char=None).with_row_index("line")
    valid = lines.filter(pl.col("raw").str.contains(r"^[0-9]{8}$")).with_columns(pl.col("raw").cast(pl.Int64)
                                                                                    .alias("n"))
    first = valid.unique(subset="n", keep="first", maintain_order=True)
    kept = first.join(unsubscribe, on="n", how="anti")
    not_listed = kept.join(blocked, on="n", how="anti")
    consented = kept.join(consent, on="n", how="semi")
    result = pl.concat([not_listed, consented]).unique(subset="line").sort("line").select("raw")
    result.write_csv(out / "kept.csv", include_header=False, quote_style="never")


def run_pyset(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    with zipfile.ZipFile(publication) as archive:
        text = archive.read("sms-dated.txt").decode()
    blocked = {line[:8] for line in text.splitlines() if int(line[9:17]) <= cutoff}
    consent, unsubscribe = _instruction_sets(instructions)
    consent_s, unsub_s = {f"{n:08d}" for n in consent}, {f"{n:08d}" for n in unsubscribe}
    seen: set[str] = set()
    with open(list_path) as source, open(out / "kept.csv", "w") as kept:
        for line in source:
            raw = line.rstrip("\n")
            if len(raw) != 8 or not raw.isascii() or not raw.isdigit() or raw in seen:
                continue
            seen.add(raw)
            if raw in unsub_s or (raw in blocked and raw not in consent_s):
                continue
            kept.write(line)


RUNNERS = {"telreg": run_telreg, "duckdb": run_duckdb, "polars": run_polars, "pyset": run_pyset}


def child(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runner = RUNNERS[args.child]
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        saved, sys.stdout = sys.stdout, quiet
        try:
            runner(Path(args.list), Path(args.publication), Path(args.instructions), out, args.cutoff)
        finally:
            sys.stdout = saved
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak": peak}))


# -- the parent ----------------------------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M,50M", help="list sizes, e.g. 1M,10M,50M")
    parser.add_argument("--peers", default=",".join(PEERS), help="tools to run: telreg,duckdb,polars,pyset")
    parser.add_argument("--skip-pyset-above", default="10M", help="the Python set is slow: skip it above this")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every tool this many times, interleaved, and report the median (default 1)")
    parser.add_argument("--dir", help="where to keep the generated files (default: a temporary directory)")
    parser.add_argument("--child", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    for name in ("list", "publication", "instructions", "out"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--cutoff", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.generate:
        generate(Path(args.dir), [_size(s) for s in args.sizes.split(",")])
        return
    with tempfile.TemporaryDirectory(prefix="scrub-bench-") as temporary:
        directory = Path(args.dir or temporary)
        directory.mkdir(parents=True, exist_ok=True)
        bench(directory, [_size(s) for s in args.sizes.split(",")], args.peers.split(","),
              _size(args.skip_pyset_above), max(1, args.rounds))


def generate(directory: Path, sizes: list[int]) -> None:
    started = time.perf_counter()
    publication = make_publication(directory)
    register = _register_numbers(publication)
    make_instructions(directory, register)
    for n in sizes:
        make_list(directory, n, register)
    print(f"generated in {time.perf_counter() - started:.1f} s: register of {len(register):,} numbers, lists of "
          f"{', '.join(f'{n:,}' for n in sizes)} lines; {os.cpu_count()} CPUs; send date {SEND_DATE}", flush=True)


def bench(directory: Path, sizes: list[int], peers: list[str], pyset_limit: int, rounds: int) -> None:
    # Generate in a child: a child's ru_maxrss starts from its parent's peak at fork, so the parent stays small.
    subprocess.run([sys.executable, __file__, "--generate", "--dir", str(directory), "--sizes",
                    ",".join(str(n) for n in sizes)], check=True)
    publication = directory / "sms-dated.zip"
    instructions = directory / "instructions.csv"
    cutoff = protection_cutoff(publication)
    lists = {n: directory / f"list-{n}.txt" for n in sizes}
    print(f"{'lines':>12} {'tool':<8} {'seconds':>9} {'numbers/s':>14} {'peak MB':>9} {'kept':>12}  telreg speed-up"
          + ("  (median of rounds: each run)" if rounds > 1 else ""))
    for n, list_path in lists.items():
        subprocess.run(["cat", str(list_path)], stdout=subprocess.DEVNULL, check=True)  # same page cache for all
        runs: dict[str, list[dict[str, float]]] = {}
        digests: dict[str, str] = {}
        kept: dict[str, int] = {}
        # Rounds interleave the tools (telreg, duckdb, polars, telreg, …), so a machine that speeds up or slows
        # down during the run (this VM does, after boot) weighs on every tool alike; the median is reported.
        for _ in range(rounds):
            for peer in peers:
                if peer == "pyset" and n > pyset_limit:
                    continue
                out = directory / f"out-{n}-{peer}"
                command = [sys.executable, __file__, "--child", peer, "--list", str(list_path), "--publication",
                           str(publication), "--instructions", str(instructions), "--out", str(out), "--cutoff",
                           str(cutoff)]
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    print(f"{n:>12,} {peer:<8} failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                runs.setdefault(peer, []).append(json.loads(done.stdout.strip().splitlines()[-1]))
                digests[peer] = _digest(out / "kept.csv")
                kept[peer] = sum(1 for _ in open(out / "kept.csv", "rb"))
        results = {peer: {"seconds": statistics.median(r["seconds"] for r in got),
                          "peak": max(r["peak"] for r in got), "kept": kept[peer],
                          "each": [r["seconds"] for r in got]} for peer, got in runs.items()}
        base = results.get("telreg")
        for peer, r in results.items():
            ratio = "" if peer == "telreg" or not base else f"{r['seconds'] / base['seconds']:.1f}x"
            each = "  (" + " / ".join(f"{s:.2f}" for s in r["each"]) + ")" if rounds > 1 else ""
            print(f"{n:>12,} {peer:<8} {r['seconds']:>9.2f} {n / r['seconds']:>14,.0f} {r['peak'] / 2**20:>9.0f} "
                  f"{int(r['kept']):>12,}  {ratio:<6}{each}", flush=True)
        same = len(set(digests.values())) == 1
        print(f"{'':>12} kept lines identical across {', '.join(digests)}: {'yes' if same else 'NO'}", flush=True)
        if base and {"duckdb", "polars"} & results.keys():
            best = min(results[p]["seconds"] for p in ("duckdb", "polars") if p in results)
            print(f"{'':>12} speed-up over the best of DuckDB/Polars: {best / base['seconds']:.1f}x "
                  f"(target 5x); telreg {n / base['seconds'] / 1e6:.1f} M numbers/s (target 20); "
                  f"peak {base['peak'] / 2**20:.0f} MB (target < 1024)", flush=True)


if __name__ == "__main__":
    main()
