"""Lawful access's bad input, each refused with a sentence that says what is wrong — and leaving nothing behind."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.lawful import service
from telreg.lawful.errors import AmbiguousMatch, SeparationOfDuties, StepConflict
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.json_codec import render_response_json
from telreg.lawful.hi1.model import ActionRequest, ApprovalDetails, LDTaskObject
from telreg.lawful.models import Authorisation, Document, Task
from telreg.runtime import Runtime
from tests.lawful.helpers import (
    PDF,
    as_user,
    document,
    errors_of,
    lawful_world,
    make_agency,
    make_staff,
    message,
    register_number,
    send,
    task,
    warrant,
)
from tests.realname.registration.helpers import hkid, make_operator, person, submit_transfer

NOT_APPLIED = "Not applied: action %s of this message failed"


def _refused(runtime: Runtime, *objects: object, failing: int = 0, username: str = "le.officer",
             lang: str = "en") -> tuple[str, str]:
    """Send the objects; assert that exactly action FAILING was refused and the others not applied."""
    answers = errors_of(send(runtime, username, message(runtime, *objects), lang=lang))
    for position, answer in enumerate(answers):
        assert answer is not None
        if position != failing:
            assert answer[0] == d.ERROR_GENERIC, answer
            assert (NOT_APPLIED % failing) in answer[1] if lang == "en" else f"操作 {failing} 失敗" in answer[1]
    return answers[failing]  # type: ignore[return-value]


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    lawful_world(runtime)
    register_number(runtime, "91234567")
    return runtime


def test_a_request_without_a_legal_basis_is_refused(world):
    for legal_type in (None, "Suspicion"):
        auth = warrant(legal_type=legal_type)
        code, text = _refused(world, auth, document(auth))
        assert code == d.ERROR_INVALID and "has no legal basis" in text and "Warrant, Emergency" in text


def test_a_warrant_needs_its_issuing_authority_and_an_emergency_its_grounds(world):
    auth = warrant(approval_details=())
    assert "needs its issuing authority" in _refused(world, auth, document(auth))[1]
    auth = warrant(legal_type=d.EMERGENCY, approval_details=(ApprovalDetails(approver_name="Supt"),))
    assert "needs its grounds" in _refused(world, auth)[1]


def test_a_warrant_without_its_document_is_refused(world):
    auth = warrant()
    code, text = _refused(world, auth, task(auth, "85291234567"), failing=0)
    assert code == d.ERROR_INVALID and "A warrant authorisation needs its warrant" in text


@pytest.mark.parametrize(("content", "overrides", "expected"), [
    (b"GIF89a not a pdf at all", {}, "is not a PDF file: a warrant is accepted as PDF only"),
    (PDF, {"checksum": "0" * 64}, "does not match its contents"),
    (PDF, {"checksum_type": "MD5"}, "ChecksumType must be SHA-256"),
    (PDF, {"document_type": "Letter"}, "DocumentType must be one of Warrant"),
])
def test_a_warrant_document_of_the_wrong_kind_is_refused(world, content, overrides, expected):
    auth = warrant()
    doc = document(auth, content=content)
    doc = dataclasses.replace(doc, **overrides)
    code, text = _refused(world, auth, doc, failing=1)
    assert code == d.ERROR_INVALID and expected in text


def test_a_warrant_document_too_large_is_refused_naming_the_limit(world):
    limit = world.settings.lawful_document_max_bytes
    auth = warrant()
    code, text = _refused(world, auth, document(auth, content=PDF + b"0" * limit), failing=1)
    assert code == d.ERROR_INVALID and f"may be at most {limit:,} bytes" in text


@pytest.mark.parametrize(("fmt", "value", "expected"), [
    (d.INTERNATIONAL_E164, "+852 9123 4567", "is not in the format InternationalE164"),
    (d.INTERNATIONAL_E164, "9123", "is not in the format InternationalE164"),
    (d.INTERNATIONAL_E164, "447911123456", "is not a number of this jurisdiction"),
    (d.INTERNATIONAL_E164, "8529123456", "is not a number of this jurisdiction"),  # 7 national digits
    (d.ICCID, "89852000000000000013", "is not in the format ICCID"),  # Luhn check digit wrong
    (d.ICCID, "89852", "is not in the format ICCID"),
    (d.IDENTITY_DOCUMENT, "A1234563", "is not in the format IdentityDocument"),
    (d.IDENTITY_DOCUMENT, "library-card:123", "is not one of this jurisdiction's identity documents"),
    (d.IDENTITY_DOCUMENT, "hkid:A1234560", "is not a valid hkid number"),
    ("IMSI", "454001234567890", "is not one telreg knows"),
])
def test_a_target_in_the_wrong_format_is_refused_saying_the_format_expected(world, fmt, value, expected):
    auth = warrant()
    code, text = _refused(world, auth, document(auth), task(auth, value, fmt=fmt), failing=2)
    assert code == d.ERROR_INVALID and expected in text, text


def test_a_sender_may_not_set_a_status(world):
    auth = warrant(status=d.ACTIVE)
    code, text = _refused(world, auth, document(auth))
    assert code == d.ERROR_NOT_PERMITTED and "AuthorisationStatus is set by telreg" in text
    auth = warrant()
    ask = task(auth, "85291234567", status=d.DISCLOSED)
    code, text = _refused(world, auth, document(auth), ask, failing=2)
    assert code == d.ERROR_NOT_PERMITTED and "LDTaskStatus and ReasonForStatus are set by telreg" in text


def test_a_message_from_another_agency_than_the_officers_is_refused(world):
    make_agency(world, "icac", "Independent Commission Against Corruption")
    auth = warrant()
    with pytest.raises(Exception, match=r"is not your agency \(hkpf, HK\)"):
        send(world, "le.officer", message(world, auth, document(auth), agency="icac"))


def _counts(runtime: Runtime) -> tuple[int, ...]:
    with unit_of_work(runtime.session_factory) as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Authorisation, Task, Document,
                                                                                   AuditEvent))


def test_one_bad_action_in_a_three_action_message_leaves_nothing_behind(world):
    before = _counts(world)
    auth = warrant()
    _code, text = _refused(world, auth, document(auth), task(auth, "85291234567", start_time=dt.datetime(
        2020, 1, 1, tzinfo=dt.UTC)), failing=2)
    assert "must lie within the authorisation's timespan" in text
    assert _counts(world) == before
    # The same message, corrected, goes through whole: the identifiers were not used up by the refusal.
    assert errors_of(send(world, "le.officer", message(world, auth, document(auth), task(auth, "85291234567")))) \
        == [None, None, None]


def test_an_object_identifier_is_used_once(world):
    auth = warrant()
    send(world, "le.officer", message(world, auth, document(auth)))
    again = warrant("HCMW-9-2026", object_identifier=auth.object_identifier)
    assert "is used already" in _refused(world, again, document(again))[1]


def _filed(runtime: Runtime, number: str = "85291234567", username: str = "le.officer",
           reference: str = "HCMW-1-2026") -> str:
    auth = warrant(reference)
    ask = task(auth, number)
    assert errors_of(send(runtime, username, message(runtime, auth, document(auth), ask))) == [None] * 3
    return ask.object_identifier


def test_nobody_approves_their_own_agencys_request(world):
    make_staff(world, "dual.role", "le-officer", "operator-compliance", agency="hkpf", operator="op1")
    task_id = _filed(world, username="dual.role")
    with pytest.raises(SeparationOfDuties, match="You filed authorisation HCMW-1-2026 yourself"):
        as_user(world, "dual.role", service.approve, runtime=world, task_object_id=task_id, reason="mine")
    second = warrant("HCMW-2-2026")
    ask = task(second, "85291234567")
    send(world, "le.officer", message(world, second, document(second), ask))
    with pytest.raises(SeparationOfDuties, match="You act for hkpf, the agency that made this request"):
        as_user(world, "dual.role", service.approve, runtime=world, task_object_id=ask.object_identifier,
                reason="a colleague's")


def test_the_same_person_cannot_approve_and_release(world):
    task_id = _filed(world)
    as_user(world, "op1.compliance1", service.approve, runtime=world, task_object_id=task_id, reason="checked")
    with pytest.raises(SeparationOfDuties, match="a second compliance officer must release it"):
        as_user(world, "op1.compliance1", service.release, runtime=world, task_object_id=task_id)
    with pytest.raises(StepConflict, match="is not awaiting a decision"):
        as_user(world, "op1.compliance2", service.approve, runtime=world, task_object_id=task_id, reason="twice")


def test_a_decision_needs_a_reason(world):
    task_id = _filed(world)
    for reason in ("", "   ", "x" * 2001):
        with pytest.raises(Exception, match="Give a reason|A reason is at most 2,000 characters"):
            as_user(world, "op1.compliance1", service.approve, runtime=world, task_object_id=task_id, reason=reason)


def test_an_expired_approval_cannot_be_released_and_goes_back_to_awaiting_approval(world, clock):
    task_id = _filed(world)
    as_user(world, "op1.compliance1", service.approve, runtime=world, task_object_id=task_id, reason="checked")
    clock.advance(hours=72)  # approval_valid_hours
    with pytest.raises(StepConflict, match="expired at .*: it must be approved again"):
        as_user(world, "op1.compliance2", service.release, runtime=world, task_object_id=task_id)
    with unit_of_work(world.session_factory) as session:
        assert service.sweep(session, runtime=world)["approvals_expired"] == 1
    with unit_of_work(world.session_factory) as session:
        row = session.scalar(select(Task).where(Task.object_id == task_id))
        assert (row.status, row.approved_by, row.approval_expires_at) == (d.AWAITING_APPROVAL, None, None)
    as_user(world, "op1.compliance2", service.approve, runtime=world, task_object_id=task_id, reason="again")
    as_user(world, "op1.compliance1", service.release, runtime=world, task_object_id=task_id)


def test_an_ambiguous_match_cannot_be_approved_and_the_preview_says_why(world, clock):
    clock.advance(hours=2)
    submit_transfer(world, {"operator": "op1", "number": "91234567",
                            "holder": person("WONG Siu Ming", "1985-05-05", number=hkid("B", "234567"))})
    task_id = _filed(world)
    preview = as_user(world, "op1.compliance1", service.preview, task_object_id=task_id)
    assert (preview.match_outcome, preview.record_count, preview.holder_count) == ("ambiguous", 2, 2)
    with pytest.raises(AmbiguousMatch, match="matches the records of 2 different holders"):
        as_user(world, "op1.compliance1", service.approve, runtime=world, task_object_id=task_id, reason="ok")
    as_user(world, "op1.compliance1", service.reject, runtime=world, task_object_id=task_id,
            reason="The number changed hands in the window.")


def test_another_agencys_object_is_not_found_never_forbidden(world):
    make_agency(world, "icac", "Independent Commission Against Corruption")
    make_staff(world, "icac.officer", "le-officer", agency="icac")
    task_id = _filed(world)
    get = ActionRequest(action_identifier=0, verb="GET", identifier=task_id)
    theirs = send(world, "icac.officer", message(world, get, agency="icac"))
    missing = send(world, "icac.officer", message(world, dataclasses.replace(get, identifier="0" * 8),
                                                  agency="icac"))
    assert errors_of(theirs)[0][0] == errors_of(missing)[0][0] == d.ERROR_NOT_FOUND
    assert "There is no object" in errors_of(theirs)[0][1]
    make_operator(world, "op2", "Operator Two")
    make_staff(world, "op2.compliance", "operator-compliance", operator="op2")
    with pytest.raises(Exception, match="There is no task .* in your queue"):
        as_user(world, "op2.compliance", service.approve, runtime=world, task_object_id=task_id, reason="x")


def test_no_records_and_a_refusal_look_the_same_to_the_agency(world):
    refused = _filed(world, "85291234567")
    as_user(world, "op1.compliance1", service.reject, runtime=world, task_object_id=refused,
            reason="Warrant does not name this subscriber.")
    nothing = _filed(world, "85298765432", reference="HCMW-2-2026")
    gets = [ActionRequest(action_identifier=i, verb="GET", identifier=t) for i, t in enumerate((refused, nothing))]
    answers = send(world, "le.officer", message(world, *gets)).responses
    shown = []
    for answer in answers:
        [obj] = answer.objects
        assert isinstance(obj, LDTaskObject)
        shown.append(dataclasses.replace(obj, object_identifier="-", associated_objects=(), reference="-",
                                         request_values=()))
    assert shown[0] == shown[1] and shown[0].status == d.DISCLOSURE_NOT_AVAILABLE
    wire = []
    for task_id, reference, number in ((refused, "HCMW-1-2026", "85291234567"),
                                       (nothing, "HCMW-2-2026", "85298765432")):
        one = message(world, ActionRequest(action_identifier=0, verb="GET", identifier=task_id))
        body = render_response_json(send(world, "le.officer", one))
        [obj] = send(world, "le.officer", one).responses[0].objects
        for private in (task_id, obj.associated_objects[0], one.header.transaction_id, reference, number):
            body = body.replace(private.encode(), b"<id>")
        wire.append(body)
    assert wire[0] == wire[1]  # byte for byte, once ids, references and targets are set aside
    assert shown[0].reason_for_status is None
    views = {t.object_id: t for a in as_user(world, "le.officer", service.requests_of, vault=world.vault)
             for t in a.tasks}
    a, b = (dataclasses.replace(views[t], object_id="-", authorisation_object_id="-", reference="-", target="-")
            for t in (refused, nothing))
    assert a == b and a.operator_code is None and a.reason is None
    assert views[refused].target == "85291234567"  # the filing agency sees its own target in full


def test_errors_come_in_the_requesters_language(world):
    auth = warrant(legal_type=None)
    code, text = _refused(world, auth, document(auth), lang="zh-Hant")
    assert code == d.ERROR_INVALID and "法律依據" in text


def test_a_message_addressed_to_another_platform_is_refused(world):
    auth = warrant()
    request = message(world, auth, document(auth))
    elsewhere = dataclasses.replace(request, header=dataclasses.replace(
        request.header, receiver=dataclasses.replace(request.header.receiver, unique_identifier="other")))
    with pytest.raises(Exception, match="not to this platform"):
        send(world, "le.officer", elsewhere)
    with pytest.raises(Exception, match="has no action"):
        send(world, "le.officer", dataclasses.replace(request, actions=()))
