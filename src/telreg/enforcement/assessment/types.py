"""The assessment's values: its lines and the whole (kept on the report as ``as_dict()``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Assessment", "Line"]


@dataclass(frozen=True)
class Line:
    """One finding: ``code`` a stable name (e.g. ``listed-at-arrival``), ``outcome`` yes | no | unknown | info,
    ``finding`` and ``rule`` the catalog msgids of the sentence and of the rule, ``params`` their values."""

    code: str
    outcome: str
    finding: str
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    verdict: str
    lines: tuple[Line, ...]
    computed_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict,
                "computed_at": self.computed_at.isoformat() if self.computed_at else None,
                "lines": [{"code": x.code, "outcome": x.outcome, "finding": str(x.finding), "rule": str(x.rule),
                           "params": x.params} for x in self.lines]}

    def line(self, code: str, register: str | None = None) -> Line | None:
        """The first line with this code (and register, when given)."""
        return next((x for x in self.lines if x.code == code
                     and (register is None or x.params.get("register") == register)), None)
