"""The dev inbox and demo lines shared by the processes of one `telreg serve` (telreg.core.dev_share): they behave
exactly as the in-memory ones, and what one process does another sees."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.core.clock import HK
from telreg.core.dev_inbox import DevInbox
from telreg.core.dev_share import SharedDemoLines, SharedDevInbox, use_shared
from telreg.core.errors import InvalidInput
from telreg.core.notify import DemoFax, DemoLines, DemoTelephony

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)
NUMBERS = st.sampled_from(["21234567", "91234567", "61234567"])
CALLS = st.lists(st.sampled_from(["confirmed", "declined", "no_answer", "busy"]), max_size=3)
FAXES = st.lists(st.sampled_from(["delivered", "busy", "failed"]), max_size=3)
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("script"), NUMBERS, CALLS, FAXES),
    st.tuples(st.just("clear"), NUMBERS),
    st.tuples(st.just("call"), NUMBERS, st.text(max_size=20)),
    st.tuples(st.just("fax"), NUMBERS, st.text(max_size=20)),
    st.tuples(st.just("sms"), NUMBERS, st.text(max_size=20)),
), max_size=25)


def _apply(lines: DemoLines, operation: tuple) -> object:  # type: ignore[type-arg]
    kind, number, *rest = operation
    if kind == "script":
        return lines.script(number, calls=rest[0], faxes=rest[1])
    if kind == "clear":
        return lines.clear(number)
    return getattr(lines, kind)(number, rest[0])


@settings(max_examples=40, deadline=None)
@given(operations=OPERATIONS)
def test_shared_lines_answer_as_the_lines_in_memory(tmp_path_factory: pytest.TempPathFactory,
                                                    operations: list[tuple]) -> None:  # type: ignore[type-arg]
    directory = tmp_path_factory.mktemp("share")
    memory, shared = DemoLines(now=lambda: AT, keep=10), SharedDemoLines(directory, now=lambda: AT, keep=10)
    for operation in operations:
        assert _apply(shared, operation) == _apply(memory, operation)
    assert shared.scripted() == memory.scripted()
    assert shared.recent() == memory.recent()
    # A second object on the same directory (another process's) reads the same state.
    assert SharedDemoLines(directory, keep=10).recent() == memory.recent()


def test_a_bad_outcome_changes_nothing(tmp_path: Path) -> None:
    lines = SharedDemoLines(tmp_path, now=lambda: AT)
    lines.script("21234567", calls=["busy"])
    with pytest.raises(InvalidInput):
        lines.script("21234567", calls=["confirmed", "hung-up"])
    assert SharedDemoLines(tmp_path).scripted() == {"21234567": {"call": ["busy"], "fax": []}}


MAIL = (b"From: telreg <noreply@telreg.example>\r\nTo: ops@example.org\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
        b"Message-ID: <1@telreg>\r\n\r\nLine one\r\nLine two\r\n")


def test_shared_inbox_keeps_what_the_inbox_in_memory_keeps(tmp_path: Path) -> None:
    memory, shared = DevInbox(now=lambda: AT, keep=2), SharedDevInbox(tmp_path, now=lambda: AT, keep=2)
    for n in range(3):
        for inbox in (memory, shared):
            inbox.receive(sender=f"s{n}@x", to=["ops@example.org", "b@example.org"], content=MAIL)
    assert SharedDevInbox(tmp_path).mails() == memory.mails() and len(memory.mails()) == 2
    assert shared.mails(1) == memory.mails(1)
    shared.clear()
    assert SharedDevInbox(tmp_path).mails() == []


def _call_from_another_process(directory: str, number: str) -> None:
    lines = SharedDemoLines(Path(directory))
    for _ in range(20):
        lines.call(number, "please confirm")


def test_processes_take_each_scripted_outcome_once(tmp_path: Path) -> None:
    lines = SharedDemoLines(tmp_path)
    lines.script("21234567", calls=["busy"] * 30)
    context = multiprocessing.get_context("spawn")
    others = [context.Process(target=_call_from_another_process, args=(str(tmp_path), "21234567")) for _ in range(2)]
    for process in others:
        process.start()
    for _ in range(20):
        lines.call("21234567", "please confirm")
    for process in others:
        process.join(120)
        assert process.exitcode == 0
    events = lines.recent()
    assert len(events) == 60  # no call lost to a lost update
    assert sum(e.outcome == "busy" and e.scripted for e in events) == 30  # each scripted outcome used once
    assert lines.scripted() == {}


def test_use_shared_points_the_runtime_at_the_directory(runtime, tmp_path: Path) -> None:
    runtime.telephony = DemoTelephony(DemoLines())
    runtime.fax = DemoFax(runtime.telephony.lines)
    use_shared(runtime, tmp_path)
    runtime.telephony.call_for_confirmation("21234567", "confirm?")
    assert [e.number for e in SharedDemoLines(tmp_path).recent()] == ["21234567"]
    assert isinstance(runtime.inbox, SharedDevInbox)
