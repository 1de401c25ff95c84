"""Builders for the incident tests: staff accounts, a realistic audit trail, a sender API key, an e-Cert.

Everything is committed in a unit of work of its own, as the pages and the CLI would see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.users import create_user, get_user
from telreg.incidents import service
from telreg.realname import service as realname
from telreg.realname.schemas import RegistrationRequest
from telreg.realname.verification import FakeVerifier
from telreg.runtime import Runtime
from telreg.senders import api_keys
from telreg.senders.models import SenderApiKey
from tests.ecert.identity_helpers import ensure_operator
from tests.realname.registration.helpers import HONG_KONG, hkid, person, request, submit
from tests.senders.helpers import make_active
from tests.senders.helpers import make_officer as make_dnc_officer

PASSWORD = "correct horse battery"
REGULATOR = "reg.ho"
SHOP = "shop.wong"  # the operator staff account whose trail the incident is about
COMPLIANCE = "comp.op1"
OTHER_COMPLIANCE = "comp.op2"


def staff(runtime: Runtime, username: str, roles: tuple[str, ...], operator: str | None = None) -> str:
    with unit_of_work(runtime.session_factory) as session:
        create_user(session, clock=runtime.clock, username=username, password=PASSWORD, roles=list(roles),
                    operator=operator)
    return username


def people(runtime: Runtime) -> None:
    """The regulator, a shop account of op1, op1's and op2's compliance officers."""
    staff(runtime, REGULATOR, ("regulator",))
    staff(runtime, SHOP, ("operator-staff",), operator="op1")
    staff(runtime, COMPLIANCE, ("operator-compliance",), operator="op1")
    staff(runtime, OTHER_COMPLIANCE, ("operator-compliance",), operator="op2")


def login(client: Any, username: str) -> dict[str, str]:
    """Sign in through the JSON API; return the CSRF header for changes."""
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


@dataclass(frozen=True)
class Trail:
    start: dt.datetime
    end: dt.datetime
    inside: tuple[str, ...]  # numbers the shop account registered in the window
    outside: str  # a number it registered before the window
    loose: str  # a number it looked at in the window that no holder has


def trail(runtime: Runtime, clock: Any) -> Trail:
    """The shop account registers one number before the window, two inside it, and looks at an unheld one.

    Holders: LEE Ka Yan (before the window: must not count), CHAN Tai Man and WONG Siu Ming (inside).
    """
    ensure_operator(runtime, "op1")
    ensure_operator(runtime, "op2")
    actor = f"staff:{SHOP}"

    def register(number: str, name: str, digits: str) -> None:
        with unit_of_work(runtime.session_factory) as session:
            outcome = realname.register(session, vault=runtime.vault, policy=HONG_KONG, clock=runtime.clock,
                                        verifier=FakeVerifier(),
                                        request=RegistrationRequest(**request(number, person(
                                            name, number=hkid("A", digits)))), actor=actor)
            assert outcome.as_dict()["status"] == "registered", outcome.as_dict()

    register("51110001", "LEE Ka Yan", "111111")
    clock.advance(hours=1)
    start = clock.now()
    clock.advance(minutes=10)
    register("51110002", "CHAN Tai Man", "123456")
    register("51110003", "WONG Siu Ming", "654321")
    with unit_of_work(runtime.session_factory) as session:
        audit.record(session, clock=clock, actor=actor, action="realname-number-viewed",
                     subject_type="realname-number", subject_key="61119999", details={"operator": "op1"})
    # Someone else's work in the window: not the scope's, must not count.
    submit(runtime, request("51110004", person("HO Mei Ling", number=hkid("A", "222222"))))
    clock.advance(minutes=10)
    end = clock.now()
    clock.advance(hours=1)
    return Trail(start, end, ("51110002", "51110003"), "51110001", "61119999")


def open_as(runtime: Runtime, username: str, **kwargs: Any) -> str:
    """Open an incident as USERNAME (committed); return its reference."""
    now = runtime.clock.now()
    defaults: dict[str, Any] = {"title": "Shop tablet lost", "category": "loss", "description": "Left in a taxi",
                                "window": service.Window(now - dt.timedelta(hours=2), now)}
    with unit_of_work(runtime.session_factory) as session:
        row = service.open_incident(session, runtime=runtime, user=get_user(session, username),
                                    **{**defaults, **kwargs})
        return row.reference


def sender_key(runtime: Runtime) -> tuple[int, str]:
    """An active sender with API access and one key: (key id, the key as its script presents it)."""
    with unit_of_work(runtime.session_factory) as session:
        make_dnc_officer(session, runtime.clock)
        account = make_active(session, runtime)
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                enabled=True, officer="olivia")
        key, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=account.id, label="nightly")
        return key.id, plaintext


def key_account(runtime: Runtime, key_id: int) -> int:
    """The sender account a key belongs to."""
    with unit_of_work(runtime.session_factory) as session:
        key = session.get(SenderApiKey, key_id)
        assert key is not None
        return key.account_id
