"""HI-1 messages as Python values: what the XML and JSON codecs (xml_codec.py, json_codec.py) read and write.

The names follow ETSI TS 103 120 (HI1Message, Header, Payload, RequestPayload / ResponsePayload, ActionRequest
/ ActionResponse, and the three object types telreg handles: AuthorisationObject, LDTaskObject, DocumentObject).
Only what telreg uses is modelled; an element the codecs do not know is refused, not ignored, so a sender never
believes telreg acted on a field it dropped.

Where the standard leaves a concept to a national profile, telreg's mapping is:

    Authorisation's issuing authority   AuthorisationApprovalDetails/ApproverDetails/ApproverName (the court)
    emergency grounds                   AuthorisationApprovalDetails/ApprovalDescription
    emergency flag                      AuthorisationApprovalDetails/ApprovalIsEmergency
    LDTask's time window                RequestDetails/StartTime and EndTime
    target identifiers                  RequestDetails/RequestValues/RequestValue (FormatType + Value)

Values are kept as given (strings), except timestamps (aware datetimes) and document contents (bytes): the
service validates them against the dictionaries and rules, so a codec never decides what is allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Verb = Literal["GET", "CREATE", "UPDATE", "LIST"]


@dataclass(frozen=True)
class Endpoint:
    """SenderIdentifier / ReceiverIdentifier: a country and the party's unique identifier there."""

    country_code: str
    unique_identifier: str


@dataclass(frozen=True)
class Header:
    sender: Endpoint
    receiver: Endpoint
    transaction_id: str  # a UUID chosen by the sender; the response repeats it
    timestamp: dt.datetime
    etsi_version: str
    profile_owner: str | None = None
    profile_version: str | None = None


@dataclass(frozen=True)
class ApprovalDetails:
    """AuthorisationApprovalDetails: who approved the authorisation (the court), why (an emergency's grounds)."""

    approver_name: str | None = None  # ApproverDetails/ApproverName
    approver_role: str | None = None  # ApproverDetails/ApproverRole
    approval_type: str | None = None
    description: str | None = None  # ApprovalDescription: the grounds of an emergency
    reference: str | None = None
    timestamp: dt.datetime | None = None
    is_emergency: bool = False  # ApprovalIsEmergency


@dataclass(frozen=True)
class AuthorisationObject:
    object_identifier: str
    country_code: str
    owner_identifier: str
    reference: str | None = None  # AuthorisationReference
    legal_type: str | None = None  # AuthorisationLegalType (dictionary value: Warrant | Emergency)
    status: str | None = None  # AuthorisationStatus: set by telreg, never by the sender
    desired_status: str | None = None  # AuthorisationDesiredStatus
    timespan_start: dt.datetime | None = None  # AuthorisationTimespan/StartTime
    timespan_end: dt.datetime | None = None
    creation_timestamp: dt.datetime | None = None
    approval_details: tuple[ApprovalDetails, ...] = ()
    associated_objects: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetIdentifier:
    """RequestValue: FormatType (owner + name) and the Value."""

    format_owner: str
    format_name: str
    value: str


@dataclass(frozen=True)
class LDTaskObject:
    object_identifier: str
    country_code: str
    owner_identifier: str
    associated_objects: tuple[str, ...] = ()  # the Authorisation's ObjectIdentifier
    reference: str | None = None  # the LDID
    status: str | None = None  # LDTaskStatus: set by telreg, never by the sender
    desired_status: str | None = None  # LDTaskDesiredStatus
    request_type_owner: str | None = None  # RequestDetails/Type (dictionary owner + value)
    request_type: str | None = None
    start_time: dt.datetime | None = None  # RequestDetails/StartTime
    end_time: dt.datetime | None = None
    request_values: tuple[TargetIdentifier, ...] = ()
    reason_for_status: str | None = None


@dataclass(frozen=True)
class DocumentObject:
    object_identifier: str
    country_code: str
    owner_identifier: str
    associated_objects: tuple[str, ...] = ()  # the Authorisation's ObjectIdentifier
    reference: str | None = None  # DocumentReference
    name: str | None = None  # DocumentName
    document_type: str | None = None  # DocumentType (dictionary value: Warrant)
    content: bytes | None = None  # DocumentBody/Contents (base64 in both encodings)
    content_type: str | None = None  # DocumentBody/ContentType
    checksum: str | None = None  # DocumentBody/Checksum (hex)
    checksum_type: str | None = None  # DocumentBody/ChecksumType: SHA-256


HI1Object = AuthorisationObject | LDTaskObject | DocumentObject


@dataclass(frozen=True)
class ActionRequest:
    action_identifier: int  # ActionIdentifier: 0, 1, 2… within the message
    verb: Verb
    object: HI1Object | None = None  # CREATE / UPDATE
    identifier: str | None = None  # GET: the ObjectIdentifier asked for
    object_type: str | None = None  # LIST: "Authorisation" | "LDTask" | "Document"


@dataclass(frozen=True)
class RequestMessage:
    header: Header
    actions: tuple[ActionRequest, ...]


@dataclass(frozen=True)
class ErrorInformation:
    code: str  # dictionaries.ERROR_*
    description: str  # a sentence a person understands, in the requester's language


@dataclass(frozen=True)
class ActionResponse:
    action_identifier: int
    verb: Verb
    identifier: str | None = None  # CREATEResponse / UPDATEResponse: the object's ObjectIdentifier
    objects: tuple[HI1Object, ...] = ()  # GETResponse / LISTResponse
    error: ErrorInformation | None = None


@dataclass(frozen=True)
class ResponseMessage:
    header: Header  # sender and receiver swapped, the request's transaction id
    responses: tuple[ActionResponse, ...] = field(default_factory=tuple)
