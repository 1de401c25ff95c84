"""online_check.answer_check is set-based (numpy look-ups, entries grouped by distinct verdicts); here it is held to
the rule written entry by entry, for any entries, registers, listings and seed numbers."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from telreg.core.clock import HK, FixedClock
from telreg.dnc.listing_index import REMOVED, _code
from telreg.senders import online_check
from telreg.senders.check_answer import INVALID, NOT_LISTED

REGISTERS = ["fax", "sms", "prerecorded"]
NUMBERS = ["21234567", "91234567", "61234567", "51234567", "31234567", "98765432"]
DAYS = st.dates(dt.date(2025, 1, 1), dt.date(2026, 6, 30))
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK))


def _protection(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=14)  # any rule will do: the answer must apply the one its sources give


class _Sources:
    def __init__(self, listings: dict[tuple[str, str], dt.date], seeds: dict[str, dict[str, dt.date]]) -> None:
        self.listings, self._seeds = listings, seeds

    def listed(self, numbers: np.ndarray, registers: list[str]) -> dict[str, np.ndarray]:
        return {r: np.array([_code(self.listings[(f"{n:08d}", r)]) if (f"{n:08d}", r) in self.listings else REMOVED
                             for n in numbers.tolist()], dtype=np.uint32) for r in registers}

    def seeds(self, account_id: int, day: dt.date) -> dict[str, dict[str, dt.date]]:
        return self._seeds

    def protection_starts(self, registered_on: dt.date) -> dt.date:
        return _protection(registered_on)


entries = st.lists(st.sampled_from(NUMBERS) | st.sampled_from(["2123 4567", "+852 9123-4567", "12", "", "x"])
                   | st.none(), min_size=1, max_size=30)


@given(entries, st.lists(st.sampled_from(REGISTERS), min_size=1, max_size=3, unique=True),
       st.dictionaries(st.tuples(st.sampled_from(NUMBERS), st.sampled_from(REGISTERS)), DAYS, max_size=12),
       st.dictionaries(st.sampled_from(REGISTERS), st.dictionaries(st.sampled_from(NUMBERS), DAYS, max_size=3),
                       max_size=3),
       DAYS)
@example(["21234567", "91234567"], ["sms", "fax"], {("21234567", "sms"): dt.date(2026, 1, 5)},
         {"fax": {"91234567": dt.date(2026, 1, 6)}}, dt.date(2026, 1, 19))  # protected from that very day
def test_the_set_based_answer_is_the_rule_applied_entry_by_entry(raws, registers, listings, seeds, on):
    caller = SimpleNamespace(account_id=7, api_key_id=None, registers=frozenset(REGISTERS), status="active")
    original = online_check.admit
    online_check.admit = lambda **_: registers  # the account's checks (admit) are tested elsewhere
    try:
        answer, _ = online_check.answer_check(_Sources(listings, seeds), clock=CLOCK, settings=None,  # type: ignore[arg-type]
                                              caller=caller, numbers=raws, on_date=on)
    finally:
        online_check.admit = original
    listed = protected = invalid = 0
    for entry, raw in zip(answer.entries, raws, strict=True):
        number, reason = online_check.parse_entry(raw)
        assert (entry.input, entry.number, entry.reason) == (None if raw is None else str(raw), number, reason)
        if number is None:
            invalid += 1
            assert entry.verdicts == (INVALID,) * len(registers)
            continue
        expected = tuple(listings.get((number, r)) or seeds.get(r, {}).get(number) or NOT_LISTED for r in registers)
        assert entry.verdicts == expected
        dates = [v for v in expected if v is not NOT_LISTED]
        listed += bool(dates)
        protected += any(on >= _protection(d) for d in dates)  # type: ignore[operator, arg-type]
    assert (answer.invalid, answer.listed, answer.protected) == (invalid, listed, protected)
    document = answer.as_dict()
    for result, entry in zip(document["results"], answer.entries, strict=True):
        for register, verdict in zip(registers, entry.verdicts, strict=True):
            if isinstance(verdict, dt.date):
                assert result["registers"][register]["protection_starts_on"] == _protection(verdict).isoformat()
