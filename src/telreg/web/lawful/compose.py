"""The officer's forms turned into HI-1 request messages (hi1/model.py), so a page takes the same path as the API.

Nothing here decides what is allowed: the values go into the message as typed (a phone number is only rewritten
into the standard's international form when it reads as one), and the service refuses what breaks a rule, with
its own sentence. What this module does refuse is what cannot be put into a message at all — a date that is not
a date — with a sentence of its own.

    new_request      CREATE Authorisation, CREATE Document (the warrant, when chosen), CREATE LDTask per target
    attach_warrant   CREATE Document associated with an existing authorisation (backs an emergency)
    cancel           UPDATE Authorisation with DesiredStatus Cancelled
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from telreg.config import Settings
from telreg.core.clock import HK, Clock
from telreg.core.errors import InvalidInput, InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import parse_number
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

__all__ = ["TARGET_ROWS", "Sender", "Target", "Warrant", "attach_warrant", "cancel", "new_request", "parse_day"]

TARGET_ROWS = 3  # target rows the form offers (no script adds more: a request with more targets is sent twice)
PDF = "application/pdf"


@dataclass(frozen=True)
class Sender:
    """The agency a message comes from (the header's SenderIdentifier) and where it goes."""

    agency_code: str
    country_code: str


@dataclass(frozen=True)
class Warrant:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Target:
    target_format: str  # dictionaries.TARGET_FORMATS
    value: str  # as typed; an identity document as "<doc type>:<number>"
    request_type: str
    window_start: dt.datetime | None  # None: the authorisation's timespan
    window_end: dt.datetime | None


def parse_day(text: str, *, what: str, end: bool = False) -> dt.datetime | None:
    """A day typed in a date field, as the instant it starts in Hong Kong (END: the instant it ends, i.e. the
    next day's start, so a window "1 to 31 March" covers the 31st). Empty: None."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("%(what)s: '%(entered)s' is not a date such as 2026-03-02."), what=what,
                           entered=text) from None
    start = dt.datetime.combine(day, dt.time.min, tzinfo=HK)
    return start + dt.timedelta(days=1) if end else start


def international(value: str) -> str:
    """A phone number as the standard writes it (country code first, digits only) when it reads as a Hong Kong
    number; else as typed, for the service to refuse with its sentence about the expected format."""
    try:
        return parse_number(value).e164.lstrip("+")
    except InvalidNumber:
        return value


def _header(sender: Sender, settings: Settings, clock: Clock) -> Header:
    return Header(sender=Endpoint(sender.country_code, sender.agency_code),
                  receiver=Endpoint(settings.lawful_country_code, settings.lawful_receiver_id),
                  transaction_id=str(uuid.uuid4()), timestamp=clock.now(), etsi_version=d.ETSI_VERSION,
                  profile_owner=d.PROFILE_OWNER, profile_version=d.PROFILE_VERSION)


def _document(sender: Sender, authorisation_id: str, warrant: Warrant) -> DocumentObject:
    return DocumentObject(
        object_identifier=str(uuid.uuid4()), country_code=sender.country_code, owner_identifier=sender.agency_code,
        associated_objects=(authorisation_id,), name=warrant.filename, document_type=d.WARRANT_DOCUMENT,
        content=warrant.content, content_type=PDF, checksum=hashlib.sha256(warrant.content).hexdigest(),
        checksum_type="SHA-256")


def new_request(*, sender: Sender, settings: Settings, clock: Clock, legal_type: str, reference: str,
                issuing_authority: str, grounds: str, timespan_start: dt.datetime | None,
                timespan_end: dt.datetime | None, warrant: Warrant | None,
                targets: list[Target]) -> tuple[str, RequestMessage]:
    """The message filing a new request: its authorisation's ObjectIdentifier, and the message."""
    authorisation_id = str(uuid.uuid4())
    emergency = legal_type == d.EMERGENCY
    authorisation = AuthorisationObject(
        object_identifier=authorisation_id, country_code=sender.country_code, owner_identifier=sender.agency_code,
        reference=reference or None, legal_type=legal_type or None, desired_status=d.SUBMITTED_FOR_APPROVAL,
        timespan_start=timespan_start, timespan_end=timespan_end, creation_timestamp=clock.now(),
        approval_details=(ApprovalDetails(approver_name=issuing_authority or None,
                                          description=grounds or None, is_emergency=emergency),))
    objects: list[AuthorisationObject | DocumentObject | LDTaskObject] = [authorisation]
    if warrant is not None:
        objects.append(_document(sender, authorisation_id, warrant))
    for number, target in enumerate(targets, start=1):
        value = international(target.value) if target.target_format == d.INTERNATIONAL_E164 else target.value
        objects.append(LDTaskObject(
            object_identifier=str(uuid.uuid4()), country_code=sender.country_code,
            owner_identifier=sender.agency_code, associated_objects=(authorisation_id,),
            reference=f"{reference}-{number}",
            request_type_owner=d.REQUEST_TYPE_OWNERS.get(target.request_type, d.ETSI),
            request_type=target.request_type,
            start_time=target.window_start or timespan_start, end_time=target.window_end or timespan_end,
            request_values=(TargetIdentifier(d.TARGET_FORMAT_OWNERS.get(target.target_format, d.ETSI),
                                             target.target_format, value),)))
    actions = tuple(ActionRequest(action_identifier=i, verb="CREATE", object=o) for i, o in enumerate(objects))
    return authorisation_id, RequestMessage(header=_header(sender, settings, clock), actions=actions)


def attach_warrant(*, sender: Sender, settings: Settings, clock: Clock, authorisation_id: str,
                   warrant: Warrant) -> RequestMessage:
    """The message attaching a warrant to a request already filed (for an emergency, the one that backs it)."""
    action = ActionRequest(action_identifier=0, verb="CREATE", object=_document(sender, authorisation_id, warrant))
    return RequestMessage(header=_header(sender, settings, clock), actions=(action,))


def cancel(*, sender: Sender, settings: Settings, clock: Clock, authorisation_id: str) -> RequestMessage:
    """The message cancelling a request (DesiredStatus Cancelled)."""
    update = AuthorisationObject(object_identifier=authorisation_id, country_code=sender.country_code,
                                 owner_identifier=sender.agency_code, desired_status=d.CANCELLED)
    action = ActionRequest(action_identifier=0, verb="UPDATE", object=update)
    return RequestMessage(header=_header(sender, settings, clock), actions=(action,))
