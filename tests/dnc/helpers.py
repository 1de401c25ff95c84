"""Small builders for do-not-call tests: make_*(session, **overrides)."""

from __future__ import annotations

from typing import Any

from telreg.core import users
from telreg.dnc import service
from telreg.dnc.vocabulary import Channel, Register, Verification

PDF_BILL = b"%PDF-1.4\n% a recent phone bill\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_officer(session: Any, clock: Any, username: str = "olivia", roles: list[str] | None = None) -> Any:
    return users.create_user(session, clock=clock, username=username, password="correct-horse-battery",
                             roles=roles or ["dnc-officer"])


def list_number(session: Any, runtime: Any, number: str, *registers: Register, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "clock": runtime.clock,
        "settings": runtime.settings,
        "number": number,
        "registers": list(registers) or [Register.sms],
        "channel": Channel.caller_id,
        "verification": Verification.caller_id,
        "actor": "channel:ivr",
    }
    args.update(overrides)
    return service.register_number(session, **args)
