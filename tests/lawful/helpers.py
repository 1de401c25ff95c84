"""Small builders shared by the lawful-access tests: an agency, staff of each role, a registered number."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from telreg.core import users
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.models import User
from telreg.lawful import agencies
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
    ResponseMessage,
    TargetIdentifier,
)
from telreg.runtime import Runtime
from tests.realname.registration.helpers import make_operator, person, request, submit

PASSWORD = "lawful-Access-2026!"  # strong enough for the password policy


def make_agency(runtime: Runtime, code: str = "hkpf", name: str = "Hong Kong Police Force") -> None:
    with unit_of_work(runtime.session_factory) as session:
        agencies.add_agency(session, clock=runtime.clock, code=code, name=name)


def make_staff(runtime: Runtime, username: str, *roles: str, operator: str | None = None,
               agency: str | None = None) -> str:
    with unit_of_work(runtime.session_factory) as session:
        users.create_user(session, clock=runtime.clock, username=username, password=PASSWORD, roles=list(roles),
                          operator=operator, agency=agency)
    return username


def register_number(runtime: Runtime, number: str, *, operator: str = "op1", holder: dict[str, Any] | None = None,
                    **extra: Any) -> dict[str, Any]:
    """Register a number (creating the operator if needed) to the holder (a fresh person by default)."""
    try:
        make_operator(runtime, operator, f"Operator {operator}")
    except Exception:  # noqa: BLE001 - exists already
        pass
    return submit(runtime, request(number, holder or person(), operator=operator, **extra))


def lawful_world(runtime: Runtime) -> dict[str, str]:
    """An agency with an officer and a supervisor, operator op1 with two compliance officers, the regulator."""
    make_agency(runtime)
    make_operator(runtime, "op1", "Operator One")
    return {
        "officer": make_staff(runtime, "le.officer", "le-officer", agency="hkpf"),
        "officer2": make_staff(runtime, "le.officer2", "le-officer", agency="hkpf"),
        "supervisor": make_staff(runtime, "le.supervisor", "le-supervisor", agency="hkpf"),
        "compliance1": make_staff(runtime, "op1.compliance1", "operator-compliance", operator="op1"),
        "compliance2": make_staff(runtime, "op1.compliance2", "operator-compliance", operator="op1"),
        "regulator": make_staff(runtime, "ofca.regulator", "regulator"),
    }


# ---- HI-1 messages and service calls, for the core tests (tests/lawful/test_core_*.py) -----------------------

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> "
       b"endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
COURT = "Eastern Magistrates' Courts"
TIMESPAN = (dt.datetime(2026, 1, 1, tzinfo=HK), dt.datetime(2026, 6, 1, tzinfo=HK))


def header(runtime: Runtime, *, agency: str = "hkpf", country: str = "HK") -> Header:
    return Header(sender=Endpoint(country, agency),
                  receiver=Endpoint(runtime.settings.lawful_country_code, runtime.settings.lawful_receiver_id),
                  transaction_id=str(uuid.uuid4()), timestamp=runtime.clock.now(), etsi_version=d.ETSI_VERSION)


def warrant(reference: str = "HCMW-1-2026", **overrides: Any) -> AuthorisationObject:
    base = AuthorisationObject(
        object_identifier=str(uuid.uuid4()), country_code="HK", owner_identifier="hkpf", reference=reference,
        legal_type=d.WARRANT, desired_status=d.SUBMITTED_FOR_APPROVAL, timespan_start=TIMESPAN[0],
        timespan_end=TIMESPAN[1], approval_details=(ApprovalDetails(approver_name=COURT),))
    return replace(base, **overrides)


def emergency(reference: str = "EMERG-1-2026", **overrides: Any) -> AuthorisationObject:
    details = ApprovalDetails(approver_role="Superintendent", description="A kidnapping in progress.",
                              is_emergency=True)
    return warrant(reference, legal_type=d.EMERGENCY, **{"approval_details": (details,), **overrides})


def task(authorisation: AuthorisationObject, value: str, *, fmt: str = d.INTERNATIONAL_E164,
         reference: str = "LDID-1", request_type: str = d.SUBSCRIBER_DATA, **overrides: Any) -> LDTaskObject:
    base = LDTaskObject(
        object_identifier=str(uuid.uuid4()), country_code="HK", owner_identifier="hkpf",
        associated_objects=(authorisation.object_identifier,), reference=reference,
        request_type_owner=d.REQUEST_TYPE_OWNERS[request_type], request_type=request_type,
        start_time=authorisation.timespan_start, end_time=authorisation.timespan_end,
        request_values=(TargetIdentifier(d.TARGET_FORMAT_OWNERS.get(fmt, d.ETSI), fmt, value),))
    return replace(base, **overrides)


def document(authorisation: AuthorisationObject | str, content: bytes = PDF, **overrides: Any) -> DocumentObject:
    target = authorisation if isinstance(authorisation, str) else authorisation.object_identifier
    base = DocumentObject(
        object_identifier=str(uuid.uuid4()), country_code="HK", owner_identifier="hkpf",
        associated_objects=(target,), name="warrant.pdf", document_type=d.WARRANT_DOCUMENT, content=content,
        content_type="application/pdf", checksum=hashlib.sha256(content).hexdigest(), checksum_type="SHA-256")
    return replace(base, **overrides)


def message(runtime: Runtime, *objects: Any, verb: str = "CREATE", **header_args: Any) -> RequestMessage:
    """A message of one action per object (an ActionRequest given as it is)."""
    actions = tuple(o if isinstance(o, ActionRequest) else ActionRequest(action_identifier=i, verb=verb, object=o)
                    for i, o in enumerate(objects))
    return RequestMessage(header=header(runtime, **header_args), actions=actions)


def as_user(runtime: Runtime, username: str, call: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run a lawful service call as USERNAME in a unit of work of its own (committed when it returns)."""
    with unit_of_work(runtime.session_factory) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return call(session, user=user, **kwargs)


def send(runtime: Runtime, username: str, request: RequestMessage, lang: str = "en") -> ResponseMessage:
    from telreg.lawful import service

    return as_user(runtime, username, service.handle_message, runtime=runtime, message=request, lang=lang)


def errors_of(response: ResponseMessage) -> list[tuple[str, str] | None]:
    return [(r.error.code, r.error.description) if r.error else None for r in response.responses]
