"""senders/check_answer.py: the API's bytes (C render_entries) are json.dumps of the page's document, for any
entries."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from telreg.senders.check_answer import INVALID, NOT_LISTED, CheckAnswer, Entry

DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))


@st.composite
def answers(draw):
    registers = draw(st.lists(st.sampled_from(["sms", "fax", "prerecorded", 'odd "name"']), unique=True, max_size=3))
    entries = []
    for _ in range(draw(st.integers(0, 12))):
        text = draw(st.none() | st.text(max_size=10) | st.sampled_from(["2123 4567", "+852-6123-4567"]))
        if draw(st.booleans()):
            entries.append(Entry(text, None, draw(st.text(max_size=20)), (INVALID,) * len(registers)))
        else:
            verdicts = tuple(draw(st.just(NOT_LISTED) | DAYS) for _ in registers)
            entries.append(Entry(text, draw(st.from_regex(r"[0-9]{8}", fullmatch=True)), None, verdicts))
    shift = draw(st.integers(0, 20))
    return shift, CheckAnswer.of_entries(
        checked_at=draw(st.datetimes(timezones=st.just(dt.timezone(dt.timedelta(hours=8))))), on=draw(DAYS),
        registers=registers, entries=entries, invalid=draw(st.integers(0, 100)), listed=draw(st.integers(0, 100)),
        protected=draw(st.integers(0, 100)), protection_starts=lambda day: day + dt.timedelta(days=shift))


@given(answers())
def test_the_bytes_are_the_documents_json(shifted):
    shift, answer = shifted
    document = answer.as_dict()
    assert answer.as_json() == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    for entry, result in zip(answer.entries, document["results"]):
        assert result["valid"] == (entry.number is not None)
        for register, verdict in zip(answer.registers, entry.verdicts):
            status = result["registers"][register]["status"]
            assert status == (verdict if isinstance(verdict, str) else "listed")
            if status == "listed":
                begins = verdict + dt.timedelta(days=shift)
                assert result["registers"][register]["protected"] == (answer.on >= begins)
