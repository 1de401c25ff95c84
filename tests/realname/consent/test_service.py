"""Consent for purposes (issue 16 §3): the latest instruction *given* wins, bad instructions are refused with a
clear sentence, consent belongs to the number's current holder, and the records cannot be rewritten. On SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput, PermissionDenied
from telreg.core.models import AuditEvent
from telreg.realname import consent
from telreg.realname.errors import NotRegistered, NumberNotFound
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, person, submit_transfer

from .helpers import (
    CHAN_AT_OP1,
    CHAN_AT_OP2,
    PURPOSE,
    UNHELD_AT_OP1,
    WONG_AT_OP1,
    give,
    holder_id,
    holdings,
    listed,
    rows,
    staff_user,
    state,
)


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    holdings(runtime)
    runtime.clock.advance(days=10)  # instructions are given after the registrations
    return runtime


def _hours_ago(runtime: Runtime, hours: float) -> dt.datetime:
    return runtime.clock.now() - dt.timedelta(hours=hours)


def test_no_record_means_no_use(world: Runtime) -> None:
    answer = state(world, CHAN_AT_OP1)
    assert answer == consent.ConsentState(allowed=False, decision=None, given_at=None, channel=None)
    assert listed(world) == []


def test_a_grant_allows_and_a_later_withdrawal_stops(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted", at=_hours_ago(world, 5), channel="web")
    granted = state(world, CHAN_AT_OP1)
    assert granted.allowed and granted.decision == "granted" and granted.channel == "web"
    assert granted.given_at == _hours_ago(world, 5)
    give(world, CHAN_AT_OP1, "withdrawn", at=_hours_ago(world, 1), channel="sms")
    withdrawn = state(world, CHAN_AT_OP1)
    assert (withdrawn.allowed, withdrawn.decision, withdrawn.channel) == (False, "withdrawn", "sms")


def test_a_withdrawal_given_later_wins_though_recorded_first(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "withdrawn", at=_hours_ago(world, 1), channel="call")
    world.clock.advance(hours=2)
    # The paper form of a grant signed before the call, recorded only now: history, not the instruction in force.
    give(world, CHAN_AT_OP1, "granted", at=_hours_ago(world, 48), channel="letter", reference="FORM-0042")
    answer = state(world, CHAN_AT_OP1)
    assert (answer.allowed, answer.decision, answer.channel) == (False, "withdrawn", "call")
    assert CHAN_AT_OP1 not in listed(world)


def test_a_back_dated_withdrawal_recorded_late_still_wins_over_an_older_grant(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted", at=_hours_ago(world, 48))
    world.clock.advance(hours=1)
    give(world, CHAN_AT_OP1, "withdrawn", at=_hours_ago(world, 24), channel="letter")
    assert state(world, CHAN_AT_OP1).decision == "withdrawn"


@pytest.mark.parametrize("order", [("granted", "withdrawn"), ("withdrawn", "granted")])
def test_the_same_given_time_is_settled_by_the_later_recorded(world: Runtime, order: tuple[str, str]) -> None:
    at = _hours_ago(world, 3)
    give(world, CHAN_AT_OP1, order[0], at=at)
    give(world, CHAN_AT_OP1, order[1], at=at)  # same clock, same given time: the id decides
    assert state(world, CHAN_AT_OP1).decision == order[1]
    assert (CHAN_AT_OP1 in listed(world)) is (order[1] == "granted")


def test_an_unknown_purpose_is_refused_naming_the_known_ones(world: Runtime) -> None:
    with pytest.raises(consent.UnknownPurpose) as refused:
        give(world, CHAN_AT_OP1, "granted", purpose="selling-lists")
    assert refused.value.message == ("'selling-lists' is not a purpose consent is recorded for; the policy's "
                                     "purposes are value-added-marketing.")
    assert refused.value.status_code == 422 and refused.value.extra["field"] == "purpose"
    assert rows(world) == []


@pytest.mark.parametrize(("field", "decision", "channel", "sentence"), [
    ("decision", "maybe", "counter", "'maybe' is not a decision on consent; use one of granted, withdrawn."),
    ("channel", "granted", "fax", ("'fax' is not a channel consent is given through; use one of counter, web, "
                                   "sms, call, letter, api.")),
])
def test_an_unknown_decision_or_channel_is_refused(world: Runtime, field: str, decision: str, channel: str,
                                                   sentence: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        give(world, CHAN_AT_OP1, decision, channel=channel)
    assert refused.value.message == sentence and refused.value.extra["field"] == field


def test_a_time_in_the_future_is_refused(world: Runtime) -> None:
    with pytest.raises(consent.InvalidConsentTime) as refused:
        give(world, CHAN_AT_OP1, "granted", at=world.clock.now() + dt.timedelta(minutes=5))
    assert refused.value.message == ("The consent cannot have been given in the future: 2026-03-12 10:05:00 is "
                                     "after now (2026-03-12 10:00:00).")
    assert rows(world) == []


def test_a_time_before_the_number_was_registered_is_refused(world: Runtime) -> None:
    with pytest.raises(consent.InvalidConsentTime) as refused:
        give(world, CHAN_AT_OP1, "granted", at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))
    assert refused.value.message == (
        "The consent was given (2026-03-01 17:00:00) before number 51234567 was registered to its holder "
        "(2026-03-02 10:00:00): it is another holder's instruction.")


def test_another_operators_number_is_refused(world: Runtime) -> None:
    with pytest.raises(PermissionDenied) as refused:
        give(world, CHAN_AT_OP2, "granted")
    assert refused.value.message == "clerk.chan acts for op1, not op2."
    assert rows(world) == []


def test_a_number_without_a_holder_or_unknown_is_refused(world: Runtime) -> None:
    with pytest.raises(NotRegistered) as refused:
        give(world, UNHELD_AT_OP1, "granted")
    assert refused.value.message == ("Number 51234569 has no registered holder, so there is nobody whose consent "
                                     "could be recorded.")
    with pytest.raises(NumberNotFound, match="No operator has number 59876543."):
        give(world, "5987 6543", "granted")
    assert not state(world, UNHELD_AT_OP1).allowed


def test_consent_is_the_holders_for_one_operator_and_does_not_pass_to_another(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted")
    assert state(world, CHAN_AT_OP1).allowed
    assert not state(world, CHAN_AT_OP2, operator="op2").allowed  # CHAN consented to op1, not to op2
    assert not state(world, CHAN_AT_OP2, operator="op1").allowed  # op1 does not hold that number
    assert not state(world, WONG_AT_OP1).allowed  # another holder of op1
    assert listed(world) == [CHAN_AT_OP1] and listed(world, "op2") == []


def test_a_transferred_number_does_not_carry_the_old_holders_consent(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted")
    old_holder = holder_id(world, CHAN_AT_OP1)
    world.clock.advance(hours=1)
    new_holder = person("LEE Ka Yan", "1992-02-02", number=hkid("C", "345678"))
    outcome = submit_transfer(world, {"operator": "op1", "number": CHAN_AT_OP1, "holder": new_holder})
    assert outcome["status"] == "transferred", outcome
    assert holder_id(world, CHAN_AT_OP1) != old_holder
    assert state(world, CHAN_AT_OP1) == consent.ConsentState(allowed=False, decision=None, given_at=None,
                                                             channel=None)
    assert CHAN_AT_OP1 not in listed(world)
    # The old grant stays in the old holder's history; the new holder's instruction is theirs alone, and a
    # time before the transfer is refused (it would be the old holder's instruction).
    with pytest.raises(consent.InvalidConsentTime):
        give(world, CHAN_AT_OP1, "granted", at=_hours_ago(world, 2))
    give(world, CHAN_AT_OP1, "granted")
    assert state(world, CHAN_AT_OP1).allowed
    assert [r["identity_id"] for r in rows(world)] == [old_holder, holder_id(world, CHAN_AT_OP1)]


def test_the_audit_names_the_identity_and_masks_the_number(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted", channel="counter")
    chan = holder_id(world, CHAN_AT_OP1)
    with unit_of_work(world.session_factory) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "realname-consent-recorded")).one()
        assert event.actor == "staff:clerk.chan" and event.subject_type == "realname-identity"
        assert event.subject_key == str(chan)
        assert event.details["number"] == "5123****"
        assert event.details["decision"] == "granted" and event.details["operator"] == "op1"
        assert "CHAN" not in json.dumps(event.details) and "A123456" not in json.dumps(event.details)


def test_an_instruction_cannot_be_rewritten(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted")
    with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
        conn.execute(text("UPDATE realname_consents SET decision = 'withdrawn'"))
    assert state(world, CHAN_AT_OP1).allowed


def test_a_compliance_officer_records_too_and_the_list_is_audited_with_its_count(world: Runtime) -> None:
    officer = staff_user("comp.ho", roles=("operator-compliance",))
    give(world, CHAN_AT_OP1, "granted", user=officer)
    give(world, WONG_AT_OP1, "withdrawn", user=officer)
    with unit_of_work(world.session_factory) as session:
        operator, numbers = consent.marketing_list(session, clock=world.clock, settings=world.settings,
                                                   user=officer, purpose=PURPOSE)
        assert operator.code == "op1" and numbers == [CHAN_AT_OP1]
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "realname-consent-list-exported")).one()
        assert event.details == {"purpose": PURPOSE, "count": 1} and event.subject_key == "op1"
    with unit_of_work(world.session_factory) as session, pytest.raises(consent.UnknownPurpose):
        consent.marketing_list(session, clock=world.clock, settings=world.settings, user=officer,
                               purpose="profiling")


def test_the_export_holds_every_instruction_to_every_controller(world: Runtime) -> None:
    give(world, CHAN_AT_OP1, "granted", at=_hours_ago(world, 30), channel="letter", reference="=FORM-1")
    give(world, CHAN_AT_OP1, "withdrawn", at=_hours_ago(world, 2), channel="web")
    give(world, CHAN_AT_OP2, "granted", user=staff_user("clerk.wu", operator="op2"), channel="sms")
    give(world, WONG_AT_OP1, "granted")  # another holder's: not in CHAN's export
    chan = holder_id(world, CHAN_AT_OP1)
    with unit_of_work(world.session_factory) as session:
        as_json = consent.export_for_holder(session, clock=world.clock, identity_id=chan, fmt="json")
        as_csv = consent.export_for_holder(session, clock=world.clock, identity_id=chan, fmt="csv", lang="zh-Hant")
        with pytest.raises(InvalidInput):
            consent.export_for_holder(session, clock=world.clock, identity_id=chan, fmt="xml")
    document = json.loads(as_json.content)
    assert [(i["controller_name"], i["decision"], i["channel"], i["given_at"], i["reference"])
            for i in document["instructions"]] == [
        ("Operator One", "granted", "letter", "2026-03-11T04:00:00+08:00", "=FORM-1"),
        ("Operator One", "withdrawn", "web", "2026-03-12T08:00:00+08:00", None),
        ("Operator Two", "granted", "sms", "2026-03-12T10:00:00+08:00", None),
    ]
    assert {(f["controller_code"], f["decision"]) for f in document["in_force"]} == {("op1", "withdrawn"),
                                                                                     ("op2", "granted")}
    lines = as_csv.content.splitlines()
    assert lines[0].startswith("given_at,recorded_at,controller_code") and len(lines) == 4
    assert "'=FORM-1" in lines[1]  # a spreadsheet shows the reference, never runs it
    assert "增值服務推廣" in lines[1] and "以書信或紙本表格" in lines[1]  # the names in the holder's language
    assert as_csv.filename == "consents-20260312.csv" and as_json.media_type == "application/json"


def test_check_of_an_unknown_number_is_not_found(world: Runtime) -> None:
    with pytest.raises(NumberNotFound):
        state(world, "59876543")

