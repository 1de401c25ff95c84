"""The HI-1 message model (model.py) as a tree of elements and back: written once for both encodings.

The element names, their order and their nesting follow ETSI TS 103 120 (V1.x, from memory of the published
schemas: to be checked against the official XSD when it is placed in schemas/etsi/). Two choices are telreg's:

- A LISTResponse's ListResponseRecord carries ObjectType ("Authorisation" | "LDTask" | "Document", the words
  of a LIST request), ObjectIdentifier and then the whole HI1Object (the national profile's addition: the
  model answers a LIST with objects, and an agency should not need a GET per row).
- An ErrorInformation replaces the verb's response element (the standard's choice), so the verb of a failed
  action is not on the wire: the reader takes it from the request when it is given one, else says "GET".

Dictionary values (statuses, legal type, request type, document type) travel as DictionaryEntry (Owner, Name,
Value); the model keeps the Value (and the request type's Owner), the writer fills in the dictionary's owner
and name from dictionaries.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import (
    ActionRequest,
    ActionResponse,
    ApprovalDetails,
    AuthorisationObject,
    DocumentObject,
    Endpoint,
    ErrorInformation,
    Header,
    HI1Object,
    LDTaskObject,
    RequestMessage,
    ResponseMessage,
    TargetIdentifier,
    Verb,
)
from telreg.lawful.hi1.wire import (
    AUTHORISATION_TYPE,
    DOCUMENT_TYPE,
    NO_OBJECT_TYPE,
    NONE_OF_MANY,
    OBJECT_TYPES,
    RECORD_MISMATCH,
    TASK_TYPE,
    UNKNOWN_OBJECT_TYPE,
    Element,
    Fields,
    Node,
    decode_base64,
    encode_base64,
    format_timestamp,
    parse_timestamp,
    refuse,
)

__all__ = ["object_element", "read_object", "read_request", "read_response", "request_element",
           "response_element"]

_T = TypeVar("_T")
VERBS: tuple[Verb, ...] = ("GET", "CREATE", "UPDATE", "LIST")
RESPONSE_ELEMENTS = {"GETResponse": "GET", "CREATEResponse": "CREATE", "UPDATEResponse": "UPDATE",
                     "LISTResponse": "LIST"}
LIST_OBJECT_TYPES = {AUTHORISATION_TYPE: "Authorisation", TASK_TYPE: "LDTask", DOCUMENT_TYPE: "Document"}
_OBJECT_COMMON = ("ObjectIdentifier", "CountryCode", "OwnerIdentifier", "AssociatedObjects")
_AUTHORISATION = ("auth:AuthorisationReference", "auth:AuthorisationLegalType", "auth:AuthorisationStatus",
                  "auth:AuthorisationDesiredStatus", "auth:AuthorisationTimespan",
                  "auth:AuthorisationCreationTimestamp", "auth:AuthorisationApprovalDetails")
_TASK = ("task:Reference", "task:Status", "task:DesiredStatus", "task:RequestDetails", "task:ReasonForStatus")
_DOCUMENT = ("doc:DocumentReference", "doc:DocumentName", "doc:DocumentType", "doc:DocumentBody")
_APPROVAL = ("common:ApprovalType", "common:ApprovalDescription", "common:ApprovalReference",
             "common:ApproverDetails", "common:ApprovalTimestamp", "common:ApprovalIsEmergency")


# --- writing ------------------------------------------------------------------------------------------------

def request_element(message: RequestMessage) -> Element:
    """The HI1Message element of a request."""
    actions = [_action_request(action) for action in message.actions]
    payload = _e("Payload", _e("RequestPayload", _e("ActionRequests", *actions)))
    return _e("HI1Message", _header(message.header), payload)


def response_element(message: ResponseMessage) -> Element:
    """The HI1Message element of a response."""
    answers = [_action_response(response) for response in message.responses]
    payload = _e("Payload", _e("ResponsePayload", _e("ActionResponses", *answers)))
    return _e("HI1Message", _header(message.header), payload)


def _e(name: str, *children: Element | None, xsi_type: str | None = None) -> Element:
    return Element(name, children=[child for child in children if child is not None], xsi_type=xsi_type)


def _leaf(name: str, value: str | int | bool | None) -> Element | None:
    return None if value is None else Element(name, value)


def _time(name: str, value: object) -> Element | None:
    return None if value is None else Element(name, format_timestamp(value))  # type: ignore[arg-type]


def _dictionary(name: str, owner: str, dictionary: str, value: str | None) -> Element | None:
    if value is None:
        return None
    return _e(name, Element("common:Owner", owner), Element("common:Name", dictionary),
              Element("common:Value", value))


def _header(header: Header) -> Element:
    version = _e("Version", Element("ETSIVersion", header.etsi_version),
                 _leaf("NationalProfileOwner", header.profile_owner),
                 _leaf("NationalProfileVersion", header.profile_version))
    return _e("Header", _endpoint("SenderIdentifier", header.sender),
              _endpoint("ReceiverIdentifier", header.receiver),
              Element("TransactionIdentifier", header.transaction_id),
              Element("Timestamp", format_timestamp(header.timestamp, microseconds=True)), version)


def _endpoint(name: str, endpoint: Endpoint) -> Element:
    return _e(name, Element("CountryCode", endpoint.country_code),
              Element("UniqueIdentifier", endpoint.unique_identifier))


def _action_request(action: ActionRequest) -> Element:
    if action.verb == "GET":
        body = _e("GET", Element("Identifier", _needed(action.identifier, "a GET's identifier")))
    elif action.verb == "LIST":
        body = _e("LIST", _leaf("ObjectType", action.object_type))
    else:
        body = _e(action.verb, object_element(_needed(action.object, f"a {action.verb}'s object")))
    return _e("ActionRequest", Element("ActionIdentifier", action.action_identifier), body)


def _action_response(response: ActionResponse) -> Element:
    if response.error is not None:
        body = _e("ErrorInformation", Element("ErrorCode", int(response.error.code)),
                  Element("ErrorDescription", response.error.description))
    elif response.verb == "GET":
        if len(response.objects) != 1:
            raise ValueError(f"a GETResponse carries exactly one object, not {len(response.objects)}")
        body = _e("GETResponse", object_element(response.objects[0]))
    elif response.verb == "LIST":
        body = _e("LISTResponse", *(_list_record(obj) for obj in response.objects))
    else:
        identifier = _needed(response.identifier, f"a {response.verb}Response's identifier")
        body = _e(f"{response.verb}Response", Element("Identifier", identifier))
    return _e("ActionResponse", Element("ActionIdentifier", response.action_identifier), body)


def _list_record(obj: HI1Object) -> Element:
    element = object_element(obj)
    return _e("ListResponseRecord", Element("ObjectType", LIST_OBJECT_TYPES[element.xsi_type or ""]),
              Element("ObjectIdentifier", obj.object_identifier), element)


def _needed(value: _T | None, what: str) -> _T:
    if value is None:
        raise ValueError(f"{what} is missing")
    return value


def object_element(obj: HI1Object) -> Element:
    """An HI1Object element with its xsi:type."""
    associated = None
    if obj.associated_objects:
        associated = _e("AssociatedObjects",
                        *(Element("AssociatedObject", ref) for ref in obj.associated_objects))
    common = [Element("ObjectIdentifier", obj.object_identifier), Element("CountryCode", obj.country_code),
              Element("OwnerIdentifier", obj.owner_identifier), associated]
    if isinstance(obj, AuthorisationObject):
        return _e("HI1Object", *common, *_authorisation(obj), xsi_type=AUTHORISATION_TYPE)
    if isinstance(obj, LDTaskObject):
        return _e("HI1Object", *common, *_task(obj), xsi_type=TASK_TYPE)
    return _e("HI1Object", *common, *_document(obj), xsi_type=DOCUMENT_TYPE)


def _authorisation(obj: AuthorisationObject) -> list[Element | None]:
    timespan = None
    if obj.timespan_start is not None or obj.timespan_end is not None:
        timespan = _e("auth:AuthorisationTimespan", _time("auth:StartTime", obj.timespan_start),
                      _time("auth:EndTime", obj.timespan_end))
    return [
        _leaf("auth:AuthorisationReference", obj.reference),
        _dictionary("auth:AuthorisationLegalType", d.PROFILE_OWNER, "AuthorisationLegalType", obj.legal_type),
        _dictionary("auth:AuthorisationStatus", d.ETSI, "AuthorisationStatus", obj.status),
        _dictionary("auth:AuthorisationDesiredStatus", d.ETSI, "AuthorisationDesiredStatus",
                    obj.desired_status),
        timespan,
        _time("auth:AuthorisationCreationTimestamp", obj.creation_timestamp),
        *(_approval(approval) for approval in obj.approval_details),
    ]


def _approval(approval: ApprovalDetails) -> Element:
    approver = None
    if approval.approver_name is not None or approval.approver_role is not None:
        approver = _e("common:ApproverDetails", _leaf("common:ApproverName", approval.approver_name),
                      _leaf("common:ApproverRole", approval.approver_role))
    return _e("auth:AuthorisationApprovalDetails", _leaf("common:ApprovalType", approval.approval_type),
              _leaf("common:ApprovalDescription", approval.description),
              _leaf("common:ApprovalReference", approval.reference), approver,
              _time("common:ApprovalTimestamp", approval.timestamp),
              Element("common:ApprovalIsEmergency", approval.is_emergency))


def _task(obj: LDTaskObject) -> list[Element | None]:
    details = None
    if obj.request_type is not None or obj.start_time is not None or obj.end_time is not None \
            or obj.request_values:
        owner = obj.request_type_owner
        if owner is None:
            owner = d.REQUEST_TYPE_OWNERS.get(obj.request_type or "", d.PROFILE_OWNER)
        values = None
        if obj.request_values:
            values = _e("task:RequestValues", *(_target(target) for target in obj.request_values))
        details = _e("task:RequestDetails", _dictionary("task:Type", owner, "RequestType", obj.request_type),
                     _time("task:StartTime", obj.start_time), _time("task:EndTime", obj.end_time), values)
    return [
        _leaf("task:Reference", obj.reference),
        _dictionary("task:Status", d.ETSI, "LDTaskStatus", obj.status),
        _dictionary("task:DesiredStatus", d.ETSI, "LDTaskDesiredStatus", obj.desired_status),
        details,
        _leaf("task:ReasonForStatus", obj.reason_for_status),
    ]


def _target(target: TargetIdentifier) -> Element:
    return _e("task:RequestValue",
              _e("task:FormatType", Element("task:FormatOwner", target.format_owner),
                 Element("task:FormatName", target.format_name)),
              Element("task:Value", target.value))


def _document(obj: DocumentObject) -> list[Element | None]:
    body = None
    if any(value is not None for value in (obj.content, obj.content_type, obj.checksum, obj.checksum_type)):
        contents = None if obj.content is None else Element("doc:Contents", encode_base64(obj.content))
        body = _e("doc:DocumentBody", contents, _leaf("doc:ContentType", obj.content_type),
                  _leaf("doc:Checksum", obj.checksum), _leaf("doc:ChecksumType", obj.checksum_type))
    return [
        _leaf("doc:DocumentReference", obj.reference),
        _leaf("doc:DocumentName", obj.name),
        _dictionary("doc:DocumentType", d.PROFILE_OWNER, "DocumentType", obj.document_type),
        body,
    ]


# --- reading ------------------------------------------------------------------------------------------------

def read_request(root: Node) -> RequestMessage:
    """A request from its HI1Message element."""
    message = Fields(root, ("Header", "Payload"))
    payload = Fields(message.required("Payload"), ("RequestPayload",))
    requests = Fields(payload.required("RequestPayload"), ("ActionRequests",))
    actions = Fields(requests.required("ActionRequests"), ("ActionRequest",))
    if not actions.all("ActionRequest"):
        raise refuse(actions.node, NONE_OF_MANY, element="ActionRequest")
    return RequestMessage(header=_read_header(message.required("Header")),
                          actions=tuple(_read_action_request(node) for node in actions.all("ActionRequest")))


def read_response(root: Node, *, verbs: Mapping[int, Verb] | None = None) -> ResponseMessage:
    """A response from its HI1Message element; VERBS (action identifier -> the request's verb) names the verb
    of an action that failed, which the wire does not carry."""
    message = Fields(root, ("Header", "Payload"))
    payload = Fields(message.required("Payload"), ("ResponsePayload",))
    responses = Fields(payload.required("ResponsePayload"), ("ActionResponses",))
    answers = Fields(responses.required("ActionResponses"), ("ActionResponse",))
    return ResponseMessage(header=_read_header(message.required("Header")),
                           responses=tuple(_read_action_response(node, verbs or {})
                                           for node in answers.all("ActionResponse")))


def _read_header(node: Node) -> Header:
    header = Fields(node, ("SenderIdentifier", "ReceiverIdentifier", "TransactionIdentifier", "Timestamp",
                           "Version"))
    version = Fields(header.required("Version"),
                     ("ETSIVersion", "NationalProfileOwner", "NationalProfileVersion"))
    return Header(sender=_read_endpoint(header.required("SenderIdentifier")),
                  receiver=_read_endpoint(header.required("ReceiverIdentifier")),
                  transaction_id=header.text("TransactionIdentifier"),
                  timestamp=parse_timestamp(header.required("Timestamp")),
                  etsi_version=version.text("ETSIVersion"),
                  profile_owner=version.optional_text("NationalProfileOwner"),
                  profile_version=version.optional_text("NationalProfileVersion"))


def _read_endpoint(node: Node) -> Endpoint:
    endpoint = Fields(node, ("CountryCode", "UniqueIdentifier"))
    return Endpoint(country_code=endpoint.text("CountryCode"),
                    unique_identifier=endpoint.text("UniqueIdentifier"))


def _read_action_request(node: Node) -> ActionRequest:
    action = Fields(node, ("ActionIdentifier", *VERBS))
    identifier = action.required("ActionIdentifier").integer()
    verb, body = action.choice(VERBS)
    if verb == "GET":
        return ActionRequest(identifier, "GET", identifier=Fields(body, ("Identifier",)).text("Identifier"))
    if verb == "LIST":
        object_type = Fields(body, ("ObjectType",)).optional_text("ObjectType")
        return ActionRequest(identifier, "LIST", object_type=object_type)
    obj = read_object(Fields(body, ("HI1Object",)).required("HI1Object"))
    return ActionRequest(identifier, "CREATE" if verb == "CREATE" else "UPDATE", object=obj)


def _read_action_response(node: Node, verbs: Mapping[int, Verb]) -> ActionResponse:
    answer = Fields(node, ("ActionIdentifier", *RESPONSE_ELEMENTS, "ErrorInformation"))
    identifier = answer.required("ActionIdentifier").integer()
    kind, body = answer.choice((*RESPONSE_ELEMENTS, "ErrorInformation"))
    if kind == "ErrorInformation":
        error = Fields(body, ("ErrorCode", "ErrorDescription"))
        return ActionResponse(identifier, verbs.get(identifier, "GET"), error=ErrorInformation(
            code=str(error.required("ErrorCode").integer()), description=error.text("ErrorDescription")))
    verb: Verb = RESPONSE_ELEMENTS[kind]  # type: ignore[assignment]
    if verb == "GET":
        return ActionResponse(identifier, verb, objects=(read_object(Fields(body, ("HI1Object",))
                                                                      .required("HI1Object")),))
    if verb == "LIST":
        records = Fields(body, ("ListResponseRecord",)).all("ListResponseRecord")
        return ActionResponse(identifier, verb, objects=tuple(_read_list_record(rec) for rec in records))
    return ActionResponse(identifier, verb, identifier=Fields(body, ("Identifier",)).text("Identifier"))


def _read_list_record(node: Node) -> HI1Object:
    record = Fields(node, ("ObjectType", "ObjectIdentifier", "HI1Object"))
    obj_node = record.required("HI1Object")
    obj = read_object(obj_node)
    object_type = LIST_OBJECT_TYPES[obj_node.xsi_type() or ""]
    for name, expected in (("ObjectType", object_type), ("ObjectIdentifier", obj.object_identifier)):
        value = record.text(name)
        if value != expected:
            raise refuse(record.required(name), RECORD_MISMATCH, element=name, value=value, expected=expected)
    return obj


def read_object(node: Node) -> HI1Object:
    """An HI1Object of one of the three types telreg handles, by its xsi:type."""
    object_type = node.xsi_type()
    if object_type is None:
        raise refuse(node, NO_OBJECT_TYPE, expected=", ".join(OBJECT_TYPES))
    if object_type not in OBJECT_TYPES:
        raise refuse(node, UNKNOWN_OBJECT_TYPE, value=object_type, expected=", ".join(OBJECT_TYPES))
    specific = {AUTHORISATION_TYPE: _AUTHORISATION, TASK_TYPE: _TASK, DOCUMENT_TYPE: _DOCUMENT}[object_type]
    fields = Fields(node, (*_OBJECT_COMMON, *specific))
    associated: tuple[str, ...] = ()
    if (associated_node := fields.optional("AssociatedObjects")) is not None:
        associated = tuple(ref.text() for ref in Fields(associated_node, ("AssociatedObject",))
                           .all("AssociatedObject"))
    common = {"object_identifier": fields.text("ObjectIdentifier"),
              "country_code": fields.text("CountryCode"),
              "owner_identifier": fields.text("OwnerIdentifier"), "associated_objects": associated}
    if object_type == AUTHORISATION_TYPE:
        return _read_authorisation(fields, common)
    if object_type == TASK_TYPE:
        return _read_task(fields, common)
    return _read_document(fields, common)


def _dictionary_value(node: Node | None) -> tuple[str | None, str | None]:
    """(Owner, Value) of a DictionaryEntry; its Name is read and not kept (the element says which it is)."""
    if node is None:
        return None, None
    entry = Fields(node, ("common:Owner", "common:Name", "common:Value"))
    entry.text("common:Name")
    return entry.text("common:Owner"), entry.text("common:Value")


def _read_authorisation(fields: Fields, common: dict[str, object]) -> AuthorisationObject:
    start = end = None
    if (timespan_node := fields.optional("auth:AuthorisationTimespan")) is not None:
        timespan = Fields(timespan_node, ("auth:StartTime", "auth:EndTime"))
        start, end = timespan.optional_time("auth:StartTime"), timespan.optional_time("auth:EndTime")
    return AuthorisationObject(
        **common,  # type: ignore[arg-type]
        reference=fields.optional_text("auth:AuthorisationReference"),
        legal_type=_dictionary_value(fields.optional("auth:AuthorisationLegalType"))[1],
        status=_dictionary_value(fields.optional("auth:AuthorisationStatus"))[1],
        desired_status=_dictionary_value(fields.optional("auth:AuthorisationDesiredStatus"))[1],
        timespan_start=start, timespan_end=end,
        creation_timestamp=fields.optional_time("auth:AuthorisationCreationTimestamp"),
        approval_details=tuple(_read_approval(node)
                               for node in fields.all("auth:AuthorisationApprovalDetails")))


def _read_approval(node: Node) -> ApprovalDetails:
    approval = Fields(node, _APPROVAL)
    name = role = None
    if (approver_node := approval.optional("common:ApproverDetails")) is not None:
        approver = Fields(approver_node, ("common:ApproverName", "common:ApproverRole"))
        name = approver.optional_text("common:ApproverName")
        role = approver.optional_text("common:ApproverRole")
    emergency = approval.optional("common:ApprovalIsEmergency")
    return ApprovalDetails(approver_name=name, approver_role=role,
                           approval_type=approval.optional_text("common:ApprovalType"),
                           description=approval.optional_text("common:ApprovalDescription"),
                           reference=approval.optional_text("common:ApprovalReference"),
                           timestamp=approval.optional_time("common:ApprovalTimestamp"),
                           is_emergency=False if emergency is None else emergency.boolean())


def _read_task(fields: Fields, common: dict[str, object]) -> LDTaskObject:
    type_owner = request_type = start = end = None
    values: tuple[TargetIdentifier, ...] = ()
    if (details_node := fields.optional("task:RequestDetails")) is not None:
        details = Fields(details_node, ("task:Type", "task:StartTime", "task:EndTime", "task:RequestValues"))
        type_owner, request_type = _dictionary_value(details.optional("task:Type"))
        start, end = details.optional_time("task:StartTime"), details.optional_time("task:EndTime")
        if (values_node := details.optional("task:RequestValues")) is not None:
            values = tuple(_read_target(node) for node in Fields(values_node, ("task:RequestValue",))
                           .all("task:RequestValue"))
    return LDTaskObject(
        **common,  # type: ignore[arg-type]
        reference=fields.optional_text("task:Reference"),
        status=_dictionary_value(fields.optional("task:Status"))[1],
        desired_status=_dictionary_value(fields.optional("task:DesiredStatus"))[1],
        request_type_owner=type_owner, request_type=request_type, start_time=start, end_time=end,
        request_values=values, reason_for_status=fields.optional_text("task:ReasonForStatus"))


def _read_target(node: Node) -> TargetIdentifier:
    value = Fields(node, ("task:FormatType", "task:Value"))
    format_type = Fields(value.required("task:FormatType"), ("task:FormatOwner", "task:FormatName"))
    return TargetIdentifier(format_owner=format_type.text("task:FormatOwner"),
                            format_name=format_type.text("task:FormatName"), value=value.text("task:Value"))


def _read_document(fields: Fields, common: dict[str, object]) -> DocumentObject:
    content = content_type = checksum = checksum_type = None
    if (body_node := fields.optional("doc:DocumentBody")) is not None:
        body = Fields(body_node, ("doc:Contents", "doc:ContentType", "doc:Checksum", "doc:ChecksumType"))
        contents_node = body.optional("doc:Contents")
        content = None if contents_node is None else decode_base64(contents_node)
        content_type, checksum = body.optional_text("doc:ContentType"), body.optional_text("doc:Checksum")
        checksum_type = body.optional_text("doc:ChecksumType")
    return DocumentObject(
        **common,  # type: ignore[arg-type]
        reference=fields.optional_text("doc:DocumentReference"),
        name=fields.optional_text("doc:DocumentName"),
        document_type=_dictionary_value(fields.optional("doc:DocumentType"))[1], content=content,
        content_type=content_type, checksum=checksum, checksum_type=checksum_type)
