"""The demo's flagged documents, and the `identity_verifier` setting, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from telreg.core.db import unit_of_work
from telreg.demo import load_demo
from telreg.demo.verification import DEMO_FLAGS
from telreg.realname.verification import UncheckedVerifier, verifier_for
from telreg.realname.verification_register import RegisterVerifier, list_flags
from telreg.runtime import Runtime
from tests.realname.registration.helpers import person, request

from .helpers import CHECKS, CLERK, REGISTRATIONS, login, staff_and_regulator


def _load(runtime: Runtime) -> Any:
    with unit_of_work(runtime.session_factory) as session:
        return load_demo(session, clock=runtime.clock, settings=runtime.settings)


def test_the_demo_flags_documents_that_registration_then_refuses(client: Any, runtime: Runtime) -> None:
    """Order 25: 冒用他人的证件,或者使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续 (the demo)."""
    summary = _load(runtime)
    assert summary.verification_flags == [f"{doc_type} {number}" for doc_type, number, *_ in DEMO_FLAGS]
    assert _load(runtime).verification_flags == []  # loading again changes nothing
    with unit_of_work(runtime.session_factory) as session:
        flags = list_flags(session, vault=runtime.vault)
    assert sorted(flag["result"] for flag in flags) == ["forged", "forged", "impostor", "lost"]

    staff_and_regulator(runtime, operator="harbour")
    clerk = login(client, CLERK)
    expected = {"forged": "document_forged", "lost": "document_lost", "impostor": "identity_impostor"}
    for i, (doc_type, number, result, _, _) in enumerate(row for row in DEMO_FLAGS if row[0] == "hkid"):
        body = request(f"5123009{i}", person("CHEUNG Demo", "1980-01-01", number=number), operator="harbour")
        refused = client.post(REGISTRATIONS, json=body, headers=clerk)
        assert refused.json()["code"] == expected[result], refused.text


def test_the_setting_chooses_the_verifier(client: Any, runtime: Runtime) -> None:
    assert isinstance(verifier_for(runtime), RegisterVerifier)  # the default: make run uses the register
    runtime.extras.clear()
    runtime.settings = runtime.settings.model_copy(update={"identity_verifier": "none"})
    assert isinstance(verifier_for(runtime), UncheckedVerifier)
    staff_and_regulator(runtime)
    checked = client.post(CHECKS, json={"document": {"type": "hkid", "number": "A123456(3)"}, "name": "CHAN"},
                          headers=login(client, CLERK))
    # Nothing was verified online, so nothing is vouched for.
    assert (checked.json()["result"], checked.json()["proof"]) == ("not verified online", None)
