"""The enforcement demo (demo/enforcement.py) on a fresh database: reports in several verdict classes, a case
under investigation with a served information request, a served notice past its deadline, a seed pool, the
acknowledgements queued; a second load changes nothing. The statistics count what it made."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select

from telreg.core.clock import today
from telreg.core.db import unit_of_work
from telreg.core.mail import OutboxMessage
from telreg.demo.enforcement import DEMO_REPORTS, DEMO_SEEDS
from telreg.enforcement import statistics
from telreg.enforcement.models import Case, CaseDocument, Notice, Report, SeedNumber
from telreg.runtime import Runtime


def test_the_demo_loads_once_and_shows_in_the_figures(runtime: Runtime, cli: Any) -> None:
    code, out, _ = cli("demo", "load", "--json")
    assert code == 0, out
    first = json.loads(out)["enforcement"]
    assert first["missing"] == [] and len(first["reports"]) == len(DEMO_REPORTS)
    assert len(first["cases"]) == 2 and len(first["notices"]) == 1 and len(first["documents"]) == 1
    assert len(first["seeds"]) == len(DEMO_SEEDS)
    code, out, _ = cli("demo", "load")
    assert code == 0 and "demo data already loaded; nothing changed" in out, out

    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count(Report.id))) == len(DEMO_REPORTS)
        assert session.scalar(select(func.count(SeedNumber.id))) == len(DEMO_SEEDS)
        verdicts = set(session.scalars(select(Report.verdict)))
        assert {"apparent_contravention", "not_listed", "not_yet_protected",
                "insufficient_information"} <= verdicts
        states = {case.reference: case.state for case in session.scalars(select(Case))}
        assert sorted(states.values()) == ["investigating", "notice-served"]
        notice = session.scalars(select(Notice)).one()
        assert notice.state == "served" and notice.deadline < today(runtime.clock)
        request = session.scalars(select(CaseDocument)
                                  .where(CaseDocument.kind == "information-request")).one()
        assert request.served_at is not None
        acks = session.scalar(select(func.count(OutboxMessage.id))
                              .where(OutboxMessage.key.like("enforcement-report-ack:%")))
        assert acks == sum(1 for demo in DEMO_REPORTS if demo.contact_kind == "email")
        now = runtime.clock.now().date()
        figures = statistics.monthly_figures(session, start=now - dt.timedelta(days=60), end=now)
        assert figures.total.reports == len(DEMO_REPORTS)
        assert figures.total.cases_opened == 2 and figures.total.notices_served == 1
