"""Working days: general holidays, Sundays and warning days; the protection-date rule (core/calendar.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telreg.core.calendar import (
    HolidayCache,
    WorkingCalendar,
    general_holidays,
    general_holidays_from_package,
    is_public_holiday,
    non_working_reason,
    warning_days,
)
from telreg.core.clock import HK

D = dt.date


def at(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=HK)


# --- the holiday source against the General Holidays Ordinance (Cap. 149) -----------------------------------

# The 17 general holidays on their *nominal* dates, as gazetted (lunar festivals from the HKO calendar).
# Cap. 149: a general holiday falling on a Sunday is replaced by the next day that is not already a holiday
# (for Lunar New Year the fourth day; for Ching Ming on Easter Sunday 2026 the day after Easter Monday).
NOMINAL = {
    2024: [
        D(2024, 1, 1),
        D(2024, 2, 10),
        D(2024, 2, 11),
        D(2024, 2, 12),
        D(2024, 3, 29),
        D(2024, 3, 30),
        D(2024, 4, 1),
        D(2024, 4, 4),
        D(2024, 5, 1),
        D(2024, 5, 15),
        D(2024, 6, 10),
        D(2024, 7, 1),
        D(2024, 9, 18),
        D(2024, 10, 1),
        D(2024, 10, 11),
        D(2024, 12, 25),
        D(2024, 12, 26),
    ],
    2025: [
        D(2025, 1, 1),
        D(2025, 1, 29),
        D(2025, 1, 30),
        D(2025, 1, 31),
        D(2025, 4, 4),
        D(2025, 4, 18),
        D(2025, 4, 19),
        D(2025, 4, 21),
        D(2025, 5, 1),
        D(2025, 5, 5),
        D(2025, 5, 31),
        D(2025, 7, 1),
        D(2025, 10, 1),
        D(2025, 10, 7),
        D(2025, 10, 29),
        D(2025, 12, 25),
        D(2025, 12, 26),
    ],
    2026: [
        D(2026, 1, 1),
        D(2026, 2, 17),
        D(2026, 2, 18),
        D(2026, 2, 19),
        D(2026, 4, 3),
        D(2026, 4, 4),
        D(2026, 4, 5),
        D(2026, 4, 6),
        D(2026, 5, 1),
        D(2026, 5, 24),
        D(2026, 6, 19),
        D(2026, 7, 1),
        D(2026, 9, 26),
        D(2026, 10, 1),
        D(2026, 10, 18),
        D(2026, 12, 25),
        D(2026, 12, 26),
    ],
    2027: [
        D(2027, 1, 1),
        D(2027, 2, 6),
        D(2027, 2, 7),
        D(2027, 2, 8),
        D(2027, 3, 26),
        D(2027, 3, 27),
        D(2027, 3, 29),
        D(2027, 4, 5),
        D(2027, 5, 1),
        D(2027, 5, 13),
        D(2027, 6, 9),
        D(2027, 7, 1),
        D(2027, 9, 16),
        D(2027, 10, 1),
        D(2027, 10, 8),
        D(2027, 12, 25),
        D(2027, 12, 26),
    ],
}


def _observed(nominal: list[dt.date]) -> set[dt.date]:
    """Apply Cap. 149's Sunday rule to the nominal dates, earliest first."""
    taken: set[dt.date] = set()
    for day in sorted(nominal):
        while day.weekday() == 6 or day in taken:
            day += dt.timedelta(days=1)
        taken.add(day)
    return taken


@pytest.mark.parametrize("year", sorted(NOMINAL))
def test_general_holidays_are_the_17_of_the_ordinance_with_sunday_substitutes(year: int) -> None:
    assert len(NOMINAL[year]) == 17
    source = set(general_holidays(year))
    assert len(source) == 17
    assert source == _observed(NOMINAL[year])
    assert all(day.weekday() != 6 for day in source)  # a Sunday holiday appears only as its substitute


