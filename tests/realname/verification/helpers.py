"""Builders for identity-verification tests: staff and regulator sessions, the endpoints, documents.

Registration bodies and documents come from tests/realname/registration/helpers.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.realname.models import Registration
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, person, resident_id
from tests.web.conftest import OFFICER_PASSWORD, make_officer

API = "/api/v1/realname"
FLAGS = f"{API}/verification/flags"
CHECKS = f"{API}/verification/checks"
REGISTRATIONS = f"{API}/registrations"
TRANSFERS = f"{API}/transfers"

CLERK, REGULATOR = "clerk.chan", "reg.lee"
# Hong Kong identity cards with right check digits, none of them used by the registration tests' holders.
FORGED_HKID, LOST_HKID, IMPOSTOR_HKID = hkid("P", "100001"), hkid("R", "200002"), hkid("S", "300003")
BORN = dt.date(1990, 1, 1)
CARD = resident_id(BORN)  # 张三's resident ID card
OTHER_CARD = resident_id(dt.date(1985, 6, 15), sequence="003")
ADDRESS = "北京市东城区东长安街1号"  # printed on the card; the mainland policy requires it (Order 25 art. 9)


def staff_and_regulator(runtime: Runtime, *, operator: str = "op1") -> None:
    """Create a clerk of OPERATOR (operator-staff) and a regulator officer."""
    make_officer(runtime, username=CLERK, roles=("operator-staff",), operator=operator)
    make_officer(runtime, username=REGULATOR, roles=("regulator",))


def login(client: Any, username: str) -> dict[str, str]:
    """Sign USERNAME in on CLIENT (replacing whoever was signed in); return the CSRF header for changes."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def zhang(capture: str = "card_reader", *, number: str = CARD, proof: str | None = None) -> dict[str, Any]:
    """张三 with his resident ID card, read by CAPTURE, with PROOF when given."""
    holder = person("张三", BORN, doc_type="cn-resident-id", number=number, capture=capture, address=ADDRESS)
    if proof is not None:
        holder["document"]["proof"] = proof
    return holder


def registration(runtime: Runtime, registration_id: int) -> Registration:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Registration).where(Registration.id == registration_id))
        assert row is not None
        session.expunge(row)
        return row
