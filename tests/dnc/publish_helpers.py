"""Helpers for the publication tests: history over days, publishing at the close, reading published files."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.dnc import feeds, service
from telreg.dnc.publish import formats
from telreg.dnc.publish import service as publication
from telreg.dnc.vocabulary import Channel, Register, Verification

from .helpers import list_number


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HK)


def register(runtime: Any, number: str, *registers: Register) -> None:
    with unit_of_work(runtime.session_factory) as session:
        list_number(session, runtime, number, *registers)


def deregister(runtime: Any, number: str, *registers: Register) -> None:
    with unit_of_work(runtime.session_factory) as session:
        service.deregister_number(session, clock=runtime.clock, settings=runtime.settings, number=number,
                                  registers=list(registers), channel=Channel.caller_id,
                                  verification=Verification.caller_id, actor="channel:ivr")


def terminate(runtime: Any, number: str, on: dt.date) -> None:
    with unit_of_work(runtime.session_factory) as session:
        run = feeds.import_terminated(session, clock=runtime.clock, settings=runtime.settings, operator="op1",
                                      filename="t.csv", content=f"number,terminated_on\n{number},{on}\n".encode(),
                                      actor="officer:olivia")
        assert run.status == "applied"


def publish(runtime: Any, day: dt.date, settings: Any = None) -> publication.PublicationResult:
    with unit_of_work(runtime.read_session_factory) as session:
        return publication.publish(session, clock=runtime.clock, settings=settings or runtime.settings, day=day)


def entry_text(path: Path) -> str:
    return formats.read_zip_entry(path).decode("ascii")


def lines(path: Path) -> list[str]:
    text = entry_text(path)
    assert text == "" or text.endswith("\r\n")
    return text.split("\r\n")[:-1] if text else []


def file_hashes(directory: Path) -> dict[str, str]:
    """sha256 of every published file but the manifest (which records when it was generated)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir()) if p.name != "manifest.json"}


def stable_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k not in ("generated_at", "build_seconds")}
