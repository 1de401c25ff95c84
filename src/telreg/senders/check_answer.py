"""An online check's answer, as the web page reads it (:meth:`CheckAnswer.as_dict`) and as the API sends it
(:meth:`CheckAnswer.as_json`: the same document, byte for byte what ``json.dumps`` of the dict would give).

The API's answer is the hot path (issue 18 §2): building ~100 result dicts of ~3 answer dicts each and letting
``json.dumps`` walk them cost about half of a check's CPU. Nearly every entry's answer is one of a few fragments —
"not listed", "invalid", or "listed on this date, protected from that date, in force or not on the day asked" —
so each fragment is serialised once per check (a listed one per registration date met: the calendar, which
decides when protection starts, may change between checks) and an entry is a few string joins; ``json.dumps`` is called only for text that needs escaping (an entry as typed that is not a
plain spelling of a number, a reason).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

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


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    checked_at: dt.datetime
    on: dt.date
    registers: Sequence[str]
    entries: Sequence[Entry]
    invalid: int
    listed: int
    protected: int
    protection_starts: Callable[[dt.date], dt.date]

    def _listed(self, registered_on: dt.date) -> dict[str, Any]:
        begins = self.protection_starts(registered_on)
        return {"status": "listed", "registered_on": registered_on.isoformat(),
                "protection_starts_on": begins.isoformat(), "protected": self.on >= begins}

    def _head(self) -> dict[str, Any]:
        return {"checked_at": self.checked_at.isoformat(), "on": self.on.isoformat(), "registers": list(self.registers),
                "summary": {"numbers": len(self.entries), "invalid": self.invalid, "listed": self.listed,
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
        """``json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")).encode()``, built from
        fragments serialised once per check."""
        on = self.on
        names = [f'"{r}":' if _VERBATIM.fullmatch(r) else json.dumps(r) + ":" for r in self.registers]
        fragments = dict(_FRAGMENTS)  # + one per registration date met (the calendar may move its protection)

        def fragment(verdict: Verdict) -> str:
            found = fragments.get(verdict)
            if found is None:
                begins = self.protection_starts(verdict)  # type: ignore[arg-type]
                found = fragments[verdict] = (
                    f'{{"status":"listed","registered_on":"{verdict.isoformat()}",'  # type: ignore[union-attr]
                    f'"protection_starts_on":"{begins.isoformat()}",'
                    f'"protected":{"true" if on >= begins else "false"}}}')
            return found

        # Most entries share their verdicts (not listed anywhere, invalid): their registers are joined once.
        joined: dict[tuple[Verdict, ...], str] = {}
        parts = []
        for e in self.entries:
            registers = joined.get(e.verdicts)
            if registers is None:
                registers = joined[e.verdicts] = ",".join(
                    name + fragment(verdict) for name, verdict in zip(names, e.verdicts)) + "}}"
            if e.number is not None:
                typed = f'"{e.number}"' if e.input == e.number else _text(e.input)  # a plain number needs no look
                head = f'{{"input":{typed},"number":"{e.number}","valid":true,"reason":null,"registers":{{'
            else:
                head = (f'{{"input":{_text(e.input)},"number":null,"valid":false,"reason":{_text(e.reason)},'
                        f'"registers":{{')
            parts.append(head + registers)
        head = json.dumps(self._head(), ensure_ascii=False, separators=(",", ":"))
        return (head[:-1] + ',"results":[' + ",".join(parts) + "]}").encode()
