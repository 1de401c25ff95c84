"""The affected list from a realistic trail: the holders whose numbers the frozen account registered in the
window (and not the one before it, nor someone else's work), the unheld number by its operator, masked values
only — in the list and in the CSV. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.incidents import affected, service
from telreg.runtime import Runtime
from tests.incidents.helpers import (
    COMPLIANCE,
    REGULATOR,
    SHOP,
    key_account,
    open_as,
    people,
    sender_key,
    trail,
)


def _affected(runtime: Runtime, reference: str, username: str = REGULATOR) -> affected.Affected:
    with unit_of_work(runtime.session_factory) as session:
        row = service.get_incident(session, user=get_user(session, username), reference=reference)
        return affected.affected(session, vault=runtime.vault, incident=row)


def test_holders_touched_in_the_window_are_listed_masked(runtime: Runtime, clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    reference = open_as(runtime, REGULATOR, accounts=[SHOP], window=service.Window(t.start, t.end))
    result = _affected(runtime, reference)
    assert [(h.name, h.document_type, h.document_number, h.numbers, h.operators) for h in result.holders] == [
        ("CHAN T** M**", "hkid", "A123***(*)", ["5111****"], ["op1"]),
        ("WONG S** M***", "hkid", "A654***(*)", ["5111****"], ["op1"]),
    ]
    assert all(event["action"] == "realname-registered" for h in result.holders for event in h.events), \
        [h.events for h in result.holders]
    assert result.numbers_without_holder == {"": ["6111****"]}  # not on record: no operator known
    assert result.operators == ["op1"]


def test_the_csv_for_notification_holds_no_clear_value(runtime: Runtime, clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    reference = open_as(runtime, REGULATOR, accounts=[SHOP], window=service.Window(t.start, t.end))
    text = affected.as_csv(_affected(runtime, reference))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(affected.CSV_HEADER)
    assert [r[0] for r in rows[1:3]] == ["CHAN T** M**", "WONG S** M***"]
    for clear in ("CHAN Tai Man", "Tai Man", "WONG Siu Ming", "A123456", "A1234563", "51110002", "51110003",
                  "61119999", "LEE", "HO M"):
        assert clear not in text, clear


def test_an_account_outside_the_scope_or_window_counts_for_nothing(runtime: Runtime, clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    # A window that closes before the two registrations: only the unheld number's look... is after too.
    early = service.Window(t.start - (t.end - t.start), t.start)
    reference = open_as(runtime, REGULATOR, accounts=[SHOP], window=early)
    result = _affected(runtime, reference)
    assert result.holders == [] and result.numbers_without_holder == {} and result.events == 0


def test_an_operator_incident_lists_that_operator_only(runtime: Runtime, clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    reference = open_as(runtime, COMPLIANCE, accounts=[SHOP], window=service.Window(t.start, t.end))
    result = _affected(runtime, reference, COMPLIANCE)
    assert [h.name for h in result.holders] == ["CHAN T** M**", "WONG S** M***"]
    assert result.numbers_without_holder == {}  # the unheld number is no known operator's


def test_an_api_key_counts_its_own_calls_not_its_sender_browser(runtime: Runtime, clock: Any) -> None:
    people(runtime)
    key_id, _ = sender_key(runtime)
    account = key_account(runtime, key_id)
    start = clock.now()
    clock.advance(minutes=5)
    with unit_of_work(runtime.session_factory) as session:
        for api_key_id in (key_id, None):  # the script's download, then one from the sender's browser
            audit.record(session, clock=clock, actor=f"sender:{account}", action="sender-downloaded",
                         subject_type="sender", subject_key=str(account),
                         details={"file": "sms.csv", "api_key_id": api_key_id})
        audit.record(session, clock=clock, actor=f"api-key:{key_id}", action="sender-list-updated",
                     subject_type="sender-list", subject_key="1", details={})
    clock.advance(minutes=5)
    reference = open_as(runtime, REGULATOR, api_keys=[str(key_id)], window=service.Window(start, clock.now()))
    result = _affected(runtime, reference)
    assert result.events == 2 and result.holders == []
