"""Demo real-name registrations: two operators and a handful of numbers showing each kind of registration.

Made through the registration service, like real ones: an adult, a minor with a guardian, a person registered
by an agent, and a company through its handler. Only under the hong-kong policy (the documents are Hong Kong
ones); a number that already exists is left as it is, so loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import HK, Clock
from telreg.core.vault import load_vault
from telreg.realname import operators, repository, service
from telreg.realname.policy import get_policy
from telreg.realname.schemas import RegistrationRequest
from telreg.realname.verification import UncheckedVerifier

ACTOR = "demo"
DEMO_OPERATORS = (("harbour", "Harbour Mobile (demo)"), ("peak", "Peak Telecom (demo)"))
# HKIDs with right check digits (the check digit algorithm of the Registration of Persons Regulations).
_CHAN = {"kind": "person", "name": "CHAN Tai Man", "date_of_birth": "1978-04-12",
         "document": {"type": "hkid", "number": "A123456(3)", "capture": "card_reader"}}
_WONG = {"kind": "person", "name": "WONG Siu Ming", "date_of_birth": "1952-10-30",
         "document": {"type": "hkid", "number": "B234567(1)", "capture": "card_reader"}}
_LEE = {"kind": "person", "name": "LEE Ka Fai", "date_of_birth": "1989-01-05",
        "document": {"type": "hkid", "number": "D456789(8)", "capture": "card_reader"}}


@dataclass
class RealnameSummary:
    operators: list[str] = field(default_factory=list)
    registrations: list[str] = field(default_factory=list)


def demo_requests(today: dt.date) -> list[dict[str, Any]]:
    """The demo registrations; the minor is ten years old whatever today is."""
    child = {"kind": "person", "name": "CHAN Siu Ling",
             "date_of_birth": dt.date(today.year - 10, 6, 1).isoformat(),
             "document": {"type": "hkid", "number": "C345678(A)", "capture": "manual"}}
    company = {"kind": "organisation", "name": "Demo Trading Limited",
               "document": {"type": "hk-br", "number": "12345678", "capture": "manual"},
               "handler": _LEE, "authorisation_letter": "DEMO/AUTH/2026/001"}
    return [
        {"operator": "harbour", "number": "51230001", "service": "prepaid", "holder": _CHAN},
        {"operator": "harbour", "number": "51230002", "service": "prepaid", "holder": child,
         "guardian": _CHAN},
        {"operator": "peak", "number": "61230003", "service": "postpaid", "holder": _WONG, "agent": _LEE},
        {"operator": "peak", "number": "61230004", "service": "prepaid", "holder": company},
    ]


def load_realname(session: Session, *, clock: Clock, settings: Settings) -> RealnameSummary:
    """Create the demo operators and registrations that do not exist yet (hong-kong policy only)."""
    summary = RealnameSummary()
    policy = get_policy(settings)
    if policy.name != "hong-kong":
        return summary
    for code, name in DEMO_OPERATORS:
        if repository.operator_by_code(session, code) is None:
            operators.add_operator(session, clock=clock, code=code, name=name, actor=ACTOR)
            summary.operators.append(code)
    vault = load_vault(settings)
    for body in demo_requests(clock.now().astimezone(HK).date()):
        if repository.number_row(session, body["number"]) is not None:
            continue
        outcome = service.register(session, vault=vault, policy=policy, clock=clock,
                                   verifier=UncheckedVerifier(),
                                   request=RegistrationRequest.model_validate(body), actor=ACTOR)
        if not outcome.refused:
            summary.registrations.append(body["number"])
    return summary
