"""Builders for lookup tests: a mainland holder with numbers at two operators, and the service in its own
transactions (as the edges run it)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from telreg.core.db import unit_of_work
from telreg.core.notify import FakeSms
from telreg.realname import lookup
from telreg.runtime import Runtime
from tests.realname.registration.helpers import (
    MAINLAND,
    make_operator,
    person,
    proved,
    request,
    resident_id,
    submit,
)

BORN = dt.date(1990, 1, 1)
CARD = resident_id(BORN)  # 张三's citizen number, with the GB 11643 check character
OTHER_CARD = resident_id(dt.date(1985, 6, 15), sequence="003")
ZHANG_AT_CMCC = ("13800138000", "13800138001", "13800138002")
ZHANG_AT_CUCC = ("13100131000",)
LI_AT_CMCC = "13900139000"


def zhang() -> dict[str, Any]:
    return person("张三", BORN, doc_type="cn-resident-id", number=CARD, capture="card_reader",
                  address="北京市东城区东长安街1号")


def li() -> dict[str, Any]:
    return person("李四", dt.date(1985, 6, 15), doc_type="cn-resident-id", number=OTHER_CARD,
                  capture="card_reader", address="上海市黄浦区人民大道200号")


def holdings(runtime: Runtime) -> None:
    """张三 holds three numbers with cmcc and one with cucc; 李四 holds one with cmcc; ctcc holds none."""
    for code, name in (("cmcc", "China Mobile"), ("ctcc", "China Telecom"), ("cucc", "China Unicom")):
        make_operator(runtime, code, name)
    held = [(n, zhang(), "cmcc") for n in ZHANG_AT_CMCC] + [(n, zhang(), "cucc") for n in ZHANG_AT_CUCC]
    for number, holder, operator in [*held, (LI_AT_CMCC, li(), "cmcc")]:
        outcome = submit(runtime, request(number, proved(runtime, holder), operator=operator),
                         policy=MAINLAND)
        assert outcome["status"] == "registered", outcome


def ask(runtime: Runtime, *, number: str = ZHANG_AT_CMCC[1], document: str = CARD,
        doc_type: str = "cn-resident-id", limits: lookup.LookupLimits = lookup.DEFAULT_LIMITS,
        lang: str = "en") -> lookup.CodeRequested:
    with unit_of_work(runtime.session_factory) as session:
        return lookup.request_code(session, vault=runtime.vault, policy=MAINLAND, clock=runtime.clock,
                                   sms=runtime.sms, doc_type=doc_type, document=document, number=number,
                                   lang=lang, limits=limits)


def prove(runtime: Runtime, token: str, code: str,
          limits: lookup.LookupLimits = lookup.DEFAULT_LIMITS) -> lookup.Proof:
    with unit_of_work(runtime.session_factory) as session:
        return lookup.prove_code(session, vault=runtime.vault, clock=runtime.clock, token=token, code=code,
                                 limits=limits)


def code_sent(sms: FakeSms, number: str) -> str:
    """The code in the latest message to NUMBER (6 digits, found independently of how the text is worded)."""
    messages = sms.to(number)
    assert messages, f"no SMS went to {number}"
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", messages[-1])
    assert len(found) == 1, messages[-1]
    return found[0]


def proved_access(runtime: Runtime, sms: FakeSms, number: str = ZHANG_AT_CMCC[1]) -> lookup.LookupAccess:
    requested = ask(runtime, number=number)
    proof = prove(runtime, requested.token, code_sent(sms, number))
    assert proof.access_token, proof.rejected
    with unit_of_work(runtime.session_factory) as session:
        return lookup.access(session, clock=runtime.clock, access_token=proof.access_token)


def wrong(code: str) -> str:
    """A 6-digit code that is certainly not CODE."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
