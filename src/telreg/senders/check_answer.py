"""An online check's answer, as the web page reads it (:meth:`CheckAnswer.as_dict`) and as the API sends it
(:meth:`CheckAnswer.as_json`: the same document, byte for byte what ``json.dumps`` of the dict would give).

The API's answer is the hot path (issue 18 §2): building ~100 result dicts of ~3 answer dicts each and letting
``json.dumps`` walk them cost about half of a check's CPU. The answer is held as its parts — the entries' numbers,
an index per entry into the check's distinct verdicts (most entries share "not listed anywhere"), the day
protection starts per registration date met — and rendered from them: each distinct verdicts' registers are
serialised once (a listed register's answer is kept across checks), and the entries are joined by the scrub's C
module (``render_entries``), which hands back only the entries that need ``json.dumps`` (text to escape, reasons).
The web page reads the same parts as a document (:meth:`CheckAnswer.as_dict`); a property test holds the bytes to
``json.dumps`` of that document.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from telreg.dnc.listing_index import REMOVED, _code, _day
from telreg.senders.scrub import _kernels

__all__ = ["INVALID", "NOT_LISTED", "CheckAnswer", "Entry"]

NOT_LISTED = "not_listed"
INVALID = "invalid"
Verdict = str | dt.date  # NOT_LISTED, INVALID, or the registration date of a listing

_NOT_LISTED = {"status": "not_listed", "registered_on": None, "protection_starts_on": None, "protected": False}
_INVALID = {"status": "invalid", "registered_on": None, "protection_starts_on": None, "protected": False}
_FRAGMENTS: dict[object, str] = {
    NOT_LISTED: json.dumps(_NOT_LISTED, separators=(",", ":")),
    INVALID: json.dumps(_INVALID, separators=(",", ":")),
}
_VERBATIM = re.compile(r"[0-9A-Za-z +\-().]*")  # text that json.dumps(ensure_ascii=False) leaves as it is


def _text(value: str | None) -> str:
    if value is None:
        return "null"
    if _VERBATIM.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


class Entry(NamedTuple):
    """One entry of the check: as typed, its national number (or the reason it is none), a verdict per register.
    A named tuple: a check makes a hundred, and a frozen dataclass's ``__init__`` cost ~3x as much."""

    input: str | None
    number: str | None
    reason: str | None
    verdicts: tuple[Verdict, ...]  # in the order of CheckAnswer.registers


# A listed register's answer per (registration date, protection start, day asked), kept across checks: a check of
# 100 numbers against a register of a few years meets ~30 registration dates, nearly all met by earlier checks.
_LISTED: dict[tuple[int, int, int], str] = {}


