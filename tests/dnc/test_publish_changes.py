"""Change files over a week of history, and past dates derived from the audit trail."""

import datetime as dt

from telreg.dnc.publish import apply_changes
from telreg.dnc.vocabulary import Register

from .publish_helpers import at, deregister, file_hashes, lines, publish, register, stable_manifest, terminate

MON = dt.date(2026, 3, 2)
DAYS = [MON + dt.timedelta(days=i) for i in range(6)]
SMS, FAX, PRE = Register.sms, Register.fax, Register.prerecorded


def _history(runtime, clock, *, publish_nightly):
    """Six days of changes; with publish_nightly, publish each day at its close. Returns the results."""
    results = {}
    steps = {
        DAYS[0]: lambda: (register(runtime, "61234567", SMS, FAX), register(runtime, "21234567", SMS),
                          register(runtime, "91234567", SMS), register(runtime, "61234500", PRE)),
        DAYS[1]: lambda: (deregister(runtime, "61234567", SMS), register(runtime, "61234568", SMS, PRE)),
        # terminated numbers leave every register; a removed number registers again, with a new date
        DAYS[2]: lambda: (terminate(runtime, "91234567", DAYS[2]), register(runtime, "61234567", SMS)),
        # removed and registered again between two publications: its date changes
        DAYS[3]: lambda: (deregister(runtime, "21234567", SMS), register(runtime, "21234567", SMS),
                          register(runtime, "61234567", FAX)),  # already listed: no change
        DAYS[4]: lambda: None,  # a day without changes
        DAYS[5]: lambda: (deregister(runtime, "61234568", SMS, PRE), register(runtime, "31234567", FAX)),
    }
    for day in DAYS:
        clock.set(at(day, 10))
        steps[day]()
        if publish_nightly:
            clock.set(at(day, 23))
            results[day] = publish(runtime, day)
    return results


def test_applying_each_change_file_to_the_previous_file_gives_the_new_file(runtime, clock):
    results = _history(runtime, clock, publish_nightly=True)
    previous = {r.value: [] for r in Register}
    for index, day in enumerate(DAYS):
        result = results[day]
        assert result.status == "published" and result.manifest["previous"] == (
            DAYS[index - 1].isoformat() if index else None)
        for name, entry in result.manifest["registers"].items():
            dated = lines(result.path / f"{name}-dated.zip")
            assert entry["changes"]["sequence"] == index + 1
            change_file = result.path / f"{name}-changes-{index + 1:06d}.zip"
            assert apply_changes(previous[name], change_file) == dated
            assert apply_changes(previous[name], change_file.read_bytes()) == dated
            assert lines(result.path / f"{name}-numbers.zip") == [line[:8] for line in dated]
            assert entry["count"] == len(dated)
            previous[name] = dated

    sms = {day: lines(results[day].path / "sms-dated.zip") for day in DAYS}
    assert sms[DAYS[0]] == ["21234567,20260302", "61234567,20260302", "91234567,20260302"]
    assert sms[DAYS[1]] == ["21234567,20260302", "61234568,20260303", "91234567,20260302"]
    assert sms[DAYS[2]] == ["21234567,20260302", "61234567,20260304", "61234568,20260303"]
    assert sms[DAYS[3]] == ["21234567,20260305", "61234567,20260304", "61234568,20260303"]
    assert sms[DAYS[5]] == ["21234567,20260305", "61234567,20260304"]
    assert lines(results[DAYS[3]].path / "sms-changes-000004.zip") == ["-21234567", "+21234567,20260305"]
    assert lines(results[DAYS[2]].path / "sms-changes-000003.zip") == ["-91234567", "+61234567,20260304"]
    assert lines(results[DAYS[3]].path / "fax-changes-000004.zip") == []
    for name in ("sms", "fax", "prerecorded"):  # the quiet day: empty change files, the sequence still moves on
        entry = results[DAYS[4]].manifest["registers"][name]["changes"]
        assert (entry["added"], entry["removed"], entry["lines"], entry["sequence"]) == (0, 0, 0, 5)
        assert lines(results[DAYS[4]].path / f"{name}-changes-000005.zip") == []
    assert lines(results[DAYS[5]].path / "fax-dated.zip") == ["31234567,20260307", "61234567,20260302"]
    assert lines(results[DAYS[5]].path / "prerecorded-changes-000006.zip") == ["-61234568"]


def test_past_dates_derived_later_equal_the_publications_made_on_the_night(runtime, clock, tmp_path):
    nightly = _history(runtime, clock, publish_nightly=True)
    later = runtime.settings.model_copy(update={"data_dir": tmp_path / "later"})
    clock.set(at(DAYS[-1] + dt.timedelta(days=3), 10))
    for day in DAYS:
        result = publish(runtime, day, settings=later)
        assert result.status == "published"
        assert file_hashes(result.path) == file_hashes(nightly[day].path), day
        assert stable_manifest(result.manifest) == stable_manifest(nightly[day].manifest)


def test_a_gap_between_publications_gives_one_change_file_for_the_whole_gap(runtime, clock):
    _history(runtime, clock, publish_nightly=False)
    clock.set(at(DAYS[-1], 23, 30))
    first = publish(runtime, DAYS[0])
    last = publish(runtime, DAYS[-1])
    assert last.manifest["previous"] == DAYS[0].isoformat()
    for name in ("sms", "fax", "prerecorded"):
        assert last.manifest["registers"][name]["changes"]["sequence"] == 2
        assert apply_changes(lines(first.path / f"{name}-dated.zip"), last.path / f"{name}-changes-000002.zip") == \
            lines(last.path / f"{name}-dated.zip")
