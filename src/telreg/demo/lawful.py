"""Demo lawful-access data: the law-enforcement agency the demo officers belong to, and one warrant request."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.errors import NotFound
from telreg.lawful import agencies
from telreg.lawful.models import Agency

if TYPE_CHECKING:
    from telreg.runtime import Runtime

ACTOR = "demo"
DEMO_AGENCIES = (("hkpf", "Hong Kong Police Force (demo)"),)


def load_agencies(session: Session, *, clock: Clock) -> list[str]:
    """Create the demo agencies that do not exist yet; return the codes created."""
    created = []
    for code, name in DEMO_AGENCIES:
        if session.scalar(select(Agency.id).where(Agency.code == code)) is None:
            agencies.add_agency(session, clock=clock, code=code, name=name, actor=ACTOR)
            created.append(code)
    return created


DEMO_REFERENCE = "HCMW-DEMO-2026-1"
DEMO_TARGET = "85251230001"  # the demo's prepaid number at harbour (demo/realname.py)
DEMO_COURT = "Eastern Magistrates' Courts (demo)"
# A minimal PDF: the demo warrant's content does not matter, its SHA-256 and type do.
DEMO_WARRANT = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
                b"trailer<</Root 1 0 R>>\n%%EOF\n")


def load_lawful_request(runtime: Runtime) -> str | None:
    """The demo police officer files a warrant request for a demo number, so the compliance officers' queue has
    something to approve and release (vault mode) and the officer something to download. Only once; None when
    it exists already, or when the demo's agency, officer or number is missing (another policy's demo)."""
    from telreg.core.db import unit_of_work
    from telreg.core.users import get_user
    from telreg.lawful import service
    from telreg.lawful.hi1 import dictionaries as d
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
    from telreg.lawful.models import Authorisation
    from telreg.realname import repository

    with unit_of_work(runtime.session_factory) as session:
        agency = session.scalar(select(Agency).where(Agency.code == DEMO_AGENCIES[0][0]))
        if agency is None or repository.number_row(session, DEMO_TARGET[3:]) is None:
            return None
        if session.scalar(select(Authorisation.id).where(Authorisation.agency_id == agency.id,
                                                         Authorisation.reference == DEMO_REFERENCE)) is not None:
            return None
        try:
            officer = get_user(session, "detective")
        except NotFound:
            return None
        now = runtime.clock.now()
        # A warrant covers a period that may run on (the demo's registrations are made later today: 10:30).
        start, end = now - dt.timedelta(days=335), now + dt.timedelta(days=30)
        authorisation = AuthorisationObject(
            object_identifier=str(uuid.uuid4()), country_code=agency.country_code, owner_identifier=agency.code,
            reference=DEMO_REFERENCE, legal_type=d.WARRANT, desired_status=d.SUBMITTED_FOR_APPROVAL,
            timespan_start=start, timespan_end=end, approval_details=(ApprovalDetails(approver_name=DEMO_COURT),))
        task = LDTaskObject(
            object_identifier=str(uuid.uuid4()), country_code=agency.country_code, owner_identifier=agency.code,
            associated_objects=(authorisation.object_identifier,), reference="LDID-DEMO-1",
            request_type_owner=d.REQUEST_TYPE_OWNERS[d.SUBSCRIBER_DATA], request_type=d.SUBSCRIBER_DATA,
            start_time=start, end_time=end,
            request_values=(TargetIdentifier(d.ETSI, d.INTERNATIONAL_E164, DEMO_TARGET),))
        warrant = DocumentObject(
            object_identifier=str(uuid.uuid4()), country_code=agency.country_code, owner_identifier=agency.code,
            associated_objects=(authorisation.object_identifier,), name="demo-warrant.pdf",
            document_type=d.WARRANT_DOCUMENT, content=DEMO_WARRANT, content_type="application/pdf",
            checksum=hashlib.sha256(DEMO_WARRANT).hexdigest(), checksum_type="SHA-256")
        header = Header(sender=Endpoint(agency.country_code, agency.code),
                        receiver=Endpoint(runtime.settings.lawful_country_code, runtime.settings.lawful_receiver_id),
                        transaction_id=str(uuid.uuid4()), timestamp=now, etsi_version=d.ETSI_VERSION)
        message = RequestMessage(header=header, actions=tuple(
            ActionRequest(action_identifier=i, verb="CREATE", object=o)
            for i, o in enumerate((authorisation, task, warrant))))
        answer = service.handle_message(session, runtime=runtime, user=officer, message=message)
        if any(response.error is not None for response in answer.responses):
            errors = [r.error.description for r in answer.responses if r.error is not None]
            raise RuntimeError(f"the demo lawful-access request was refused: {errors}")
    return DEMO_REFERENCE
