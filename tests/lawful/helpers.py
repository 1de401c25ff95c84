"""Small builders shared by the lawful-access tests: an agency, staff of each role, a registered number."""

from __future__ import annotations

from typing import Any

from telreg.core import users
from telreg.core.db import unit_of_work
from telreg.lawful import agencies
from telreg.runtime import Runtime
from tests.realname.registration.helpers import make_operator, person, request, submit

PASSWORD = "lawful-Access-2026!"  # strong enough for the password policy


def make_agency(runtime: Runtime, code: str = "hkpf", name: str = "Hong Kong Police Force") -> None:
    with unit_of_work(runtime.session_factory) as session:
        agencies.add_agency(session, clock=runtime.clock, code=code, name=name)


def make_staff(runtime: Runtime, username: str, *roles: str, operator: str | None = None,
               agency: str | None = None) -> str:
    with unit_of_work(runtime.session_factory) as session:
        users.create_user(session, clock=runtime.clock, username=username, password=PASSWORD, roles=list(roles),
                          operator=operator, agency=agency)
    return username


def register_number(runtime: Runtime, number: str, *, operator: str = "op1", holder: dict[str, Any] | None = None,
                    **extra: Any) -> dict[str, Any]:
    """Register a number (creating the operator if needed) to the holder (a fresh person by default)."""
    try:
        make_operator(runtime, operator, f"Operator {operator}")
    except Exception:  # noqa: BLE001 - exists already
        pass
    return submit(runtime, request(number, holder or person(), operator=operator, **extra))


def lawful_world(runtime: Runtime) -> dict[str, str]:
    """An agency with an officer and a supervisor, operator op1 with two compliance officers, the regulator."""
    make_agency(runtime)
    make_operator(runtime, "op1", "Operator One")
    return {
        "officer": make_staff(runtime, "le.officer", "le-officer", agency="hkpf"),
        "officer2": make_staff(runtime, "le.officer2", "le-officer", agency="hkpf"),
        "supervisor": make_staff(runtime, "le.supervisor", "le-supervisor", agency="hkpf"),
        "compliance1": make_staff(runtime, "op1.compliance1", "operator-compliance", operator="op1"),
        "compliance2": make_staff(runtime, "op1.compliance2", "operator-compliance", operator="op1"),
        "regulator": make_staff(runtime, "ofca.regulator", "regulator"),
    }
