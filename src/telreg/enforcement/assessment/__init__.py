"""The automatic assessment of one report: what the platform's own records say about the message, line by line,
each with the rule behind it, and a verdict class (vocabulary.VERDICTS).

PLACEHOLDER (groundwork): the assessment work replaces this module's body; the names and signatures below are the
interface the intake (reports.py), the cases (cases.py), the pages and the statistics use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.enforcement.models import Report

__all__ = ["Assessment", "Line", "assess", "assess_and_store"]


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
                "lines": [{"code": x.code, "outcome": x.outcome, "finding": x.finding, "rule": x.rule,
                           "params": x.params} for x in self.lines]}


def assess(session: Session, *, clock: Clock, settings: Settings, report: Report,
           account_id: int | None = None) -> Assessment:
    """Assess a report against the listing history, the publications, the sender's downloads, washes and own
    consent/unsubscribe instructions. ``account_id``: the subscriber the sender is (else the report's case's
    account, else a unique match of its identification, else none)."""
    return Assessment("insufficient_information", (), clock.now())


def assess_and_store(session: Session, *, clock: Clock, settings: Settings, report: Report,
                     account_id: int | None = None) -> Assessment:
    """Assess and keep the result on the report (verdict, assessment, assessed_at); flushes, never commits."""
    result = assess(session, clock=clock, settings=settings, report=report, account_id=account_id)
    report.verdict = result.verdict
    report.assessment = result.as_dict()
    report.assessed_at = clock.now()
    session.flush()
    return result
