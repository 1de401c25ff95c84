"""Recorded weather warnings: services, CSV import, `telreg calendar …` (core/weather.py, calendar_cli.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, users, weather
from telreg.core.clock import HK, FixedClock
from telreg.core.errors import Conflict, InvalidInput, NotFound
from telreg.core.models import AuditEvent, WeatherWarning
from telreg.runtime import Runtime

Cli = Callable[..., tuple[int, str, str]]

DATA = Path(__file__).resolve().parents[1] / "data"
ACTOR = "officer:olivia"
D = dt.date


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HK)


def add(
    session: Session, clock: FixedClock, kind: str, start: str, end: str, note: str | None = None
) -> WeatherWarning:
    return weather.add_warning(
        session, clock=clock, kind=kind, starts_at=at(start), ends_at=at(end), note=note, actor=ACTOR
    )


def warning_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WeatherWarning)) or 0


def import_bytes(
    session: Session, clock: FixedClock, content: bytes, max_bytes: int = 10_000
) -> weather.ImportOutcome:
    return weather.import_warnings_csv(
        session, clock=clock, content=content, actor=ACTOR, max_bytes=max_bytes, source="warnings.csv"
    )


# --- services -----------------------------------------------------------------------------------------------


def test_a_recorded_gale_makes_a_warning_day_and_is_audited(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    warning = add(session, clock, "gale", "2026-02-24T07:30", "2026-02-24T12:00", note="  T8 signal  ")
    assert warning.note == "T8 signal"
    assert warning.created_by == ACTOR
    calendar = weather.load_calendar(session, settings)
    assert not calendar.is_working_day(D(2026, 2, 24))
    assert calendar.is_working_day(D(2026, 2, 23))
    [event] = audit.history(session, subject_type="weather-warning", subject_key=str(warning.id))
    assert (event.action, event.actor) == ("weather-warning-added", ACTOR)
    assert event.details["kind"] == "gale" and event.details["starts_at"] == "2026-02-24T07:30:00+08:00"


def test_the_calendar_uses_the_configured_window(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    add(session, clock, "black-rainstorm", "2026-02-24T07:00", "2026-02-24T08:30")
    assert weather.load_calendar(session, settings).is_working_day(D(2026, 2, 24))
    early = settings.model_copy(update={"warning_window_start": dt.time(8, 0)})
    assert not weather.load_calendar(session, early).is_working_day(D(2026, 2, 24))


@pytest.mark.parametrize(
    ("kind", "start", "end", "message"),
    [
        ("typhoon", "2026-02-24T07:00", "2026-02-24T08:00", "not one of black-rainstorm, gale"),
        ("gale", "2026-02-24T08:00", "2026-02-24T08:00", "must be after the start"),
        ("gale", "2026-02-24T08:00", "2026-02-23T08:00", "must be after the start"),
        ("gale", "2026-02-01T08:00", "2026-02-09T08:00", "lasts over 7 days"),
        ("gale", "2026-03-02T10:30", "2026-03-02T12:00", "in the future"),  # the clock says 10:00
    ],
)
def test_malformed_warnings_are_refused(
    session: Session, clock: FixedClock, kind: str, start: str, end: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        add(session, clock, kind, start, end)
    assert warning_count(session) == 0


def test_a_note_longer_than_the_column_is_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput, match="501 characters"):
        add(session, clock, "gale", "2026-02-24T07:00", "2026-02-24T08:00", note="x" * 501)


def test_a_warning_may_still_be_in_force_when_recorded(session: Session, clock: FixedClock) -> None:
    warning = add(session, clock, "black-rainstorm", "2026-03-02T08:00", "2026-03-02T13:00")
    assert warning.ends_at > clock.now()


def test_overlapping_periods_of_one_kind_conflict_but_other_kinds_and_touching_periods_do_not(
    session: Session, clock: FixedClock
) -> None:
    first = add(session, clock, "gale", "2026-02-24T07:00", "2026-02-24T12:00")
    with pytest.raises(Conflict, match=f"already recorded as #{first.id}"):
        add(session, clock, "gale", "2026-02-24T07:00", "2026-02-24T12:00")
    with pytest.raises(Conflict, match=f"overlaps the one recorded as #{first.id}"):
        add(session, clock, "gale", "2026-02-24T11:00", "2026-02-24T15:00")
    add(session, clock, "black-rainstorm", "2026-02-24T08:00", "2026-02-24T10:00")
    add(session, clock, "gale", "2026-02-24T12:00", "2026-02-24T14:00")  # reissued as the first was cancelled
    assert warning_count(session) == 3


def test_list_is_oldest_first_and_filters_by_the_hong_kong_year(session: Session, clock: FixedClock) -> None:
    new_year = add(session, clock, "gale", "2025-12-31T22:00", "2026-01-01T03:00")  # in force in both years
    late = add(session, clock, "gale", "2025-10-01T10:00", "2025-10-01T11:00")
    recent = add(session, clock, "black-rainstorm", "2026-02-10T10:00", "2026-02-10T11:00")
    # 2024-12-31 20:00 UTC is already 2025 in Hong Kong.
    utc_edge = weather.add_warning(
        session,
        clock=clock,
        kind="gale",
        starts_at=dt.datetime(2024, 12, 31, 16, 30, tzinfo=dt.UTC),
        ends_at=dt.datetime(2024, 12, 31, 20, 0, tzinfo=dt.UTC),
        actor=ACTOR,
    )
    assert [w.id for w in weather.list_warnings(session)] == [utc_edge.id, late.id, new_year.id, recent.id]
    assert [w.id for w in weather.list_warnings(session, year=2026)] == [new_year.id, recent.id]
    assert [w.id for w in weather.list_warnings(session, year=2025)] == [utc_edge.id, late.id, new_year.id]
    assert weather.list_warnings(session, year=2024) == []


def test_remove_deletes_the_warning_and_the_audit_trail_keeps_it(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    warning = add(session, clock, "gale", "2026-02-24T07:00", "2026-02-24T12:00", note="typo: wrong day")
    warning_id = warning.id
    weather.remove_warning(session, clock=clock, warning_id=warning_id, actor=ACTOR)
    assert warning_count(session) == 0
    assert weather.load_calendar(session, settings).is_working_day(D(2026, 2, 24))
    events = audit.history(session, subject_type="weather-warning", subject_key=str(warning_id))
    assert [e.action for e in events] == ["weather-warning-added", "weather-warning-removed"]
    assert events[1].details["note"] == "typo: wrong day"
    with pytest.raises(NotFound, match=f"no weather warning #{warning_id}"):
        weather.remove_warning(session, clock=clock, warning_id=warning_id, actor=ACTOR)


# --- CSV import ---------------------------------------------------------------------------------------------


def test_a_historical_file_is_imported_and_makes_its_warning_days(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    outcome = import_bytes(session, clock, (DATA / "weather_warnings_2023.csv").read_bytes())
    assert outcome.as_dict()["added"] == 4 and outcome.skipped == []
    calendar = weather.load_calendar(session, settings)
    assert calendar.warning_days == {
        D(2023, 7, 17),
        D(2023, 9, 1),
        D(2023, 9, 2),
        D(2023, 9, 8),
        D(2023, 10, 9),
    }
    saola = next(w for w in outcome.added if w.note and "Saola" in w.note)
    assert saola.starts_at == at("2023-09-01T14:40")
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "weather-warning-imported")).all()
    assert sorted(e.subject_key for e in events) == sorted(str(w.id) for w in outcome.added)
    assert {e.details["line"] for e in events} == {2, 3, 4, 5}


def test_reimporting_a_file_skips_the_recorded_periods_and_reports_them(
    session: Session, clock: FixedClock
) -> None:
    content = (DATA / "weather_warnings_2023.csv").read_bytes()
    first = import_bytes(session, clock, content)
    extra = content + b"gale,2023-11-01T10:00,2023-11-01T12:00,new\n"
    again = import_bytes(session, clock, extra)
    assert len(again.added) == 1
    recorded = {w.starts_at: w.id for w in first.added}
    assert again.skipped == [
        (line, recorded[at(start)])
        for line, start in [
            (2, "2023-07-17T00:40"),
            (3, "2023-09-01T14:40"),
            (4, "2023-09-07T23:05"),
            (5, "2023-10-08T19:40"),
        ]
    ]
    assert warning_count(session) == 5


def test_a_file_with_bad_lines_is_refused_whole_with_line_numbers(
    session: Session, clock: FixedClock
) -> None:
    with pytest.raises(InvalidInput) as raised:
        import_bytes(session, clock, (DATA / "weather_warnings_bad.csv").read_bytes())
    message = raised.value.message
    assert "nothing was recorded" in message
    problems = raised.value.extra["problems"]
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6"]
    assert "'hail' is not one of" in problems[0]
    assert "'2023-07-21T25:00' is not an ISO date-time" in problems[1]
    assert "must be after the start" in problems[2]
    assert "overlaps line 2" in problems[3]
    assert warning_count(session) == 0  # line 2 was fine, but nothing of a refused file is written


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "header must be"),
        (b"kind;start;end\ngale;2023-07-17T00:40;2023-07-17T16:10\n", "header must be"),
        (b"kind,start,end\n", "holds no warnings"),
        (b"kind,start,end\n\n\n", "holds no warnings"),
        (b"kind,start,end\ngale,2023-07-17T00:40\n", "line 2: expected 3 fields"),
        (
            b"kind,start,end\ngale,2023-07-17,2023-07-18\n",
            "line 2: The start '2023-07-17' has no time of day",
        ),
        (b"kind,start,end\ngale,2023-07-17T10:00,2023-07-27T10:00\n", "line 2: 2023-07-17 10:00"),
        (
            b"kind,start,end\ngale,2026-03-03T10:00,2026-03-03T12:00\n",
            "line 2: The start .2026-03-03 10:00. is in the future",
        ),
        (
            b"kind,start,end\ngale,2023-07-17T10:00,2023-07-17T12:00\ngale,2023-07-17T10:00,2023-07-17T12:00\n",
            "line 3: repeats line 2",
        ),
        (
            b"kind,start,end\ngale,2023-07-17T10:00,2023-07-18T12:00\n\ngale,2023-07-18T11:00,2023-07-18T13:00\n",
            "line 4: overlaps line 2",
        ),
        (
            b'kind,start,end,note\ngale,2023-07-17T10:00,2023-07-17T12:00,"unterminated\n',
            "line 2: unexpected end",
        ),
        (
            b'kind,start,end,note\ngale,x,2023-07-17T12:00,"a note\non two lines"\ngale,y,2023-07-18T12:00\n',
            "line 2: The start 'x'.*\nline 4: The start 'y'",
        ),
        (
            b"kind,start,end\ngale,2023-07-17T10:00,2023-07-17T12:00\ngale,2023-07-18T10:00,2023-07-18T12:00,\xff\n",
            "line 3 is not UTF-8",
        ),
    ],
)
def test_malformed_files_are_refused(
    session: Session, clock: FixedClock, content: bytes, expected: str
) -> None:
    with pytest.raises(InvalidInput, match=expected):
        import_bytes(session, clock, content)
    assert warning_count(session) == 0


def test_a_file_may_start_with_a_byte_order_mark_and_use_windows_line_ends(
    session: Session, clock: FixedClock
) -> None:
    content = "\ufeffKind,Start,End\r\nblack-rainstorm,2023-09-07T23:05,2023-09-08T15:15\r\n".encode()
    assert len(import_bytes(session, clock, content).added) == 1


def test_a_file_over_the_size_limit_is_refused_unread(session: Session, clock: FixedClock) -> None:
    content = (DATA / "weather_warnings_2023.csv").read_bytes()
    with pytest.raises(InvalidInput, match="the limit is 100 bytes"):
        import_bytes(session, clock, content, max_bytes=100)
    assert warning_count(session) == 0


def test_a_line_overlapping_a_recorded_period_without_repeating_it_refuses_the_file(
    session: Session, clock: FixedClock
) -> None:
    recorded = add(session, clock, "gale", "2023-09-01T14:40", "2023-09-02T20:40")
    with pytest.raises(InvalidInput, match=f"line 3: overlaps the gale warning recorded as #{recorded.id}"):
        import_bytes(
            session,
            clock,
            b"kind,start,end\n"
            b"gale,2023-07-17T00:40,2023-07-17T16:10\n"
            b"gale,2023-09-01T14:40,2023-09-02T18:00\n",
        )
    assert warning_count(session) == 1


# --- `telreg calendar …` ------------------------------------------------------------------------------------


@pytest.fixture
def olivia(runtime: Runtime, clock: FixedClock) -> str:
    with runtime.session_factory.begin() as session:
        users.create_user(
            session, clock=clock, username="olivia", password="a-long-password", roles=["dnc-officer"]
        )
    return "olivia"


def test_cli_add_list_and_remove(cli: Cli, olivia: str, runtime) -> None:
    code, out, err = cli(
        "calendar",
        "warning",
        "add",
        "--kind",
        "gale",
        "--start",
        "2026-02-24T07:30",
        "--end",
        "2026-02-25T10:00",
        "--note",
        "T8",
        "--officer",
        olivia,
    )
    assert code == 0, err
    assert "warning days: 2026-02-24, 2026-02-25" in out
    code, out, _ = cli("calendar", "warning", "list", "--json")
    [row] = json.loads(out)
    assert row["kind"] == "gale" and row["starts_at"] == "2026-02-24T07:30:00+08:00"
    assert row["created_by"] == "officer:olivia" and row["warning_days"] == ["2026-02-24", "2026-02-25"]
    assert cli("calendar", "add-working-days", "2026-02-23", "2")[1].strip() == "2026-02-27"
    code, out, _ = cli("calendar", "is-working-day", "2026-02-24")
    assert code == 0 and "not a working day: black rainstorm or gale warning in force" in out
    code, out, _ = cli("calendar", "warning", "list")
    assert "T8" in out and "gale" in out
    assert json.loads(cli("calendar", "warning", "list", "--json", "--year", "2025")[1]) == []
    code, out, err = cli("calendar", "warning", "remove", str(row["id"]), "--officer", olivia)
    assert code == 0, err
    assert f"removed gale warning #{row['id']}" in out
    assert cli("calendar", "add-working-days", "2026-02-23", "2")[1].strip() == "2026-02-25"
    code, out, err = cli("calendar", "warning", "remove", str(row["id"]), "--officer", olivia)
    assert code == 1 and "no weather warning" in err


def test_cli_refuses_unknown_or_inactive_officers(
    cli: Cli, olivia: str, runtime: Runtime, clock: FixedClock
) -> None:
    args = [
        "calendar",
        "warning",
        "add",
        "--kind",
        "gale",
        "--start",
        "2026-02-24T07:30",
        "--end",
        "2026-02-24T10:00",
    ]
    code, _, err = cli(*args, "--officer", "mallory")
    assert code == 1 and "no user named 'mallory'" in err
    with runtime.session_factory.begin() as session:
        users.get_user(session, olivia).is_active = False
    code, _, err = cli(*args, "--officer", olivia)
    assert code == 1 and "not active" in err
    with runtime.session_factory() as session:
        assert warning_count(session) == 0


def test_cli_reads_offsetless_times_as_hong_kong_time(cli: Cli, olivia: str, runtime) -> None:
    code, _, err = cli(
        "calendar",
        "warning",
        "add",
        "--kind",
        "black-rainstorm",
        "--start",
        "2026-02-24T00:30Z",
        "--end",
        "2026-02-24T01:30Z",
        "--officer",
        olivia,
    )
    assert code == 0, err
    [row] = json.loads(cli("calendar", "warning", "list", "--json")[1])
    assert row["starts_at"] == "2026-02-24T08:30:00+08:00"
    assert row["warning_days"] == ["2026-02-24"]
    code, _, err = cli(
        "calendar",
        "warning",
        "add",
        "--kind",
        "gale",
        "--start",
        "yesterday",
        "--end",
        "2026-02-24T10:00",
        "--officer",
        olivia,
    )
    assert code == 1 and "--start: 'yesterday' is not an ISO date-time" in err


def test_cli_import_reports_counts_and_refuses_bad_files(
    cli: Cli, olivia: str, runtime: Runtime, tmp_path: Path
) -> None:
    good = DATA / "weather_warnings_2023.csv"
    code, out, err = cli("calendar", "warning", "import", str(good), "--officer", olivia)
    assert code == 0, err
    assert "imported 4 warning(s); skipped 0 already recorded" in out
    code, out, _ = cli("calendar", "warning", "import", str(good), "--officer", olivia, "--json")
    assert json.loads(out)["added"] == 0 and json.loads(out)["skipped"] == 4
    code, out, err = cli(
        "calendar", "warning", "import", str(DATA / "weather_warnings_bad.csv"), "--officer", olivia
    )
    assert code == 1
    assert "weather_warnings_bad.csv was not imported (4 problem(s))" in err and "line 6:" in err
    big = tmp_path / "big.csv"
    big.write_bytes(good.read_bytes() + b"\n" * runtime.settings.max_upload_bytes)
    code, _, err = cli("calendar", "warning", "import", str(big), "--officer", olivia)
    assert code == 1 and "the limit is" in err
    code, _, err = cli("calendar", "warning", "import", str(tmp_path / "missing.csv"), "--officer", olivia)
    assert code == 1 and "cannot be read" in err
    with runtime.session_factory() as session:
        assert warning_count(session) == 4


def test_cli_working_day_questions(cli: Cli) -> None:
    assert cli("calendar", "add-working-days", "2026-03-02", "10")[1].strip() == "2026-03-13"
    assert cli("calendar", "add-working-days", "2026-12-23", "10")[1].strip() == "2027-01-07"
    code, out, _ = cli("calendar", "is-working-day", "2026-04-04", "--json")
    assert json.loads(out) == {
        "date": "2026-04-04",
        "working_day": False,
        "reason": "general holiday (The day following Good Friday)",
    }
    assert "is a working day" in cli("calendar", "is-working-day", "2026-03-07")[1]
    code, _, err = cli("calendar", "add-working-days", "2026-02-30", "10")
    assert code == 1 and "not an ISO date" in err
