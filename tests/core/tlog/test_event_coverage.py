"""Every download of a register, online check and CSV export of a list appends an audit event (issue 14)."""

from __future__ import annotations

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.dnc.vocabulary import Register
from telreg.runtime import Runtime
from tests.senders.helpers import make_active, make_officer
from tests.senders.usage_helpers import DAY2, at, list_and_publish, make_accounts, sender_client, sign_in


def _actions(runtime: Runtime, account_id: int) -> list[tuple[str, str | None, dict]]:
    with unit_of_work(runtime.read_session_factory) as session:
        return [(e.action, e.register, e.details) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "sender", AuditEvent.subject_key == str(account_id),
                                     AuditEvent.action.in_(("sender-register-downloaded", "sender-online-check",
                                                            "sender-list-exported"))).order_by(AuditEvent.id))]


def test_downloads_and_online_checks_are_audited(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    accounts = make_accounts(runtime)
    list_and_publish(runtime, clock, {"21234567": (Register.sms,)})
    clock.set(at(DAY2, 9))
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        assert client.get("/api/v1/senders/me/downloads/latest/sms-dated.zip").status_code == 200
        assert client.post("/api/v1/senders/me/check", json={"numbers": ["21234567", "2"]},
                           headers=headers).status_code == 200
    assert _actions(runtime, accounts["sms"]) == [
        ("sender-register-downloaded", "sms", {"publication": "2026-03-02", "file": "sms-dated.zip",
                                               "api_key_id": None}),
        ("sender-online-check", None, {"registers": ["sms"], "numbers": 2, "api_key_id": None}),
    ]


def test_a_csv_export_of_a_list_is_audited(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account_id = make_active(session, runtime).id
    with sender_client(runtime) as client:
        sign_in(client, account_id)
        assert client.get("/api/v1/senders/me/lists/sms/export", params={"full": "true"}).status_code == 200
    [(action, register, details)] = _actions(runtime, account_id)
    assert (action, register) == ("sender-list-exported", "sms")
    assert {k: details[k] for k in ("client_ref", "full", "rows")} == {"client_ref": "", "full": True, "rows": 0}
