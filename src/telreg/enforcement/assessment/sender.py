"""What the platform holds about the sender, as it stood when the message arrived.

Who the sender is: the account given (an officer's choice), else the report's case's account, else the one
subscriber account its identification matches (enforcement/matching.py); several matches are an ambiguity shown to
the officer, never resolved here.

For an account, per register: its subscription on the arrival date (periods ``[starts_on, ends_on)``); its
download log (did it download, before the message, a file that carried the number); its online checks (the log
keeps counts only, not the numbers checked); its washes finished before the message (did the uploaded list hold
the number, and what did the wash decide — read from the wash's result files while they are kept); and its own
consent/unsubscribe instruction for the number in force at the arrival (senders/lists: the latest at or before it,
an unsubscribe winning a tie; any of the account's lists, its own or a client company's).

These read the senders' tables directly (read-only, a handful of set-based queries): the evidence is the records
as they are, and no senders' use case answers "as it stood at a past moment".
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import mmap
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telreg.core.clock import to_hk
from telreg.enforcement.matching import match_accounts
from telreg.enforcement.models import Case, Report
from telreg.senders.lists import service as lists
from telreg.senders.lists.models import SenderInstruction
from telreg.senders.models import SenderAccount, SenderCheck, SenderDownload, SenderSubscription
from telreg.senders.washing import files as wash_files
from telreg.senders.washing.models import SenderWash

__all__ = ["Download", "SenderFacts", "WashFinding", "account_names", "checks", "downloads", "instructions",
           "resolve", "subscription", "washes"]

WASHES_READ = 10  # the most recent washes before the message whose files are searched
FOUND_PER_FILE = 5


@dataclass(frozen=True)
class SenderFacts:
    """Who the sender is: ``account_id`` when known; ``candidates`` the accounts it may be (several: ambiguous);
    ``how``: given | case | match | none | ambiguous."""

    account_id: int | None
    candidates: tuple[int, ...]
    how: str

    @property
    def ambiguous(self) -> bool:
        return self.account_id is None and len(self.candidates) > 1


def resolve(session: Session, *, report: Report, account_id: int | None) -> SenderFacts:
    if account_id is not None:
        return SenderFacts(account_id, (account_id,), "given")
    if report.case_id is not None:
        case_account = session.scalar(select(Case.account_id).where(Case.id == report.case_id))
        if case_account is not None:
            return SenderFacts(case_account, (case_account,), "case")
    match = match_accounts(session, identification=report.sender_identification)
    if match.unique is not None:
        return SenderFacts(match.unique, match.account_ids, "match")
    return SenderFacts(None, match.account_ids, "ambiguous" if match.ambiguous else "none")


def account_names(session: Session, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    rows = session.execute(select(SenderAccount.id, SenderAccount.name).where(SenderAccount.id.in_(ids))
                           .order_by(SenderAccount.id)).all()
    return [{"id": r.id, "name": r.name} for r in rows]


def subscription(session: Session, *, account_id: int, register: str,
                 day: dt.date) -> tuple[SenderSubscription | None, SenderSubscription | None]:
    """The period covering ``day`` (None: none), and the latest period that ended on or before it."""
    periods = list(session.scalars(select(SenderSubscription).where(
        SenderSubscription.account_id == account_id, SenderSubscription.register == register)
        .order_by(SenderSubscription.starts_on)))
    covering = next((p for p in periods if p.starts_on <= day < p.ends_on), None)
    ended = [p for p in periods if p.ends_on <= day]
    return covering, (ended[-1] if ended else None)


@dataclass(frozen=True)
class Download:
    file_name: str
    publication_date: dt.date
    downloaded_at: dt.datetime


def _file_pattern(register: str) -> Any:
    return or_(SenderDownload.file_name == f"{register}-numbers.zip",
               SenderDownload.file_name == f"{register}-dated.zip")


def downloads(session: Session, *, account_id: int, register: str, at: dt.datetime,
              first_carrying: dt.date | None) -> tuple[int, int, Download | None]:
    """(files of the register downloaded before ``at``, of which carried the number, the latest that did).

    A numbers or dated file carries every listing of its day, so one of the first carrying publication or later
    does; a change file carries only what changed since the publication before it, so only the first carrying
    publication's change file adds the number.
    """
    base = (SenderDownload.account_id == account_id, SenderDownload.register == register,
            SenderDownload.downloaded_at < at, SenderDownload.file_name.like(f"{register}-%.zip"))
    total = int(session.scalar(select(func.count()).select_from(SenderDownload).where(*base)) or 0)
    if first_carrying is None or total == 0:
        return total, 0, None
    carrying = or_(
        (SenderDownload.publication_date >= first_carrying) & _file_pattern(register),
        (SenderDownload.publication_date == first_carrying) & SenderDownload.file_name.like(f"{register}-changes-%"),
    )
    rows = session.execute(select(SenderDownload.file_name, SenderDownload.publication_date,
                                  SenderDownload.downloaded_at, func.count().over().label("n"))
                           .where(*base, carrying)
                           .order_by(SenderDownload.downloaded_at.desc(), SenderDownload.id.desc()).limit(1)).first()
    if rows is None:
        return total, 0, None
    return total, int(rows.n), Download(rows.file_name, rows.publication_date, to_hk(rows.downloaded_at))


def checks(session: Session, *, account_id: int, register: str, since: dt.datetime,
           until: dt.datetime) -> tuple[int, int]:
    """(online checks covering the register in [since, until), numbers checked in them)."""
    row = session.execute(select(func.count(), func.coalesce(func.sum(SenderCheck.numbers_checked), 0)).where(
        SenderCheck.account_id == account_id, SenderCheck.checked_at >= since, SenderCheck.checked_at < until,
        SenderCheck.registers.like(f"%{register}%"))).one()
    return int(row[0]), int(row[1])


# ---- washes ----------------------------------------------------------------------------------------------------


@dataclass
class WashFinding:
    """One wash finished before the message; ``held``: its result files are still kept; ``kept`` / ``rejected``:
    the lines holding the number (rejected: with the wash's decision)."""

    wash_id: int
    input_name: str
    send_date: dt.date
    finished_at: dt.datetime
    held: bool
    publication_date: dt.date | None
    publication_sha256: str | None
    kept: bool = False
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.kept or bool(self.rejected)


def _number_pattern(number: str) -> re.Pattern[bytes]:
    """The number however a list may spell it: its digits, grouped by single spaces or hyphens (core/phone.py).
    No look-behind and no optional prefix in the pattern itself, so the scan stays a fast literal-led search
    (~0.4 s for 120 MB); :func:`_whole` checks the boundaries of each match."""
    return re.compile("[ -]?".join(number).encode())


_DIGITS = frozenset(b"0123456789")
_SEPARATORS = frozenset(b" -")


def _whole(data: Any, start: int, end: int) -> bool:
    """Whether the match at data[start:end] is a whole number: no digit run continues it on either side (across one
    space or hyphen), except the +852 / 852 country code before it."""
    size = len(data)
    after = end + 1 if end < size and data[end] in _SEPARATORS else end
    if after < size and data[after] in _DIGITS:
        return False
    before = start - 1 if start > 0 and data[start - 1] in _SEPARATORS else start
    if before == 0 or data[before - 1] not in _DIGITS:
        return True
    prefix = before - 3
    return (prefix >= 0 and bytes(data[prefix:before]) == b"852"
            and (prefix == 0 or data[prefix - 1] not in _DIGITS))


def _lines_with(path: Path, pattern: re.Pattern[bytes], limit: int) -> list[bytes]:
    """The lines of a file holding the number (at most ``limit``), found by one scan of its mapped bytes."""
    try:
        with open(path, "rb") as handle:
            if handle.seek(0, 2) == 0:
                return []
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                found: list[bytes] = []
                position = 0
                while len(found) < limit:
                    match = pattern.search(data, position)  # type: ignore[call-overload]
                    if match is None:
                        break
                    if not _whole(data, match.start(), match.end()):
                        position = match.start() + 1
                        continue
                    start = data.rfind(b"\n", 0, match.start()) + 1
                    end = data.find(b"\n", match.end())
                    end = len(data) if end < 0 else end
                    found.append(bytes(data[start:end]).rstrip(b"\r"))
                    position = end + 1
                return found
    except (FileNotFoundError, ValueError):
        return []


def _rejected_rows(lines: list[bytes], pattern: re.Pattern[bytes]) -> list[dict[str, Any]]:
    """rejected.csv rows (line,original,decision,reason) whose *original* line holds the number."""
    rows = []
    for raw in lines:
        try:
            cells = next(csv.reader([raw.decode("utf-8", "replace")]))
        except (csv.Error, StopIteration):
            continue
        original = cells[1].encode("utf-8") if len(cells) >= 3 else b""
        if cells[0].isdigit() and any(_whole(original, m.start(), m.end()) for m in pattern.finditer(original)):
            rows.append({"line": int(cells[0]), "decision": cells[2]})
    return rows


def _receipt(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / "receipt.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def washes(session: Session, *, data_dir: Path, account_id: int, register: str, at: dt.datetime,
           number: str) -> tuple[int, list[WashFinding]]:
    """(washes of the register finished before ``at``, the most recent WASHES_READ of them searched)."""
    base = (SenderWash.account_id == account_id, SenderWash.register == register,
            SenderWash.state.in_(("done", "expired")), SenderWash.finished_at <= at)
    total = int(session.scalar(select(func.count()).select_from(SenderWash).where(*base)) or 0)
    rows = session.scalars(select(SenderWash).where(*base)
                           .order_by(SenderWash.finished_at.desc(), SenderWash.id.desc()).limit(WASHES_READ)).all()
    pattern = _number_pattern(number)
    findings = []
    for wash in rows:
        out = wash_files.out_dir(data_dir, wash.id)
        held = wash.state == "done" and (out / "kept.csv").is_file() and (out / "rejected.csv").is_file()
        finding = WashFinding(wash.id, wash.input_name, wash.send_date, to_hk(wash.finished_at), held,
                              wash.publication_date, wash.publication_sha256)
        if held:
            receipt = _receipt(out)
            publication = (receipt or {}).get("publication") or {}
            if publication.get("date"):
                finding.publication_date = dt.date.fromisoformat(publication["date"])
                finding.publication_sha256 = publication.get("sha256") or finding.publication_sha256
            finding.rejected = _rejected_rows(_lines_with(out / "rejected.csv", pattern, FOUND_PER_FILE), pattern)
            finding.kept = bool(_lines_with(out / "kept.csv", pattern, 1))
        findings.append(finding)
    return total, findings


# ---- instructions ----------------------------------------------------------------------------------------------


def instructions(session: Session, *, account_ids: tuple[int, ...], registers: tuple[str, ...], number: str,
                 at: dt.datetime) -> dict[tuple[int, str], SenderInstruction]:
    """Per (account, register) the instruction in force at ``at`` (senders/lists' rule, one implementation)."""
    if not account_ids:
        return {}
    return lists.in_force_at(session, account_ids=account_ids, registers=registers, number=number, at=at)
