from telreg.dnc import service
from telreg.dnc.vocabulary import Channel, Register, Verification


def test_register_then_status(session, runtime):
    outcomes = service.register_number(
        session, clock=runtime.clock, settings=runtime.settings, number="2123 4567",
        registers=[Register.fax], channel=Channel.caller_id, verification=Verification.caller_id, actor="ivr",
    )
    assert [o.result for o in outcomes] == ["registered"]
    status = service.number_status(session, settings=runtime.settings, number="21234567")
    assert status["registers"]["fax"] == {"listed": True, "registered_on": "2026-03-02", "protected_from": "2026-03-13"}
    assert status["registers"]["sms"] == {"listed": False}


def test_status_api(client):
    response = client.get("/api/v1/dnc/status/21234567")
    assert response.status_code == 200
    assert response.json()["registers"]["fax"] == {"listed": False}
