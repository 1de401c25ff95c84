"""The example HI-1 messages of tests/data/etsi/examples/ and the values they must be read as.

warrant_request.xml / .json: a magistrate's search warrant (authorisation), a subscriber-data task for an MSISDN,
a registration-history task for an identity document, and the warrant itself as a PDF in base64.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from telreg.lawful.hi1.model import (
    ActionRequest,
    ApprovalDetails,
    AuthorisationObject,
    DocumentObject,
    Endpoint,
    Header,
    LDTaskObject,
    RequestMessage,
    TargetIdentifier,
)

ETSI_DATA = Path(__file__).resolve().parents[1] / "data" / "etsi"
EXAMPLES = ETSI_DATA / "examples"
XML_EXAMPLE = EXAMPLES / "warrant_request.xml"
JSON_EXAMPLE = EXAMPLES / "warrant_request.json"

PLUS8 = dt.timezone(dt.timedelta(hours=8))
AUTHORISATION_ID = "0f8e6c2a-3b1d-4e5f-8a9b-1c2d3e4f5a6b"
MSISDN_TASK_ID = "5a3c9e10-7d2b-4c8f-9e1a-2b3c4d5e6f70"
DOCUMENT_TASK_ID = "6b4d0f21-8e3c-4d90-af2b-3c4d5e6f7081"
WARRANT_DOCUMENT_ID = "7c5e1a32-9f4d-4ea1-b03c-4d5e6f708192"
WARRANT_SHA256 = "1ba13c1c75802cddbb074f33c7dbce508b49c472b538923c79b1424778fb4913"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=PLUS8)


def expected_warrant_request(pdf: bytes) -> RequestMessage:
    """What both example files say, field by field (the PDF is checked separately: its bytes are long)."""
    authorisation = AuthorisationObject(
        AUTHORISATION_ID, "HK", "hkpf", reference="EMC-SW-2026-0142", legal_type="Warrant",
        desired_status="SubmittedForApproval", timespan_start=at(2026, 12, 7),
        timespan_end=at(2027, 1, 6, 23, 59, 59), creation_timestamp=at(2026, 12, 7, 9, 10),
        approval_details=(ApprovalDetails(
            approver_name="Eastern Magistrates' Courts", approver_role="Magistrate", approval_type="Warrant",
            description="Search warrant for the subscriber records of the targets below",
            reference="EMC-SW-2026-0142", timestamp=at(2026, 12, 6, 16, 30), is_emergency=False),))
    msisdn_task = LDTaskObject(
        MSISDN_TASK_ID, "HK", "hkpf", (AUTHORISATION_ID,), reference="LDID-2026-0142-01",
        desired_status="AwaitingDisclosure", request_type_owner="ETSI", request_type="SubscriberData",
        start_time=at(2026, 6, 1), end_time=at(2026, 12, 6, 23, 59, 59),
        request_values=(TargetIdentifier("ETSI", "InternationalE164", "85291234567"),))
    document_task = LDTaskObject(
        DOCUMENT_TASK_ID, "HK", "hkpf", (AUTHORISATION_ID,), reference="LDID-2026-0142-02",
        desired_status="AwaitingDisclosure", request_type_owner="TELREG", request_type="RegistrationHistory",
        start_time=at(2025, 1, 1), end_time=at(2026, 12, 6, 23, 59, 59),
        request_values=(TargetIdentifier("TELREG", "IdentityDocument", "hkid:A1234563"),))
    warrant = DocumentObject(
        WARRANT_DOCUMENT_ID, "HK", "hkpf", (AUTHORISATION_ID,), reference="EMC-SW-2026-0142",
        name="warrant-EMC-SW-2026-0142.pdf", document_type="Warrant", content=pdf,
        content_type="application/pdf", checksum=WARRANT_SHA256, checksum_type="SHA-256")
    header = Header(Endpoint("HK", "hkpf"), Endpoint("HK", "telreg"), "4b1d2b9e-5c3a-4f0e-9d62-7a8c1e2f3b40",
                    at(2026, 12, 7, 9, 15), "V1.18.1", "TELREG", "2026.1")
    return RequestMessage(header, tuple(ActionRequest(index, "CREATE", object=obj) for index, obj in
                                        enumerate((authorisation, msisdn_task, document_task, warrant))))


def check_warrant_pdf(content: bytes | None) -> bytes:
    """The warrant travelled whole: a PDF whose SHA-256 is the one the message states."""
    assert content is not None and content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(content).hexdigest() == WARRANT_SHA256
    return content


def line_of(body: bytes, needle: bytes, occurrence: int = 1) -> int:
    """The line (from 1) on which NEEDLE occurs for the OCCURRENCE-th time in BODY."""
    position = -1
    for _ in range(occurrence):
        position = body.index(needle, position + 1)
    return body.count(b"\n", 0, position) + 1