def test_the_2026_calendar_matches_the_gazette_day_by_day() -> None:
    names = general_holidays(2026)
    assert {D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19)} <= set(names)  # Lunar New Year, Tue–Thu
    assert names[D(2026, 4, 3)] == "Good Friday"
    assert names[D(2026, 4, 4)] == "The day following Good Friday"  # a Saturday holiday
    # Ching Ming falls on Easter Sunday: the day following Ching Ming (Mon), the day following Easter Monday.
    assert D(2026, 4, 5) not in names and {D(2026, 4, 6), D(2026, 4, 7)} <= set(names)
    assert D(2026, 5, 24) not in names and D(2026, 5, 25) in names  # Buddha's Birthday on a Sunday
    assert D(2026, 10, 18) not in names and D(2026, 10, 19) in names  # Chung Yeung on a Sunday
    assert names[D(2026, 12, 26)] == "The first weekday after Christmas Day"  # a Saturday
    assert D(2026, 12, 28) not in names  # …so no Monday holiday follows


def test_christmas_on_saturday_puts_the_first_weekday_after_it_on_monday() -> None:
    names = general_holidays(2027)
    assert D(2027, 12, 25) in names and D(2027, 12, 26) not in names and D(2027, 12, 27) in names


EASTER_SUNDAY = [
    D(2024, 3, 31),
    D(2025, 4, 20),
    D(2026, 4, 5),
    D(2027, 3, 28),
    D(2028, 4, 16),
    D(2030, 4, 21),
]


@pytest.mark.parametrize("easter", EASTER_SUNDAY)
def test_good_friday_and_the_day_after_are_general_holidays(easter: dt.date) -> None:
    names = general_holidays(easter.year)
    assert easter - dt.timedelta(days=2) in names
    assert easter - dt.timedelta(days=1) in names


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027, 2028])
def test_statutory_holidays_add_nothing_beyond_the_general_holidays(year: int) -> None:
    # The statutory (PUBLIC) list differs only by naming a Sunday holiday on the Sunday itself; we must not
    # pick up any other date from it.
    statutory = set(holidays.country_holidays("HK", years=year, categories=(holidays.PUBLIC,)))
    general = set(general_holidays(year))
    assert all(day.weekday() == 6 for day in statutory - general)


def test_general_holidays_cannot_be_altered_through_the_cache() -> None:
    with pytest.raises(TypeError):
        general_holidays(2026)[D(2026, 3, 2)] = "made up"  # type: ignore[index]
    assert D(2026, 3, 2) not in general_holidays(2026)


# --- the on-disk cache of the holiday table (issue 18 §5: no import of every country per command) ------------

CACHED_YEARS = range(2000, 2061)


def _package(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("HK", years=year, categories=(holidays.OPTIONAL,)))


def test_the_cached_table_is_the_packages_and_a_fresh_process_reads_it_without_the_package(tmp_path: Path) -> None:
    asked: list[int] = []

    def compute(year: int) -> dict[dt.date, str]:
        asked.append(year)
        return general_holidays_from_package(year)

    cache = HolidayCache(tmp_path, compute)
    for year in CACHED_YEARS:
        assert cache.year(year) == _package(year), year  # dates and names
    # Each year computed once; a miss brings the ten years either side (misses at 2000, 2011, 2022, 2033, 2044, 2055).
    assert sorted(asked) == list(range(1990, 2066))
    assert HolidayCache(tmp_path, compute).year(2026) == _package(2026) and len(asked) == 76  # from the file
    [written] = tmp_path.iterdir()
    assert written.name.startswith(f"hk-general-holidays-{holidays.__version__}-")

    probe = ("import json, sys; from telreg.core.calendar import general_holidays; "
             f"table = {{y: {{d.isoformat(): n for d, n in general_holidays(y).items()}} for y in {CACHED_YEARS!r}}}; "
             "print(json.dumps({'holidays': sorted(m for m in sys.modules if m.split('.')[0] == 'holidays'), "
             "'table': table}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120,
                          env={**os.environ, "TELREG_CACHE_DIR": str(tmp_path)})
    answer = json.loads(done.stdout)
    assert answer["holidays"] == []  # neither the package nor any country's module
    for year in CACHED_YEARS:
        assert answer["table"][str(year)] == {d.isoformat(): n for d, n in _package(year).items()}, year


