"""The investigation's steps: each in its state only, each audited; the information request letter (PDF); served
documents immutable; a file altered on disk reported, not served."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from telreg.core.audit import history
from telreg.core.errors import InvalidInput
from telreg.core.files import UnacceptableFile
from telreg.enforcement import cases, documents
from telreg.enforcement.errors import DocumentAltered, StepRefused
from telreg.enforcement.models import CaseEvent
from tests.enforcement.helpers import make_account, make_report

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _case(session, clock, **report):
    return cases.file_report(session, clock=clock, report=make_report(session, clock, **report), actor="intake")


def test_opening_an_investigation_needs_a_collecting_case(session, clock):
    case = _case(session, clock)
    cases.open_investigation(session, clock=clock, case=case.reference, officer="olivia")
    assert (case.state, case.investigator) == ("investigating", "olivia")
    with pytest.raises(StepRefused, match="investigating"):
        cases.open_investigation(session, clock=clock, case=case.reference, officer="olivia")


def test_the_information_request_is_a_dated_pdf_with_the_reports_questions_and_deadline(session, clock, settings):
    account = make_account(session, clock, name="Sunrise Promotions Ltd")
    case = _case(session, clock, sender_identification="Sunrise Promotions Ltd", receiving_number="91234584")
    with pytest.raises(StepRefused, match="collecting"):
        cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia",
                                  questions=["Who sent it?"])
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    document = cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia",
                                         questions=["Where did you obtain the number?", "Show your washing log."])
    due = clock.now().date() + dt.timedelta(days=settings.information_reply_days)
    assert (document.kind, document.reply_due, document.reference) == ("information-request", due,
                                                                       f"{case.reference}-D01")
    assert document.params["sender"]["name"] == account.name and document.params["questions"][1].startswith("Show")
    _, content = documents.open_document(session, reference=document.reference)
    text = _text(content)
    for expected in ("Request for Information", "要求提供資料通知", case.reference, "9xxx xx84",
                     "Where did you obtain the number?", f"{due.day} {due.strftime('%B')} {due.year}",
                     "Cap. 593", account.contact_email):
        assert expected in text
    assert "91234584" not in text
    [requested] = session.scalars(select(CaseEvent).where(CaseEvent.kind == "information-requested"))
    assert requested.document_id == document.id
    with pytest.raises(InvalidInput):
        cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia", questions=[])


def test_a_served_document_cannot_be_served_again_changed_or_regenerated(session, clock, settings):
    case = _case(session, clock)
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    document = cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia",
                                         questions=["Q1"], reply_days=7)
    again = cases.regenerate_information_request(session, clock=clock, settings=settings, document=document,
                                                  officer="olivia", questions=["Q1", "Q2"], reply_days=10)
    assert again.params["questions"] == ["Q1", "Q2"] and "Q2" in _text(
        documents.open_document(session, reference=document.reference)[1])
    with pytest.raises(InvalidInput):
        cases.serve_document(session, clock=clock, document=document.reference, officer="olivia", method="pigeon")
    cases.serve_document(session, clock=clock, document=document.reference, officer="olivia",
                         method="registered-post")
    assert document.served_method == "registered-post" and document.served_at == clock.now()
    with pytest.raises(StepRefused, match="served"):
        cases.serve_document(session, clock=clock, document=document.reference, officer="olivia", method="hand")
    with pytest.raises(StepRefused, match="served"):
        cases.regenerate_information_request(session, clock=clock, settings=settings, document=document,
                                             officer="olivia", questions=["Q3"])
    document.title = "something else"
    with pytest.raises(StepRefused, match="served"):
        session.flush()
    session.rollback()


def test_deleting_a_served_document_is_refused(session, clock, settings):
    case = _case(session, clock)
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    document = cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia",
                                         questions=["Q1"])
    cases.serve_document(session, clock=clock, document=document, officer="olivia", method="email")
    session.delete(document)
    with pytest.raises(StepRefused):
        session.flush()
    session.rollback()


def test_a_file_altered_on_disk_is_reported_not_served(session, clock, settings):
    case = _case(session, clock)
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    document = cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia",
                                         questions=["Q1"])
    path = Path(document.path)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(DocumentAltered):
        documents.open_document(session, reference=document.reference)


def test_replies_and_evidence_are_stored_on_commit_and_type_checked(session, clock, settings):
    case = _case(session, clock)
    with pytest.raises(StepRefused, match="collecting"):
        cases.record_reply(session, clock=clock, settings=settings, case=case, officer="olivia", text="hi",
                           received_on=clock.now().date())
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    typed = cases.record_reply(session, clock=clock, settings=settings, case=case, officer="olivia",
                               text="We bought the list from a broker.", received_on=clock.now().date())
    filed = cases.record_reply(session, clock=clock, settings=settings, case=case, officer="olivia",
                               text="Scanned letter", received_on=clock.now().date(), content=PNG,
                               filename="letter.png")
    evidence = cases.add_evidence(session, clock=clock, settings=settings, case=case, officer="olivia",
                                  description="Broker's invoice", content=PNG, filename="invoice.png")
    with pytest.raises(UnacceptableFile):
        cases.add_evidence(session, clock=clock, settings=settings, case=case, officer="olivia",
                           description="A text file", content=b"plain text, not a picture", filename="x.txt")
    with pytest.raises(InvalidInput):
        cases.record_reply(session, clock=clock, settings=settings, case=case, officer="olivia", text="late",
                           received_on=clock.now().date() + dt.timedelta(days=1))
    assert "We bought the list" in _text(documents.open_document(session, reference=typed.reference)[1])
    assert not Path(filed.path).exists()  # an upload is kept only when the transaction commits
    session.commit()
    assert documents.open_document(session, reference=evidence.reference)[1] == PNG
    assert (filed.kind, filed.content_type, evidence.kind) == ("reply", "image/png", "evidence")


def test_deciding_no_action_closes_the_case_and_frees_the_key(session, clock):
    case = _case(session, clock)
    with pytest.raises(StepRefused):
        cases.decide(session, clock=clock, case=case, officer="olivia", decision="warning", reason="r")
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    with pytest.raises(InvalidInput):
        cases.decide(session, clock=clock, case=case, officer="olivia", decision="jail", reason="r")
    cases.decide(session, clock=clock, case=case, officer="olivia", decision="no-action", reason="Consent shown")
    assert (case.state, case.open_key, case.decided_by) == ("no-action", None, "olivia")
    assert _case(session, clock).id != case.id
    actions = [e.action for e in history(session, subject_type="enforcement-case", subject_key=case.reference)]
    assert actions == ["enforcement-case-opened", "enforcement-case-report-added",
                       "enforcement-case-investigation-opened", "enforcement-case-decided"]


def test_a_warning_and_closing(session, clock):
    case = _case(session, clock)
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    cases.decide(session, clock=clock, case=case, officer="olivia", decision="warning", reason="First time")
    assert case.state == "warning"
    with pytest.raises(InvalidInput):
        cases.close_case(session, clock=clock, case=case, officer="olivia", note=" ")
    cases.close_case(session, clock=clock, case=case, officer="olivia", note="Warning letter sent")
    assert (case.state, case.open_key) == ("closed", None)
    with pytest.raises(StepRefused):
        cases.close_case(session, clock=clock, case=case, officer="olivia", note="again")
