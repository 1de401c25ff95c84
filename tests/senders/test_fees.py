import datetime as dt

import pytest

from telreg.core.clock import HK
from telreg.core.errors import Conflict, InvalidInput
from telreg.senders import fees
from telreg.senders.vocabulary import Plan, Register, format_hkd, parse_hkd

from .helpers import application_order, apply, make_officer, pay


def test_amounts_are_parsed_to_cents_and_formatted_back():
    assert parse_hkd("1,600") == 160_000
    assert parse_hkd("HK$425.50") == 42_550
    assert format_hkd(42_550) == "HK$425.50"
    for bad in ("12.345", "-5", "abc", "0"):
        with pytest.raises(InvalidInput):
            parse_hkd(bad)


def test_an_application_is_charged_the_fees_in_force_on_its_date(session, runtime, clock):
    make_officer(session, clock)
    fees.revise_fee(session, clock=clock, plan=Plan.twelve_months, amount_cents=170_000,
                    effective_from=dt.date(2026, 4, 1), officer_name="olivia")
    before = apply(session, runtime, plans={Register.fax: Plan.twelve_months})
    assert application_order(session, before).total_cents == 160_000
    clock.set(dt.datetime(2026, 4, 1, 9, 0, tzinfo=HK))
    after = apply(session, runtime, username="second.sender", plans={Register.fax: Plan.twelve_months,
                                                                      Register.sms: Plan.three_months})
    assert application_order(session, after).total_cents == 170_000 + 42_500
    # The earlier applicant still pays the old fee after the revision.
    assert pay(session, runtime, application_order(session, before), amount_cents=160_000).outstanding_cents == 0
    table = fees.fee_table(session, settings=runtime.settings, clock=clock)
    assert table["in_force"]["12-months"]["amount"] == "HK$1,700.00"
    assert [(e["plan"], e["source"]) for e in table["entries"]] == [
        ("12-months", "default"), ("12-months", "revision"), ("3-months", "default")]


def test_fees_cannot_be_revised_into_the_past_or_twice_for_a_day(session, runtime, clock):
    make_officer(session, clock)
    with pytest.raises(InvalidInput, match="past date"):
        fees.revise_fee(session, clock=clock, plan=Plan.three_months, amount_cents=50_000,
                        effective_from=dt.date(2026, 3, 1), officer_name="olivia")
    fees.revise_fee(session, clock=clock, plan=Plan.three_months, amount_cents=50_000,
                    effective_from=dt.date(2026, 3, 2), officer_name="olivia")
    with pytest.raises(Conflict, match="already exists"):
        fees.revise_fee(session, clock=clock, plan=Plan.three_months, amount_cents=51_000,
                        effective_from=dt.date(2026, 3, 2), officer_name="olivia")
    assert fees.fee_for(session, settings=runtime.settings, plan=Plan.three_months, on=dt.date(2026, 3, 2)) == 50_000