def test_the_cache_is_kept_apart_per_locale_and_survives_a_damaged_or_unwritable_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    english = HolidayCache(tmp_path).year(2026)
    assert english[D(2026, 4, 3)] == "Good Friday"
    monkeypatch.setenv("LANG", "zh_HK.UTF-8")  # the package names the holidays in the locale's language
    chinese = HolidayCache(tmp_path).year(2026)
    assert chinese == _package(2026) and chinese[D(2026, 4, 3)] != "Good Friday" and set(chinese) == set(english)
    assert len(list(tmp_path.iterdir())) == 2
    for file in tmp_path.iterdir():
        file.write_text('{"years": {"2026": {"2026-03-02": "made up"', encoding="utf-8")  # cut short
    assert HolidayCache(tmp_path).year(2026) == _package(2026)  # asked of the package again, and rewritten
    assert HolidayCache(tmp_path, lambda year: pytest.fail("read from the file")).year(2026) == _package(2026)
    unwritable = tmp_path / "file-in-the-way"
    unwritable.write_text("")
    assert HolidayCache(unwritable / "cache").year(2026) == _package(2026)
    monkeypatch.setenv("TELREG_CACHE_DIR", "")  # off
    assert HolidayCache().path() is None


def test_sundays_are_public_holidays_and_saturdays_are_not() -> None:
    assert is_public_holiday(D(2026, 3, 8))
    assert not is_public_holiday(D(2026, 3, 7))
    assert WorkingCalendar().is_working_day(D(2026, 3, 7))
    assert non_working_reason(D(2026, 3, 8)) == "Sunday"
    assert non_working_reason(D(2026, 4, 3)) == "general holiday (Good Friday)"
    assert non_working_reason(D(2026, 3, 9)) is None


# --- warning days -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at("2026-07-17", "05:00"), at("2026-07-17", "09:00"), set()),  # ends exactly when the window opens
        (at("2026-07-17", "05:00"), at("2026-07-17", "09:01"), {D(2026, 7, 17)}),
        (at("2026-07-17", "16:59"), at("2026-07-17", "19:00"), {D(2026, 7, 17)}),  # issued a minute before
        (at("2026-07-17", "17:00"), at("2026-07-17", "23:00"), set()),  # issued as the window closes
        (at("2026-07-17", "10:00"), at("2026-07-17", "11:00"), {D(2026, 7, 17)}),  # inside the window
        (at("2026-07-17", "22:00"), at("2026-07-18", "06:00"), set()),  # overnight only
        (at("2026-07-17", "22:00"), at("2026-07-18", "10:00"), {D(2026, 7, 18)}),  # spans midnight
        (
            at("2026-07-17", "14:00"),
            at("2026-07-20", "08:00"),
            {D(2026, 7, 17), D(2026, 7, 18), D(2026, 7, 19)},
        ),  # several days, ends before the 4th morning
        (
            at("2026-07-16", "18:00"),
            at("2026-07-19", "09:30"),
            {D(2026, 7, 17), D(2026, 7, 18), D(2026, 7, 19)},
        ),
    ],
)
def test_a_warning_day_is_one_with_a_warning_in_force_within_the_window(
    start: dt.datetime, end: dt.datetime, expected: set[dt.date]
) -> None:
    assert warning_days([(start, end)]) == expected


def test_the_window_is_configurable() -> None:
    early = [(at("2026-07-17", "07:00"), at("2026-07-17", "08:30"))]
    assert warning_days(early) == set()
    assert warning_days(early, window_start=dt.time(8, 0), window_end=dt.time(18, 0)) == {D(2026, 7, 17)}


def test_warning_times_are_read_in_hong_kong_time_whatever_their_offset() -> None:
    # 01:30 UTC is 09:30 in Hong Kong; 00:30 UTC is 08:30.
    utc = dt.UTC
    inside = (dt.datetime(2026, 7, 17, 1, 0, tzinfo=utc), dt.datetime(2026, 7, 17, 1, 30, tzinfo=utc))
    before = (dt.datetime(2026, 7, 16, 20, 0, tzinfo=utc), dt.datetime(2026, 7, 17, 0, 30, tzinfo=utc))
    assert warning_days([inside]) == {D(2026, 7, 17)}
    assert warning_days([before]) == set()
    naive = (dt.datetime(2026, 7, 17, 16, 0), dt.datetime(2026, 7, 17, 18, 0))  # naive means HK time
    assert warning_days([naive]) == {D(2026, 7, 17)}


def test_inverted_periods_and_windows_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        warning_days([(at("2026-07-17", "10:00"), at("2026-07-17", "10:00"))])
    with pytest.raises(ValueError, match="window"):
        warning_days([], window_start=dt.time(17, 0), window_end=dt.time(9, 0))


