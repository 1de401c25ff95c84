"""A small real-name world for report tests, with figures counted by hand.

op1 (Hong Kong policy, on Monday 2 March 2026):
- three numbers registered to CHAN (51234561-63)                       -> registered 3
- one legacy number awaiting registration, deadline in 2027 (61234500) -> counted in total
- two legacy numbers deactivated on their deadline, 2 March (61234501-02) -> not counted
- two refusals: an HKID with a wrong check digit, a 15-year-old without a guardian
op2: no number at all.

So op1's rate is 3 / (3 + 1) = 75 %, and op2 has no rate.
"""

from __future__ import annotations

import datetime as dt

from telreg.runtime import Runtime
from tests.realname.lifecycle.helpers import at, import_numbers, run_on
from tests.realname.registration.helpers import hkid, make_operator, person, request, submit

DAY = dt.date(2026, 3, 2)


def build_world(runtime: Runtime) -> None:
    make_operator(runtime, "op1", "Operator One")
    make_operator(runtime, "op2", "Operator Two")
    chan = person("CHAN Tai Man", number=hkid("A", "123456"))
    for number in ("51234561", "51234562", "51234563"):
        assert submit(runtime, request(number, chan))["status"] == "registered"
    import_numbers(runtime, "61234500")
    import_numbers(runtime, "61234501", "61234502", deadline=DAY)
    bad_check_digit = person("LEE Ka Yan", number="A1234567")
    assert submit(runtime, request("51234564", bad_check_digit))["code"] == "invalid_document"
    child = person("HO Siu Ping", "2011-01-01", number=hkid("C", "345678"))
    assert submit(runtime, request("51234565", child))["code"] == "minor_without_guardian"
    run_on(runtime, DAY)
    at(runtime, DAY, hour=10)
