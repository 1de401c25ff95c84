"""Benchmark `telreg scrub` against what a sender would otherwise use: DuckDB, Polars (and a Python set).

    .venv/bin/python bench/scrub.py                 # the issue's figures: 10M and 50M lines, 3 interleaved rounds
    .venv/bin/python bench/scrub.py --quick         # a development run: 1M lines, one round
    .venv/bin/python bench/scrub.py --sizes 10M --rounds 1 --dir /tmp/scrub-bench   # keep the files for next time
    .venv/bin/python bench/scrub.py --shapes plain  # issue 4's plain 8-digit lines (add ,pyset to --peers)

Generates (into a temporary directory, or --dir, reused when the files are there; 50M lines take ~1.5 GB) a dated
sms publication of 3 million numbers with its .sha256, and calling lists shaped as senders really have them
(scrub_shapes.py): a CRM export as Excel writes it — BOM, CRLF, ``name,phone,segment``, names in English and
Chinese, some quoted — with ~2% repeated numbers, ~20% on the register, a share of the numbers formatted (20% on
the mixed shape; the sweep runs 0% and 50%) in every spelling people use, those core/phone.py accepts and those it
refuses (dots, brackets, 00852), and 1% garbage; instructions files of 10k-1M lines with ISO 8601 times carrying
offsets, numbers repeating so the latest instruction decides.

Runs every tool on the same files, each in its own process (peak memory = its VmHWM), interleaved round by
round (telreg, duckdb, polars, telreg, ...: a machine whose load changes weighs on every tool alike), checks that
they keep exactly the same lines, and prints the medians, numbers per second, peak memory, the load average and
telreg's speed-up. The peers do the same work in SQL/expressions: read the raw lines (they must write the original
lines), take the phone column (quoted or not), apply core/phone.py's rules (the shape, +852/852 prefixes, 00
refused, 8 digits), keep each number's first line, take each number's latest instruction (an unsubscribe wins a
tie) and block listed numbers whose protection is in force (the cut-off date computed once, with the same calendar).
Then: the instructions files' cost (telreg with each against none, and the C reader's rows per second), and the
cost of lines left to Python (full-width digits, line breaks inside quotes) against the same list without them.
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
    """The register's numbers, read from its fixed-width lines (NNNNNNNN,YYYYMMDD CR LF) with numpy."""
    with zipfile.ZipFile(publication) as archive:
        data = archive.read(archive.namelist()[0])
    digits = np.frombuffer(data, dtype=np.uint8).reshape(-1, 19)[:, :8].astype(np.int64) - ord("0")
    return digits @ (10 ** np.arange(7, -1, -1, dtype=np.int64))


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


# -- the CRM shape: a CSV column, numbers as people write them, instructions with offsets -----------------------------

# The phone column (the second) of a raw line, quoted or not: the peers read the lines raw, as telreg does, so that
# what they write is the original lines.
PHONE_FIELD = r'^(?:"[^"]*"|[^,"]*),(?:"([^"]*)"|([^,"]*))(?:,|$)'
# core/phone.py's rules, for an ASCII field: the shape, then the country code (+852 or 852 as the first group; 00
# refused), then 8 digits.
SHAPE = r"\+?[0-9]+([ -][0-9]+)*"