# --- the protection rule: the 10th working day strictly after registration ---------------------------------

CALM = WorkingCalendar()


@pytest.mark.parametrize(
    ("registered", "protected", "skipped"),
    [
        # Mon 2 Mar 2026: Tue–Sat 3–7, Mon–Fri 9–13 (Sunday 8 skipped).
        (D(2026, 3, 2), D(2026, 3, 13), [D(2026, 3, 8)]),
        # Wed 23 Dec 2026: Thu 24; Christmas Fri 25, Sat 26 (first weekday after), Sun 27; Mon 28–Thu 31;
        # New Year Fri 1 Jan; Sat 2; Sun 3; Mon 4–Thu 7.
        (D(2026, 12, 23), D(2027, 1, 7), [D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 27), D(2027, 1, 1)]),
        # Fri 13 Feb 2026: Sat 14; Sun 15; Mon 16; LNY Tue 17–Thu 19; Fri 20, Sat 21; Sun 22; Mon 23–Sat 28.
        (D(2026, 2, 13), D(2026, 2, 28), [D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19)]),
        # Thu 4 Feb 2027: Fri 5; LNY Sat 6, (Sun 7), Mon 8, Tue 9 (3rd, 4th); Wed 10–Sat 13; Mon 15–Fri 19.
        (D(2027, 2, 4), D(2027, 2, 19), [D(2027, 2, 6), D(2027, 2, 8), D(2027, 2, 9)]),
        # Wed 1 Apr 2026: Thu 2; Good Friday 3, Sat 4, Easter Sun 5, Mon 6, Tue 7; Wed 8–Sat 11; Mon 13–Fri 17
        (D(2026, 4, 1), D(2026, 4, 17), [D(2026, 4, 3), D(2026, 4, 4), D(2026, 4, 6), D(2026, 4, 7)]),
    ],
)
def test_protection_starts_on_the_tenth_working_day_after_registration(
    registered: dt.date, protected: dt.date, skipped: list[dt.date]
) -> None:
    assert CALM.add_working_days(registered, 10) == protected
    assert all(not CALM.is_working_day(day) for day in skipped)
    counted = [registered + dt.timedelta(days=i) for i in range(1, (protected - registered).days + 1)]
    assert sum(CALM.is_working_day(day) for day in counted) == 10


def test_a_gale_day_inside_the_period_shifts_protection_by_one_day() -> None:
    typhoon = WorkingCalendar(warning_days([(at("2026-03-05", "04:20"), at("2026-03-05", "13:40"))]))
    assert typhoon.add_working_days(D(2026, 3, 2), 10) == D(2026, 3, 14)
    assert (
        non_working_reason(D(2026, 3, 5), typhoon.warning_days) == "black rainstorm or gale warning in force"
    )


def test_a_black_rainstorm_only_in_the_evening_shifts_nothing() -> None:
    evening = WorkingCalendar(warning_days([(at("2026-03-05", "18:10"), at("2026-03-05", "23:30"))]))
    assert evening.warning_days == set()
    assert evening.add_working_days(D(2026, 3, 2), 10) == D(2026, 3, 13)


def test_a_warning_on_a_day_that_is_already_a_holiday_shifts_nothing() -> None:
    sunday_gale = WorkingCalendar(warning_days([(at("2026-03-08", "06:00"), at("2026-03-08", "20:00"))]))
    assert sunday_gale.add_working_days(D(2026, 3, 2), 10) == D(2026, 3, 13)


def test_zero_days_is_the_start_and_negative_counts_are_refused() -> None:
    assert CALM.add_working_days(D(2026, 4, 3), 0) == D(2026, 4, 3)
    with pytest.raises(ValueError):
        CALM.add_working_days(D(2026, 3, 2), -1)


@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 11, 30)),
    n=st.integers(min_value=1, max_value=30),
    warned=st.frozensets(st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 1, 31)), max_size=20),
)
def test_add_working_days_lands_on_the_nth_working_day_after_start(
    start: dt.date, n: int, warned: frozenset[dt.date]
) -> None:
    calendar = WorkingCalendar(warned)
    end = calendar.add_working_days(start, n)
    assert end > start
    assert calendar.is_working_day(end)
    between = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(calendar.is_working_day(day) for day in between) == n
