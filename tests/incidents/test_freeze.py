"""Opening an incident freezes its scope at once: accounts deactivated and signed out (401 on the next request),
an API key refused on its next call, a certificate on hold with cause ``incident``; every freeze audited. On
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent, User
from telreg.core.users import get_user
from telreg.ecert import lifecycle, ocsp
from telreg.incidents import service
from telreg.incidents.errors import IncidentForbidden, IncidentInvalid, IncidentStateConflict
from telreg.runtime import Runtime
from tests.incidents.helpers import REGULATOR, SHOP, key_account, login, open_as, people, sender_key, staff


def _certificate(runtime: Runtime) -> str:
    from tests.ecert.identity_helpers import registered_person
    from tests.web.test_ecert_pages import issue, make_ca

    hierarchy = make_ca(runtime)
    return issue(runtime, hierarchy, registered_person(runtime, name="LAU Wai Kit", digits="333333")).certificate.serial


def test_opening_freezes_account_key_and_certificate_at_once(client: Any, runtime: Runtime) -> None:
    people(runtime)
    key_id, plaintext = sender_key(runtime)
    serial = _certificate(runtime)
    bearer = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/senders/me", headers=bearer).status_code == 200
    from fastapi.testclient import TestClient

    with TestClient(client.app) as shop_client:
        login(shop_client, SHOP)
        assert shop_client.get("/api/v1/auth/me").status_code == 200

        reference = open_as(runtime, REGULATOR, accounts=[SHOP], api_keys=[str(key_id)], certificates=[serial])

        assert shop_client.get("/api/v1/auth/me").status_code == 401  # the signed-in browser is out
    assert client.get("/api/v1/senders/me", headers=bearer).status_code == 401
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, SHOP).is_active is False
        certificate = lifecycle.get_certificate(session, serial)
        assert certificate.state == "hold" and ocsp.certificate_status(certificate) == "revoked"
        view = service.get_incident(session, user=get_user(session, REGULATOR), reference=reference)
        events = session.scalars(select(AuditEvent).where(AuditEvent.actor == f"staff:{REGULATOR}")).all()
        actions = {(e.action, e.subject_key) for e in events}
        held = [e for e in audit.history(session, subject_type="ecert_certificate", subject_key=serial)
                if e.action == "ecert.hold"]
    assert view.state == "open" and reference.startswith("INC-2026-")
    assert {("incident-opened", reference), ("incident-account-frozen", SHOP), ("sessions-revoked", SHOP),
            ("incident-api-key-frozen", str(key_account(runtime, key_id))),
            ("incident-certificate-frozen", serial)} <= actions
    assert held and held[-1].details["cause"] == "incident" and held[-1].details["incident"] == reference


def test_default_steps_are_due_from_the_clock(runtime: Runtime, session: Any) -> None:
    people(runtime)
    reference = open_as(runtime, REGULATOR, accounts=[SHOP])
    row = service.get_incident(session, user=get_user(session, REGULATOR), reference=reference)
    from telreg.incidents import views

    steps = views.incident_view(session, row)["steps"]
    assert [s["text"] for s in steps] == [text for text, _ in service.DEFAULT_STEPS]
    assert steps[0]["due_at"] == runtime.clock.now() + dt.timedelta(hours=1)
    assert all(s["owner"] == REGULATOR and s["done_at"] is None for s in steps)


@pytest.mark.parametrize(("scope", "message"), [
    ({"accounts": ["nobody.here"]}, "There is no staff account named 'nobody.here'."),
    ({"api_keys": ["9999"]}, "There is no API key 9999"),
    ({"api_keys": ["abc"]}, "There is no API key abc"),
    ({"certificates": ["abcdef12"]}, "There is no certificate with serial abcdef12."),
])
def test_an_unknown_scope_item_is_named_and_nothing_is_frozen(runtime: Runtime, scope: dict[str, Any],
                                                              message: str) -> None:
    people(runtime)
    with pytest.raises(IncidentInvalid) as refused:
        open_as(runtime, REGULATOR, **{"accounts": [SHOP], **scope})
    assert message in refused.value.message
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, SHOP).is_active is True
        assert service.list_incidents(session, user=get_user(session, REGULATOR)) == []


def test_bad_windows_are_refused_with_a_clear_message(runtime: Runtime) -> None:
    people(runtime)
    now = runtime.clock.now()
    with pytest.raises(IncidentInvalid, match="must end after it starts"):
        open_as(runtime, REGULATOR, window=service.Window(now, now - dt.timedelta(hours=1)))
    with pytest.raises(IncidentInvalid, match="cannot end in the future"):
        open_as(runtime, REGULATOR, window=service.Window(now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)))
    with pytest.raises(IncidentInvalid, match="Unknown category"):
        open_as(runtime, REGULATOR, category="flood")


def test_nobody_freezes_their_own_account(runtime: Runtime) -> None:
    people(runtime)
    with pytest.raises(IncidentForbidden, match="cannot freeze your own account"):
        open_as(runtime, REGULATOR, accounts=[REGULATOR])
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, REGULATOR).is_active is True


def test_unfreeze_only_after_containment_and_only_what_can_be_undone(runtime: Runtime) -> None:
    people(runtime)
    key_id, _ = sender_key(runtime)
    reference = open_as(runtime, REGULATOR, accounts=[SHOP], api_keys=[str(key_id)])
    with unit_of_work(runtime.session_factory) as session:
        regulator = get_user(session, REGULATOR)
        with pytest.raises(IncidentStateConflict, match="contained before unfreezing"):
            service.unfreeze(session, clock=runtime.clock, user=regulator, reference=reference, kind="account",
                             identifier=SHOP)
        service.contain(session, clock=runtime.clock, user=regulator, reference=reference)
        with pytest.raises(IncidentStateConflict, match="cannot be restored"):
            service.unfreeze(session, clock=runtime.clock, user=regulator, reference=reference, kind="api-key",
                             identifier=str(key_id))
        item = service.unfreeze(session, clock=runtime.clock, user=regulator, reference=reference, kind="account",
                                identifier=SHOP)
        assert item.outcome == "reactivated"
        assert session.scalar(select(User.is_active).where(User.username == SHOP)) is True
        assert "incident-account-unfrozen" in {e.action for e in audit.history(session, subject_type="user",
                                                                                 subject_key=SHOP)}


def test_an_operator_officer_freezes_only_their_operator_staff(runtime: Runtime) -> None:
    people(runtime)
    staff(runtime, "shop.op2", ("operator-staff",), operator="op2")
    with pytest.raises(IncidentForbidden, match="not one of your operator's"):
        open_as(runtime, "comp.op1", accounts=["shop.op2"])
    with pytest.raises(IncidentForbidden, match="own operator only"):
        open_as(runtime, "comp.op1", operator="op2")
    with pytest.raises(IncidentForbidden, match="frozen by the regulator"):
        open_as(runtime, "comp.op1", certificates=["abc"])
    reference = open_as(runtime, "comp.op1", accounts=[SHOP])
    with unit_of_work(runtime.session_factory) as session:
        row = service.get_incident(session, user=get_user(session, "comp.op1"), reference=reference)
        assert row.operator_code == "op1"
