"""A small world for the report, the API, the pages and the CLI: one identity in each section, figures by hand.

All four register at START (2026-03-02 10:00 HK) and are terminated at once. The period is 730 days, so each is
due from 2028-03-01 10:00 HK (2028 is a leap year: 2026-03-02 + 730 days). ``erased`` (operator op2) is erased
one day after that; the world then waits until START + 740 days (2028-03-11 10:00 HK):

    due      identity of 51234561 (op1), 10 days overdue
    held     identity of 51234562 (op1), a lawful-access task awaiting approval
    kept     identity of 51234563 (op1), a good e-Cert valid ten years
    erased   identity of 52234564 (op2), erased 2028-03-02 10:00 HK
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid

from .helpers import (
    DAYS,
    add_certificate,
    erase,
    hold,
    identity_of,
    make_operator,
    person,
    register,
    task_object_id,
    terminate,
    wait_days,
)

ERASED_ON = dt.date(2028, 3, 2)
TODAY = dt.date(2028, 3, 11)


@dataclass(frozen=True)
class World:
    due: int
    held: int
    kept: int
    erased: int
    task: str  # the object id of the task holding ``held``


def build_world(runtime: Runtime) -> World:
    make_operator(runtime)
    make_operator(runtime, "op2", "Operator Two")
    people = {"51234561": ("CHAN Tai Man", hkid("A", "123456")), "51234562": ("LEE Siu Ming", hkid("B", "234567")),
              "51234563": ("WONG Ka Yan", hkid("C", "345678")), "52234564": ("HO Wing Sze", hkid("D", "456789"))}
    for number, (name, document) in people.items():
        operator = "op2" if number.startswith("52") else "op1"
        register(runtime, number, person(name, "1980-05-05", number=document), operator=operator)
        terminate(runtime, number, operator)
    ids = {number: identity_of(runtime, number) for number in people}
    task = hold(runtime, ids["51234562"])
    add_certificate(runtime, ids["51234563"], subject="CN=WONG Ka Yan,C=HK")
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ids["52234564"]) == "erased"
    wait_days(runtime, 9)
    assert runtime.clock.now().date() == TODAY
    return World(due=ids["51234561"], held=ids["51234562"], kept=ids["51234563"], erased=ids["52234564"],
                 task=task_object_id(runtime, task))
