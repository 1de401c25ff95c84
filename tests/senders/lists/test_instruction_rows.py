"""The one instructions reader: what the offline scrub and the database import both read, line for line.

No database here: parse_instructions (the import's reading) and load_instructions (the offline scrub's) are
pure functions of the file.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.core.clock import HK
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.lists.csvfile import parse_instructions
from telreg.senders.scrub.errors import InstructionsRefused
from telreg.senders.scrub.instruction_rows import (CONSENT, UNSUBSCRIBE, UnreadableInstructions,
                                                   read_instruction_rows)
from telreg.senders.scrub.instructions import latest_instructions, load_instructions

NUMBERS = ["21234567", "61234567", "91234567", "51234567"]
# One instant written three ways, and two others: the rule compares instants, not spellings.
TIMES = ["2026-03-01T10:00", "2026-03-01T02:00:00Z", "2026-03-01T10:00:00+08:00", "2026-03-01",
         "2026-03-02T09:30"]
BAD = ["1234,consent,2026-03-01", "21234567,maybe,2026-03-01", "21234567,consent,yesterday",
       "21234567,consent"]


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text if "T" in text else text + "T00:00")
    return value if value.tzinfo else value.replace(tzinfo=HK)


def _offline_problems(message: str) -> list[str]:
    return [line.strip() for line in message.splitlines()[1:]]


def test_the_format_problems_come_first_then_the_callers_own_in_line_order():
    data = (b"Number,INSTRUCTION,at,channel\n"
            b"21234567,consent,2026-03-01,fax\n"     # only the caller's check objects
            b"12,maybe,2026-03-01,fax\n"             # both: the format's problems first
            b"\n"
            b"61234567,unsubscribe\n"                # short line, reported in its place among the others
            b"61234567,unsubscribe,2026-03-01,\n")
    rows = read_instruction_rows(data, check=lambda values: ["not sms"] if values["channel"] == "fax" else [])
    assert [line for line, _ in rows.errors] == [2, 3, 5]
    assert rows.errors[0][1] == "not sms"
    assert rows.errors[1][1].endswith("; instruction 'maybe' is neither 'consent' nor 'unsubscribe'; not sms")
    assert "2 digits" in rows.errors[1][1]
    assert rows.errors[2][1] == "has 2 columns, the header has 4"
    assert rows.lines.tolist() == [6] and rows.numbers.tolist() == [61234567]
    assert rows.kinds.tolist() == [UNSUBSCRIBE]
    assert rows.column("channel") == [""] and rows.column("how") == [""]


@pytest.mark.parametrize(("data", "problem"), [
    (b"number,instruction,at\n\x0021234567,consent,2026-03-01\n", "is a binary file, not CSV text"),
    (b"number,instruction,at\n2123\xff4567,consent,2026-03-01\n", "is not UTF-8 text"),
    (b"phone,instruction\n", "the header must name the columns number,instruction,at (missing: number, at; "
                             "found: phone, instruction)"),
    (b"number,instruction,at\n\"" + b"9" * 200_000 + b"\",consent,2026-03-01\n",
     "is not readable CSV at line 2"),
])
def test_a_file_that_is_not_an_instructions_file_is_refused_the_same_way_offline_and_online(tmp_path, data,
                                                                                           problem):
    with pytest.raises(UnreadableInstructions) as unreadable:
        read_instruction_rows(data)
    assert unreadable.value.problem.startswith(problem)
    path = tmp_path / "i.csv"
    path.write_bytes(data)
    with pytest.raises(InstructionsRefused) as offline:
        load_instructions(path)
    with pytest.raises(InstructionsFileRefused) as online:
        parse_instructions(data, source="i.csv", register="sms", default_how="call")
    assert offline.value.message.startswith(f"--instructions {path}: {problem}")
    assert online.value.message.startswith(f"i.csv: {problem}") and online.value.message.endswith(
        "; nothing was recorded.")


def test_only_a_header_is_no_instructions_offline_and_a_refusal_online(tmp_path):
    path = tmp_path / "i.csv"
    path.write_bytes(b"number,instruction,at\n\n")
    assert load_instructions(path).numbers.tolist() == []
    with pytest.raises(InstructionsFileRefused, match="has no instructions under its header"):
        parse_instructions(path.read_bytes(), source="i.csv", register="sms", default_how="call")


def test_more_than_twenty_bad_lines_are_counted_not_all_listed(tmp_path):
    path = tmp_path / "i.csv"
    body = "".join(f"{n},consent,2026-03-01\n" for n in range(1000, 1025))
    path.write_text("number,instruction,at\n" + body)
    with pytest.raises(InstructionsRefused) as offline:
        load_instructions(path)
    listed = _offline_problems(offline.value.message)
    assert len(listed) == 21 and listed[-1] == "… and 5 more" and listed[0].startswith("line 2: ")
    assert offline.value.message.splitlines()[0].endswith("25 bad line(s); nothing was scrubbed.")


def test_the_offline_scrub_does_not_load_the_database_layer():
    code = ("import sys; import telreg.senders.scrub.instructions, telreg.senders.scrub.instruction_rows; "
            "print('sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


lines = st.one_of(
    st.tuples(st.sampled_from(NUMBERS),
              st.sampled_from(["consent", "unsubscribe", "Consent", " UNSUBSCRIBE"]),
              st.sampled_from(TIMES)),
    st.sampled_from(BAD),
)


def _file(chosen: list) -> bytes:
    body = [",".join(line) if isinstance(line, tuple) else line for line in chosen]
    return ("number,instruction,at\n" + "\n".join(body) + "\n").encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, min_size=1, max_size=30))
def test_offline_and_online_find_the_same_bad_lines_and_the_latest_instruction_wins(tmp_path_factory, chosen):
    data = _file(chosen)
    bad = [i + 2 for i, line in enumerate(chosen) if isinstance(line, str)]
    path = tmp_path_factory.mktemp("rows") / "i.csv"
    path.write_bytes(data)
    if bad:
        with pytest.raises(InstructionsRefused) as offline:
            load_instructions(path)
        with pytest.raises(InstructionsFileRefused) as online:
            parse_instructions(data, source="i.csv", register="sms", default_how="call")
        assert [e["line"] for e in online.value.extra["errors"]] == bad
        assert _offline_problems(offline.value.message)[:20] == [f"line {e['line']}: {e['problem']}"
                                                                 for e in online.value.extra["errors"]][:20]
        return
    # A simple reference: per number, the greatest (instant, kind); at a tie the unsubscribe outranks.
    rank = {"consent": CONSENT, "unsubscribe": UNSUBSCRIBE}
    expected: dict[int, tuple[dt.datetime, int]] = {}
    for number, kind, at in chosen:
        key = (_instant(at), rank[kind.strip().lower()])
        expected[int(number)] = max(expected.get(int(number), key), key)
    got = load_instructions(path)
    assert got.numbers.tolist() == sorted(expected)
    assert list(zip(got.given_at, got.kinds.tolist(), strict=True)) == [expected[n] for n in sorted(expected)]
    assert got.lines == len(chosen)
    imported = parse_instructions(data, source="i.csv", register="sms", default_how="call")
    assert [(p.line, p.number, p.instruction, p.given_at) for p in imported] == [
        (i + 2, number, kind.strip().lower(), _instant(at)) for i, (number, kind, at) in enumerate(chosen)]


def test_latest_of_no_rows_is_empty():
    empty = latest_instructions(read_instruction_rows(b"number,instruction,at\n"), source="x.csv")
    assert empty.numbers.tolist() == [] and empty.lines == 0 and empty.source == "x.csv"
