"""The automatic assessment of one report: what the platform's own records say about the message, line by line,
each with the rule behind it, and a verdict class (vocabulary.VERDICTS).

    listing.py     the number's listing on a register at a moment, from its append-only history
    protection.py  when protection started (the working calendar as it stood), the first publication carrying it
    sender.py      who the sender is; its subscription, downloads, online checks, washes and own instructions
    verdict.py     the verdict's precedence (documented there)
    compose.py     the lines, in reading order (their codes are listed there); rules.py the rules they cite
    types.py       Line and Assessment (``as_dict()`` is what the report keeps)
    describe.py    the lines in a reader's language, for pages and the API

The assessment reads; it never writes (``assess_and_store`` keeps the result on the report). It costs a handful of
queries (the number's events and listings, the warnings, the sender's rows for the registers concerned) plus a
scan of the sender's recent wash results for the number.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.enforcement.assessment.compose import compose as _compose
from telreg.enforcement.assessment.describe import describe
from telreg.enforcement.assessment.types import Assessment, Line
from telreg.enforcement.models import Report

__all__ = ["Assessment", "Line", "assess", "assess_and_store", "describe"]


def assess(session: Session, *, clock: Clock, settings: Settings, report: Report,
           account_id: int | None = None) -> Assessment:
    """Assess a report against the listing history, the publications, the sender's downloads, washes and own
    consent/unsubscribe instructions. ``account_id``: the subscriber the sender is (else the report's case's
    account, else a unique match of its identification, else none)."""
    verdict, lines = _compose(session, settings=settings, report=report, account_id=account_id)
    return Assessment(verdict, tuple(lines), clock.now())


def assess_and_store(session: Session, *, clock: Clock, settings: Settings, report: Report,
                     account_id: int | None = None) -> Assessment:
    """Assess and keep the result on the report (verdict, assessment, assessed_at); flushes, never commits."""
    result = assess(session, clock=clock, settings=settings, report=report, account_id=account_id)
    report.verdict = result.verdict
    report.assessment = result.as_dict()
    report.assessed_at = clock.now()
    session.flush()
    return result
