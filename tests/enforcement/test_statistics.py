"""Monthly enforcement figures (enforcement/statistics.py) on SQLite and PostgreSQL: a known mix of reports,
cases and notices gives exact counts per Hong Kong month and register, the Hong Kong midnight (not UTC's)
starts a month, unproved and lapsed reports never count, and the month ranges refuse what makes no sense."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy.orm import Session

from telreg.core.clock import HK, FixedClock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.enforcement import statistics
from telreg.enforcement.statistics import CSV_COLUMNS, Month, monthly_figures
from tests.enforcement import statistics_helpers as rows

ZERO_VERDICTS = dict.fromkeys(statistics.VERDICT_CLASSES, 0)


def cell(figures: statistics.MonthlyFigures, month: str, register: str) -> dict:
    found = next(m for m in figures.months if m.month == month)
    return found.registers[register].as_dict()


def expect(reports: int = 0, cases: int = 0, served: int = 0, prosecutions: int = 0, **verdicts: int) -> dict:
    return {"reports": reports, "verdicts": {**ZERO_VERDICTS, **verdicts}, "cases_opened": cases,
            "notices_served": served, "prosecutions": prosecutions}


def test_the_known_mix_gives_exact_counts_per_hong_kong_month_and_register(session: Session) -> None:
    rows.known_mix(session)
    figures = monthly_figures(session, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    assert [m.month for m in figures.months] == ["2026-01", "2026-02", "2026-03"]
    assert (figures.start, figures.end) == ("2026-01", "2026-03")
    # January: one second before the Hong Kong midnight is still January, though it is 15:59:59 UTC.
    assert cell(figures, "2026-01", "fax") == expect(1, cases=1, served=1, apparent_contravention=1)
    assert cell(figures, "2026-01", "sms") == expect(1, unassessed=1)  # officer-recorded: its created_at
    assert cell(figures, "2026-01", "prerecorded") == expect()
    assert cell(figures, "2026-01", "unsure") == expect()
    # February: the Hong Kong midnight (16:00 UTC on 31 January) starts it.
    assert cell(figures, "2026-02", "fax") == expect(1, not_listed=1)
    # c1 has no register: it takes its first report's (sms)
    assert cell(figures, "2026-02", "sms") == expect(2, cases=1, served=1, apparent_contravention=1,
                                                     consent_recorded=1)
    assert cell(figures, "2026-02", "unsure") == expect(1, cases=1, insufficient_information=1)
    assert cell(figures, "2026-02", "prerecorded") == expect()
    assert cell(figures, "2026-03", "prerecorded") == expect(1, unsubscribe_ignored=1)
    assert cell(figures, "2026-03", "sms") == expect(prosecutions=1)
    assert figures.total.as_dict() == expect(7, cases=3, served=2, prosecutions=1, apparent_contravention=2,
                                             not_listed=1, consent_recorded=1, insufficient_information=1,
                                             unsubscribe_ignored=1, unassessed=1)
    by_month = {m.month: m.total.reports for m in figures.months}
    assert by_month == {"2026-01": 2, "2026-02": 4, "2026-03": 1}
    assert figures.register_total("fax").reports == 2


def test_unproved_lapsed_and_out_of_range_reports_never_count(session: Session) -> None:
    second = dt.timedelta(seconds=1)
    rows.report(session, register="fax", state="awaiting-proof", created_at=rows.FEB_STARTS + second)
    rows.report(session, register="fax", state="lapsed", created_at=rows.FEB_STARTS + second)
    rows.report(session, register="fax", state="withdrawn", created_at=rows.FEB_STARTS + second)  # unproved
    rows.report(session, register="fax", verdict="not_listed", proved_at=rows.FEB_STARTS - second)  # January
    figures = monthly_figures(session, start=Month(2026, 2), end=Month(2026, 2))
    assert figures.total.as_dict() == expect()
    rows.report(session, register="fax", verdict="not_listed", proved_at=rows.FEB_STARTS)
    assert monthly_figures(session, start=Month(2026, 2), end=Month(2026, 2)).total.reports == 1


def test_the_csv_has_a_header_and_a_row_per_month_and_register(session: Session) -> None:
    rows.known_mix(session)
    text = statistics.figures_csv(monthly_figures(session, start=Month(2026, 1), end=Month(2026, 2)))
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS
    assert table[0][:3] == ["month", "register", "reports"] and table[0][-3:] == [
        "cases_opened", "notices_served", "prosecutions"]
    assert [(r[0], r[1]) for r in table[1:]] == [(m, r) for m in ("2026-01", "2026-02")
                                                 for r in ("fax", "sms", "prerecorded", "unsure")]
    february_sms = dict(zip(table[0], table[6], strict=True))
    assert february_sms["reports"] == "2" and february_sms["verdict_consent_recorded"] == "1"
    assert february_sms["cases_opened"] == "1" and february_sms["notices_served"] == "1"
    assert rows.SENDER_LABEL not in text and rows.RECEIVING not in text


def test_month_ranges() -> None:
    clock = FixedClock(dt.datetime(2026, 3, 1, 0, 30, tzinfo=HK))  # 28 February 16:30 UTC: March in Hong Kong
    assert statistics.last_complete_month(clock) == Month(2026, 2)
    assert statistics.staff_range(clock, None, None) == (Month(2025, 4), Month(2026, 3))
    assert statistics.public_range(clock, None, None) == (Month(2025, 3), Month(2026, 2))
    # The public never sees the running month, whatever it asks.
    assert statistics.public_range(clock, Month(2026, 1), Month(2026, 5)) == (Month(2026, 1), Month(2026, 2))
    assert statistics.public_range(clock, Month(2026, 4), None) == (Month(2026, 2), Month(2026, 2))
    assert statistics.parse_month("2026-02", what=N_("From")) == Month(2026, 2)
    assert statistics.parse_month("2026-02-17", what=N_("From")) == Month(2026, 2)
    assert statistics.parse_month("", what=N_("From")) is None
    for bad in ("2026-13", "26-02", "2026-02-30", "February", "2026-2"):
        with pytest.raises(InvalidInput):
            statistics.parse_month(bad, what=N_("From"))
    with pytest.raises(InvalidInput):
        statistics.staff_range(clock, Month(2026, 3), Month(2026, 1))
    with pytest.raises(InvalidInput):
        statistics.staff_range(clock, Month(2010, 1), Month(2026, 1))
    assert Month(2025, 12).next() == Month(2026, 1) and Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2026, 1).plus(-13) == Month(2024, 12)
    period = Month(2026, 2).period
    assert period.start == dt.datetime(2026, 2, 1, tzinfo=HK)
    assert period.end == dt.datetime(2026, 3, 1, tzinfo=HK)