def run_telreg_crm(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    from telreg.senders.scrub.cli import scrub

    scrub(list_path, register="sms", publication=publication, out=out, column="phone",
          instructions=instructions if instructions.name != "none" else None, send_date=SEND_DATE.isoformat(),
          warning_days=None, threads=2, as_of=f"{SEND_DATE}T09:00")


def run_duckdb_crm(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    import duckdb

    register = _register_text(publication, out)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"""CREATE TABLE blocked AS SELECT column0::BIGINT AS n FROM read_csv('{register}', header=false,
                    columns={{'column0': 'VARCHAR', 'column1': 'VARCHAR'}}) WHERE column1::INTEGER <= {cutoff}""")
    # Each number's latest instruction; at the same instant the unsubscribe wins.
    con.execute(f"""CREATE TABLE inst AS SELECT number::BIGINT AS n,
                    arg_max(instruction, epoch_us("at"::TIMESTAMPTZ) * 2 + (instruction = 'unsubscribe')::BIGINT)
                    AS latest FROM read_csv('{instructions}', header=true,
                    columns={{'number': 'VARCHAR', 'instruction': 'VARCHAR', 'at': 'VARCHAR'}}) GROUP BY 1""")
    con.execute(f"""COPY (
        WITH l AS (SELECT raw, row_number() OVER () AS line FROM read_csv('{list_path}', header=false, skip=1,
                   columns={{'raw': 'VARCHAR'}}, delim='\x01', quote='', escape='', auto_detect=false,
                   new_line='\\r\\n')),
        f AS (SELECT line, raw, trim(s.q || s.u) AS t FROM (SELECT line, raw,
              regexp_extract(raw, '{PHONE_FIELD}', ['q', 'u']) AS s FROM l)),
        d AS (SELECT line, raw, t, regexp_replace(t, '[ +-]', '', 'g') AS d FROM f
              WHERE regexp_full_match(t, '{SHAPE}')),
        v AS (SELECT line, raw, CASE
                WHEN starts_with(t, '+') THEN CASE WHEN starts_with(t, '+852') THEN substr(d, 4) END
                WHEN length(d) > 8 AND starts_with(d, '00') THEN NULL
                WHEN length(d) > 8 AND starts_with(t, '852') THEN substr(d, 4)
                ELSE d END AS national FROM d),
        w AS (SELECT line, raw, national::BIGINT AS n FROM v WHERE length(national) = 8),
        first AS (SELECT n, min(line) AS line FROM w GROUP BY n)
        SELECT w.raw FROM w JOIN first USING (n, line) LEFT JOIN inst USING (n)
        LEFT JOIN (SELECT n, true AS listed FROM blocked) b USING (n)
        WHERE coalesce(inst.latest, '') <> 'unsubscribe' AND (inst.latest = 'consent' OR b.listed IS NULL)
        ORDER BY line
    ) TO '{out / "kept.csv"}' (HEADER false, QUOTE '', DELIMITER '\x01')""")


def run_polars_crm(list_path: Path, publication: Path, instructions: Path, out: Path, cutoff: int) -> None:
    import polars as pl

    register = _register_text(publication, out)
    reg = pl.read_csv(register, has_header=False, new_columns=["n", "d"], schema={"n": pl.Int64, "d": pl.Int64})
    blocked = reg.filter(pl.col("d") <= cutoff).select("n")
    inst = pl.read_csv(instructions, schema={"number": pl.Int64, "instruction": pl.Utf8, "at": pl.Utf8})
    stamp = (pl.col("at").str.replace("Z$", "+00:00").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC")
             .dt.epoch("us") * 2 + (pl.col("instruction") == "unsubscribe").cast(pl.Int64))
    latest = (inst.with_columns(stamp.alias("key")).sort("key").group_by("number").last()
              .select(pl.col("number").alias("n"), pl.col("instruction").alias("latest")))
    lines = pl.read_csv(list_path, has_header=False, skip_rows=1, new_columns=["raw"], schema={"raw": pl.Utf8},
                        separator="\x01", quote_char=None).with_row_index("line")
    t = pl.col("t")
    d = t.str.replace_all(r"[ +-]", "")
    national = (pl.when(t.str.starts_with("+")).then(pl.when(t.str.starts_with("+852")).then(d.str.slice(3)))
                .when((d.str.len_chars() > 8) & d.str.starts_with("00")).then(None)
                .when((d.str.len_chars() > 8) & t.str.starts_with("852")).then(d.str.slice(3))
                .otherwise(d))
    valid = (lines.with_columns(pl.concat_str([pl.col("raw").str.extract(PHONE_FIELD, 1).fill_null(""),
                                               pl.col("raw").str.extract(PHONE_FIELD, 2).fill_null("")])
                                .str.strip_chars(" ").alias("t"))
             .filter(t.str.contains(f"^{SHAPE}$"))
             .with_columns(national.alias("national"))
             .filter(pl.col("national").str.len_chars() == 8)
             .with_columns(pl.col("national").cast(pl.Int64).alias("n")))
    first = valid.unique(subset="n", keep="first", maintain_order=True).join(latest, on="n", how="left")
    kept = first.filter(pl.col("latest").is_null() | (pl.col("latest") != "unsubscribe"))
    kept = kept.filter((pl.col("latest") == "consent").fill_null(False) |
                       ~pl.col("n").is_in(blocked["n"].implode()))
    kept.sort("line").select("raw").write_csv(out / "kept.csv", include_header=False, quote_style="never")


RUNNERS = {"telreg": run_telreg, "duckdb": run_duckdb, "polars": run_polars, "pyset": run_pyset,
           "telreg-crm": run_telreg_crm, "duckdb-crm": run_duckdb_crm, "polars-crm": run_polars_crm}


def child(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runner = RUNNERS[args.child]
    instructions = Path(args.instructions)
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        saved, sys.stdout = sys.stdout, quiet
        try:
            runner(Path(args.list), Path(args.publication), instructions, out, args.cutoff)
        finally:
            sys.stdout = saved
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds (all threads): on a shared, busy machine they say more than the wall clock about the work done.
    print(json.dumps({"seconds": seconds, "peak": _peak_rss(usage), "cpu": usage.ru_utime + usage.ru_stime}))


def _peak_rss(usage: resource.struct_rusage) -> int:
    """This process's own peak resident size, in bytes. Not ru_maxrss: Linux carries into it, across fork and exec,
    the high-water mark of the parent's memory at the fork, so a child of a parent that had once held a 1.4 GB
    kept file reported 2.1 GB at 50M lines for a scrub whose own peak was ~200 MB. VmHWM is the mark of the memory
    the program itself mapped after exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return usage.ru_maxrss * 1024  # not Linux: ru_maxrss, an upper bound


# -- the parent ----------------------------------------------------------------------------------------------------


def _digest(path: Path, *, csv_shape: bool) -> tuple[str, int]:
    """SHA-256 and line count of a kept file; for the CSV shape without telreg's header line and with LF endings
    (the peers write the lines without the header, ending in LF)."""
    digest, lines, first = hashlib.sha256(), 0, True
    with path.open("rb") as handle:  # a block at a time: the parent stays small (see _peak_rss)
        for block in iter(lambda: handle.read(1 << 24), b""):
            if csv_shape:
                if block.endswith(b"\r"):  # keep a CRLF whole
                    block += handle.read(1)
                block = block.replace(b"\r\n", b"\n")
                if first and block.startswith(BOM_HEADER):
                    block = block[len(BOM_HEADER) :]
            first = False
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


BOM_HEADER = b"\xef\xbb\xbfname,phone,segment\n"


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _run(tool: str, list_path: Path, publication: Path, instructions: Path | None, out: Path, cutoff: int) -> dict:
    command = [sys.executable, __file__, "--child", tool, "--list", str(list_path), "--publication", str(publication),
               "--instructions", str(instructions or "none"), "--out", str(out), "--cutoff", str(cutoff)]
    load = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"failed": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load": load}


def compare(title: str, lines: int, list_path: Path, instructions: Path | None, tools: list[str], *,
            directory: Path, publication: Path, cutoff: int, rounds: int) -> dict[str, dict]:
    """Run the tools on the same files, interleaved for ``rounds`` rounds; print medians and ratios."""
    csv_shape = any(t.endswith("-crm") for t in tools)
    subprocess.run(["cat", str(list_path)], stdout=subprocess.DEVNULL, check=True)  # same page cache for all
    runs: dict[str, list[dict]] = {}
    digests: dict[str, tuple[str, int]] = {}
    for _ in range(rounds):
        for tool in tools:
            out = directory / f"out-{tool}"
            got = _run(tool, list_path, publication, instructions, out, cutoff)
            if "failed" in got:
                print(f"  {tool:<12} failed: {got['failed']}", flush=True)
                continue
            runs.setdefault(tool, []).append(got)
            digests[tool] = _digest(out / "kept.csv", csv_shape=csv_shape)
    results = {tool: {"seconds": statistics.median(r["seconds"] for r in got), "peak": max(r["peak"] for r in got),
                      "cpu": statistics.median(r["cpu"] for r in got),
                      "each": [r["seconds"] for r in got], "load": statistics.median(r["load"] for r in got),
                      "kept": digests[tool][1]} for tool, got in runs.items()}
    print(f"{title}: {lines:,} lines ({list_path.name}, {list_path.stat().st_size / 2**20:,.0f} MB), instructions "
          f"{instructions.name if instructions else 'none'}; {rounds} interleaved round(s); {_load()}", flush=True)
    base = next((results[t] for t in results if t.startswith("telreg")), None)
    for tool, r in results.items():
        ratio = "" if tool.startswith("telreg") or not base else f"telreg {r['seconds'] / base['seconds']:.1f}x faster"
        each = " / ".join(f"{x:.2f}" for x in r["each"])
        print(f"  {tool:<12} {r['seconds']:>7.2f} s {lines / r['seconds'] / 1e6:>7.1f} M lines/s "
              f"{r['peak'] / 2**20:>7.0f} MB  cpu {r['cpu']:>7.2f} s  kept {r['kept']:>11,}  {ratio:<24} "
              f"({each}; load {r['load']:.1f})", flush=True)
    if len(digests) > 1:
        same = len({d for d, _ in digests.values()}) == 1
        print(f"  kept lines identical across {', '.join(digests)}: {'yes' if same else 'NO'}", flush=True)
    peers = [t for t in results if t.split("-")[0] in ("duckdb", "polars")]
    if base and peers:
        best = min(results[t]["seconds"] for t in peers)
        best_cpu = min(results[t]["cpu"] for t in peers)
        print(f"  CPU seconds: telreg {base['cpu']:.2f}, the best of DuckDB/Polars {best_cpu:.2f} "
              f"({best_cpu / base['cpu']:.1f}x)", flush=True)
        print(f"  speed-up over the best of DuckDB/Polars: {best / base['seconds']:.1f}x (goal >= 5x); telreg "
              f"{lines / base['seconds'] / 1e6:.1f} M numbers/s (goal >= 15 at 50M); peak {base['peak'] / 2**20:.0f} MB "
              f"(goal < 1024)", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10M,50M", help="list sizes of the mixed CRM shape (default 10M,50M)")
    parser.add_argument("--formatted", default="0,0.5",
                        help="other formatted shares to run at the first size (the mixed shape has 0.2)")
    parser.add_argument("--instructions-rows", default="10k,100k,1M",
                        help="instructions files to time at the first size, against none")
    parser.add_argument("--exotic", type=float, default=0.001,
                        help="share of lines left to Python (full-width digits, line breaks in quotes) to time")
    parser.add_argument("--shapes", default="crm", help="crm, plain (the plain 8-digit lines of issue 4) or both")
    parser.add_argument("--peers", default="telreg,duckdb,polars", help="tools: telreg,duckdb,polars[,pyset]")
    parser.add_argument("--skip-pyset-above", default="10M", help="the Python set is slow: skip it above this")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per tool; the median is reported")
    parser.add_argument("--quick", action="store_true", help="a development run: 1M lines, one round, fewer shapes")
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
        bench(Path(args.dir), args, generate=True)
        return
    if args.quick:
        args.sizes, args.formatted, args.instructions_rows, args.rounds = "1M", "0.5", "10k,1M", 1
    with tempfile.TemporaryDirectory(prefix="scrub-bench-") as temporary:
        directory = Path(args.dir or temporary)
        directory.mkdir(parents=True, exist_ok=True)
        bench(directory, args)


def _numbers_block(register: np.ndarray, seed_offset: int):  # type: ignore[no-untyped-def]
    """Numbers for lines at..at+n: distinct (an affine permutation of the 80M range), ~20% on the register, ~2%
    repeating an earlier line's."""
    def block(at: int, n: int, rng: np.random.Generator) -> np.ndarray:
        index = np.arange(at, at + n, dtype=np.int64) + seed_offset
        numbers = 20_000_000 + (index * 48_271_079) % 80_000_000
        on_register = rng.random(n) < 0.20
        numbers[on_register] = register[rng.integers(0, len(register), size=int(on_register.sum()))]
        repeat = np.flatnonzero(rng.random(n) < 0.02)
        numbers[repeat] = numbers[rng.integers(0, np.maximum(repeat, 1))]
        return numbers
    return block


def make_crm_list(directory: Path, lines: int, register: np.ndarray, *, formatted: float, exotic: float = 0.0) -> Path:
    from scrub_shapes import write_crm_list

    path = directory / f"crm-{lines}-f{int(formatted * 100)}-x{exotic:g}.csv"
    if not path.is_file():
        partial = path.with_suffix(".partial")
        write_crm_list(partial, lines, _numbers_block(register, lines % 80_000_000), formatted=formatted,
                       exotic=exotic, seed=lines)
        partial.rename(path)
    return path


def make_crm_instructions(directory: Path, rows: int, register: np.ndarray) -> Path:
    from scrub_shapes import write_instructions

    path = directory / f"instructions-{rows}.csv"
    if not path.is_file():
        write_instructions(path, rows, register)
    return path


def parse_rate(path: Path, rows: int) -> str:
    """Instructions rows per second of load_instructions (read, checked, latest per number), in this process."""
    from telreg.senders.scrub.instruction_fast import read_fast
    from telreg.senders.scrub.instructions import load_instructions

    raw = path.read_bytes()
    whole, fast = [], []
    for _ in range(5):
        started = time.perf_counter()
        load_instructions(path)
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        read_fast(raw)
        fast.append(time.perf_counter() - started)
    return (f"{rows:,} rows: C reader {rows / statistics.median(fast) / 1e6:.1f} M rows/s; load_instructions "
            f"(read, SHA-256, latest per number) {statistics.median(whole):.3f} s = {rows / statistics.median(whole) / 1e6:.1f} M rows/s")


def _files(directory: Path, args: argparse.Namespace, sizes: list[int], shapes: list[str],
           register: np.ndarray) -> None:
    """Make every file the run needs (each kept in --dir for the next run)."""
    if "crm" in shapes:
        make_crm_instructions(directory, 300_000, register)
        for n in sizes:
            make_crm_list(directory, n, register, formatted=0.2)
        for share in [float(x) for x in args.formatted.split(",") if x]:
            make_crm_list(directory, sizes[0], register, formatted=share)
        for rows in [_size(x) for x in args.instructions_rows.split(",") if x]:
            make_crm_instructions(directory, rows, register)
        if args.exotic > 0:
            make_crm_list(directory, sizes[0], register, formatted=0.2, exotic=args.exotic)
    if "plain" in shapes:
        make_instructions(directory, register)
        for n in sizes:
            make_list(directory, n, register)


def bench(directory: Path, args: argparse.Namespace, *, generate: bool = False) -> None:
    """Generate the files (``generate``: in a child process, so the parent stays small), or run the tools on them
    and print the figures."""
    sys.path.insert(0, str(Path(__file__).parent))
    sizes = [_size(x) for x in args.sizes.split(",")]
    peers = args.peers.split(",")
    shapes = args.shapes.split(",")
    rounds = max(1, args.rounds)
    if generate:
        started = time.perf_counter()
        publication = make_publication(directory)
        register = _register_numbers(publication)
        _files(directory, args, sizes, shapes, register)
        print(f"generated in {time.perf_counter() - started:.0f} s: register of {len(register):,} numbers",
              flush=True)
        return
    print(f"{os.cpu_count()} CPUs; {_load()} at the start; send date {SEND_DATE}", flush=True)
    command = [sys.executable, __file__, "--generate", "--dir", str(directory), "--sizes", args.sizes, "--formatted",
               args.formatted, "--instructions-rows", args.instructions_rows, "--exotic", str(args.exotic),
               "--shapes", args.shapes]
    subprocess.run(command, check=True)
    publication = directory / "sms-dated.zip"
    register = None  # the files exist: nothing to generate in this process
    cutoff = protection_cutoff(publication)
    common = {"directory": directory, "publication": publication, "cutoff": cutoff, "rounds": rounds}
    if "crm" in shapes:
        tools = [f"{p}-crm" for p in peers if p != "pyset"]
        instructions = make_crm_instructions(directory, 300_000, register)
        lists = {n: make_crm_list(directory, n, register, formatted=0.2) for n in sizes}
        for n, path in lists.items():
            compare("Mixed CRM export (20% formatted, 1% garbage, name column; 300,000 instructions with offsets)",
                    n, path, instructions, tools, **common)
        first = sizes[0]
        for share in [float(x) for x in args.formatted.split(",") if x]:
            path = make_crm_list(directory, first, register, formatted=share)
            compare(f"CRM export, {share:.0%} formatted", first, path, instructions, tools, **common)
        rows_list = [_size(x) for x in args.instructions_rows.split(",") if x]
        if rows_list:
            files = [None] + [make_crm_instructions(directory, rows, register) for rows in rows_list]
            print(f"Instructions files on the {first:,}-line mixed list, telreg alone, {rounds} interleaved round(s)"
                  f"; {_load()}", flush=True)
            times: dict[str, list[float]] = {}
            cpu: dict[str, list[float]] = {}
            for _ in range(rounds):
                for file in files:
                    got = _run("telreg-crm", lists[first], publication, file, directory / "out-inst", cutoff)
                    times.setdefault(file.name if file else "none", []).append(got.get("seconds", float("nan")))
                    cpu.setdefault(file.name if file else "none", []).append(got.get("cpu", float("nan")))
            none, none_cpu = statistics.median(times["none"]), statistics.median(cpu["none"])
            for name, got in times.items():
                used = statistics.median(cpu[name])
                extra = "" if name == "none" else (f"  adds {statistics.median(got) - none:+.2f} s, CPU "
                                                   f"{used - none_cpu:+.2f} s (goal < 0.2 s at 1M rows)")
                print(f"  {name:<24} {statistics.median(got):>7.2f} s (CPU {used:.2f} s){extra}", flush=True)
            for rows, file in zip(rows_list, files[1:], strict=True):
                print("  " + parse_rate(file, rows) + " (goal >= 10 M rows/s)", flush=True)  # type: ignore[arg-type]
        if args.exotic > 0:
            path = make_crm_list(directory, first, register, formatted=0.2, exotic=args.exotic)
            print(f"Lines left to Python ({args.exotic:.1%} of lines: full-width digits, line breaks in quotes), "
                  f"telreg alone; {_load()}", flush=True)
            times, cpu = {}, {}
            for _ in range(rounds):
                for label, file in (("mixed", lists[first]), ("mixed + exotic", path)):
                    got = _run("telreg-crm", file, publication, instructions, directory / "out-exotic", cutoff)
                    times.setdefault(label, []).append(got.get("seconds", float("nan")))
                    cpu.setdefault(label, []).append(got.get("cpu", float("nan")))
            base, base_cpu = statistics.median(times["mixed"]), statistics.median(cpu["mixed"])
            for label, got in times.items():
                used = statistics.median(cpu[label])
                print(f"  {label:<24} {statistics.median(got):>7.2f} s ({statistics.median(got) - base:+.2f} s); CPU "
                      f"{used:.2f} s ({used - base_cpu:+.2f} s)", flush=True)
    if "plain" in shapes:
        plain_instructions = make_instructions(directory, register)
        for n in sizes:
            path = make_list(directory, n, register)
            tools = [p for p in peers if p != "pyset" or n <= _size(args.skip_pyset_above)]
            compare("Plain 8-digit lines (issue 4's shape; 20,000 instructions)", n, path, plain_instructions, tools,
                    **common)


if __name__ == "__main__":
    main()