def _listed_fragment(code: int, begins: int, on: int) -> str:
    found = _LISTED.get((code, begins, on))
    if found is None:
        if len(_LISTED) >= 100_000:
            _LISTED.clear()  # bounded: a few years of dates times the days asked about
        found = _LISTED[(code, begins, on)] = (
            f'{{"status":"listed","registered_on":"{_day(code).isoformat()}",'
            f'"protection_starts_on":"{_day(begins).isoformat()}","protected":{"true" if on >= begins else "false"}}}')
    return found


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """A check's answer, held as its parts (the hot path renders them without building an object per entry).

    ``values[i]`` is entry i's national number as an int, or -1 when the entry is none (then ``reasons[i]`` says
    why); ``ids[i]`` is the row of ``kinds`` holding its verdicts: per register (in the order of ``registers``) the
    registration date as a YYYYMMDD code, or REMOVED (0) when not listed. ``begins`` maps each registration date
    met to the day its protection starts (same codes). :meth:`of_entries` builds one from :class:`Entry` values."""

    checked_at: dt.datetime
    on: dt.date
    registers: Sequence[str]
    inputs: list[str | None]
    values: np.ndarray  # int64
    reasons: dict[int, str]
    ids: np.ndarray  # int32
    kinds: np.ndarray  # uint32, one row per distinct verdicts
    begins: dict[int, int]
    invalid: int
    listed: int
    protected: int

    @classmethod
    def of_entries(cls, *, checked_at: dt.datetime, on: dt.date, registers: Sequence[str], entries: Sequence[Entry],
                   invalid: int, listed: int, protected: int,
                   protection_starts: Callable[[dt.date], dt.date]) -> CheckAnswer:
        rows: dict[tuple[int, ...], int] = {}
        ids = [rows.setdefault(tuple(REMOVED if v == NOT_LISTED else _code(v) for v in e.verdicts),  # type: ignore[arg-type]
                               len(rows)) if e.number is not None else -1 for e in entries]
        begins = {code: _code(protection_starts(_day(code))) for row in rows for code in row if code != REMOVED}
        return cls(checked_at=checked_at, on=on, registers=registers, inputs=[e.input for e in entries],
                   values=np.array([-1 if e.number is None else int(e.number) for e in entries], dtype=np.int64),
                   reasons={i: e.reason or "" for i, e in enumerate(entries) if e.number is None},
                   ids=np.array(ids, dtype=np.int32),
                   kinds=np.array(list(rows), dtype=np.uint32).reshape(len(rows), len(registers)),
                   begins=begins, invalid=invalid, listed=listed, protected=protected)

    @property
    def verdicts(self) -> list[tuple[Verdict, ...]]:
        """Per row of ``kinds``: NOT_LISTED or the registration date, per register."""
        return [tuple(NOT_LISTED if code == REMOVED else _day(code) for code in row) for row in self.kinds.tolist()]

    @property
    def entries(self) -> list[Entry]:
        """The entries one by one (the web page; tests)."""
        invalid = (INVALID,) * len(self.registers)
        verdicts = self.verdicts
        return [Entry(text, None, self.reasons[i], invalid) if value < 0 else
                Entry(text, f"{value:08d}", None, verdicts[kind])
                for i, (text, value, kind) in enumerate(zip(self.inputs, self.values.tolist(), self.ids.tolist()))]

    def _listed(self, registered_on: dt.date) -> dict[str, Any]:
        begins = _day(self.begins[_code(registered_on)])
        return {"status": "listed", "registered_on": registered_on.isoformat(),
                "protection_starts_on": begins.isoformat(), "protected": self.on >= begins}

    def _head(self) -> dict[str, Any]:
        return {"checked_at": self.checked_at.isoformat(), "on": self.on.isoformat(), "registers": list(self.registers),
                "summary": {"numbers": len(self.inputs), "invalid": self.invalid, "listed": self.listed,
                            "protected": self.protected}}

    def as_dict(self) -> dict[str, Any]:
        """The answer as a document (the web page's template and tests read it)."""
        shared: dict[object, dict[str, Any]] = {NOT_LISTED: _NOT_LISTED, INVALID: _INVALID}

        def answer(verdict: Verdict) -> dict[str, Any]:
            found = shared.get(verdict)
            if found is None:
                found = shared[verdict] = self._listed(verdict)  # type: ignore[arg-type]
            return found

        results = [{"input": e.input, "number": e.number, "valid": e.number is not None, "reason": e.reason,
                    "registers": {r: answer(v) for r, v in zip(self.registers, e.verdicts)}} for e in self.entries]
        return {**self._head(), "results": results}

    def as_json(self) -> bytes:
        """``json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")).encode()``: each distinct
        verdicts' registers serialised once (a listed register's answer is kept across checks), the entries joined
        by the scrub's C module (render_entries in senders/scrub/_answer.h), which hands back here only the entries
        that need json.dumps (escapes, reasons)."""
        on, begins = _code(self.on), self.begins
        names = [f'"{r}":' if _VERBATIM.fullmatch(r) else json.dumps(r) + ":" for r in self.registers]
        not_listed = _FRAGMENTS[NOT_LISTED]
        kinds = [(",".join(name + (not_listed if code == REMOVED else _listed_fragment(code, begins[code], on))
                           for name, code in zip(names, row)) + "}}").encode() for row in self.kinds.tolist()]
        invalid = (",".join(name + _FRAGMENTS[INVALID] for name in names) + "}}").encode()

        def other(i: int) -> bytes:  # an entry render_entries leaves to json.dumps
            value, text = int(self.values[i]), self.inputs[i]
            if value >= 0:
                return (f'{{"input":{_text(text)},"number":"{value:08d}","valid":true,"reason":null,"registers":{{'
                        .encode() + kinds[self.ids[i]])
            return (f'{{"input":{_text(text)},"number":null,"valid":false,"reason":{_text(self.reasons[i])},'
                    f'"registers":{{'.encode() + invalid)

        results = _kernels.render_entries(self.inputs, self.values, self.ids, kinds, other)
        head = json.dumps(self._head(), ensure_ascii=False, separators=(",", ":")).encode()
        return head[:-1] + b',"results":[' + results + b"]}"
