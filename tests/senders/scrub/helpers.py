"""Helpers for the scrub tests: publications written with the real formats, the CLI run in-process."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np

from telreg.core.clock import HK
from telreg.dnc.publish import formats


def write_publication(directory: Path, listings: dict[str, str], *, day: dt.date, register: str = "sms") -> Path:
    """Write ``<register>-dated.zip`` and its checksum files as the publisher does; listings: number → ISO date."""
    directory.mkdir(parents=True, exist_ok=True)
    ordered = sorted(listings.items())
    numbers = np.array([int(n) for n, _ in ordered], dtype=np.uint64)
    dates = np.array([int(d.replace("-", "")) for _, d in ordered], dtype=np.uint64)
    path = directory / f"{register}-dated.zip"
    formats.write_zip(path, entry=f"{register}-dated.txt", data=formats.format_dated(numbers, dates),
                      lines=len(numbers), stamp=dt.datetime.combine(day, dt.time(23, 0), HK))
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run `telreg …` in-process; a DomainError gives exit code 1 and its message, as `telreg` prints it."""
    from typer.testing import CliRunner

    from telreg import cli as cli_module
    from telreg.core.errors import DomainError

    cli_module._register_subapps_once()
    result = CliRunner().invoke(cli_module.app, list(args), catch_exceptions=True)
    if isinstance(result.exception, DomainError):
        return 1, result.stdout, result.exception.message
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def rejected(out: Path) -> list[dict[str, Any]]:
    text = (out / "rejected.csv").read_bytes().decode("utf-8")
    assert text.startswith("line,original,decision,reason\r\n")
    return [dict(row, line=int(row["line"])) for row in csv.DictReader(io.StringIO(text, newline=""))]


def kept_lines(out: Path) -> list[bytes]:
    return (out / "kept.csv").read_bytes().splitlines(keepends=True)
