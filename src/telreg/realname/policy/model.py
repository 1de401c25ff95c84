"""The shape of a real-name registration policy: every limit a jurisdiction sets, as validated data."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from telreg.realname.documents import DOCUMENT_TYPES, ORGANISATION_TYPES

HolderKind = Literal["person", "organisation"]
Service = Literal["prepaid", "postpaid", "any"]
Line = Literal["mobile", "fixed", "data-only"]
LINES: tuple[Line, ...] = ("mobile", "fixed", "data-only")
CaptureMethod = Literal["card_reader", "mrz_scan", "online_verification", "manual"]
StepName = Literal["reminder", "outgoing_barred", "suspended", "deactivated"]
# Details a document type may oblige a party to give besides name, number and (persons) date of birth.
RequiredField = Literal["address"]

# Service is withdrawn in this order; reminders may fall anywhere before deactivation.
_ESCALATION = {"outgoing_barred": 1, "suspended": 2, "deactivated": 3}
_VERSION = re.compile(r"^[0-9]{4}\.[0-9]+$")


def _known_document(code: str) -> str:
    if code not in DOCUMENT_TYPES:
        raise PydanticCustomError(
            "unknown_document",
            "unknown document type '{code}'; known types: {known}",
            {"code": code, "known": ", ".join(sorted(DOCUMENT_TYPES))},
        )
    return code


def _person_document(code: str) -> str:
    if code in ORGANISATION_TYPES:
        raise PydanticCustomError("wrong_holder", "'{code}' identifies an organisation, not a person",
                                  {"code": code})
    return code


def _organisation_document(code: str) -> str:
    if code not in ORGANISATION_TYPES:
        raise PydanticCustomError(
            "wrong_holder", "'{code}' identifies a person, not an organisation; organisation types: {known}",
            {"code": code, "known": ", ".join(sorted(ORGANISATION_TYPES))},
        )
    return code


DocumentCode = Annotated[str, AfterValidator(_known_document)]
PersonDocument = Annotated[DocumentCode, AfterValidator(_person_document)]
OrganisationDocument = Annotated[DocumentCode, AfterValidator(_organisation_document)]


class _Frozen(BaseModel):
    # strict: a TOML file has real types, so "10" where 10 is meant is a mistake to report, not to coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Documents(_Frozen):
    person: list[PersonDocument] = Field(min_length=1, description="Documents a person may register with")
    organisation: list[OrganisationDocument] = Field(min_length=1, description="An organisation's documents")
    manual_entry_forbidden: list[DocumentCode] = Field(
        default_factory=list, description="Types that must come from a card reader or online verification"
    )
    required_fields: dict[DocumentCode, list[RequiredField]] = Field(
        default_factory=dict,
        description="Details a party with this document type must give, e.g. the address printed on the card",
    )

    def required_for(self, doc_type: str) -> list[str]:
        """Return the details a party registering with this document type must give."""
        return list(self.required_fields.get(doc_type, []))


class Quota(_Frozen):
    holder_kind: HolderKind
    service: Service = Field(description="prepaid | postpaid | any (all services together)")
    lines: list[Line] = Field(
        default_factory=lambda: list(LINES), min_length=1,
        description="The lines this quota counts (default all); a line left out, e.g. fixed, is not counted",
    )
    limit: int = Field(ge=0, description="Most numbers one identity may hold within the scope")
    scope: Literal["operator"] = Field(description="Counted per operator")

    @field_validator("lines")
    @classmethod
    def _lines_once(cls, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines):
            if line in lines[:index]:
                raise PydanticCustomError("duplicate_line", "line '{line}' is listed twice",
                                          {"index": index, "line": line})
        return lines

    @property
    def counter(self) -> str:
        """The key of the counters this quota limits: the service, with the lines when not all are counted."""
        if set(self.lines) == set(LINES):
            return self.service
        return f"{self.service}:{'+'.join(sorted(self.lines))}"

    def counts(self, *, service: str, line: str) -> bool:
        """Tell whether a number of this service and line counts against this quota."""
        return self.service in (service, "any") and line in self.lines


class Step(_Frozen):
    name: StepName
    after_days: int = Field(ge=0, description="Days after the registration deadline")
    notify: bool = Field(description="Send the holder a message when the step is taken")


class Lifecycle(_Frozen):
    steps: list[Step] = Field(min_length=1, description="Escalation of an unregistered number, in order")
    services: list[Literal["prepaid", "postpaid"]] = Field(
        default_factory=lambda: ["prepaid", "postpaid"], min_length=1,
        description="Services whose legacy numbers must register by the deadline; a legacy number of another "
                    "service is registered by its contract and never withdrawn",
    )
    quarantine_days: int = Field(ge=0, description="Days a deactivated number rests before reassignment")
    legacy_deadline_days: int = Field(ge=0, description="Days a legacy number is given to register")

    @field_validator("steps")
    @classmethod
    def _steps_in_order(cls, steps: list[Step]) -> list[Step]:
        reached = 0
        for index, step in enumerate(steps):
            if index and step.after_days <= steps[index - 1].after_days:
                previous = steps[index - 1]
                raise PydanticCustomError(
                    "steps_out_of_order",
                    "step '{name}' after {days} days must come later than the step before it "
                    "('{previous}' after {previous_days} days)",
                    {"index": index, "key": "after_days", "name": step.name, "days": step.after_days,
                     "previous": previous.name, "previous_days": previous.after_days},
                )
            rank = _ESCALATION.get(step.name, 0)
            if reached == _ESCALATION["deactivated"] or (rank and rank <= reached):
                raise PydanticCustomError(
                    "steps_out_of_order",
                    "step '{name}' cannot follow a harsher or equal step; the order is "
                    "outgoing_barred, suspended, deactivated (reminders anywhere before deactivated)",
                    {"index": index, "key": "name", "name": step.name},
                )
            reached = max(reached, rank)
        return steps


class Lookup(_Frozen):
    """The one-identity lookup's limits (used only when ``one_identity_lookup`` is true)."""

    code_minutes: int = Field(10, ge=1, description="How long a one-time code stays valid")
    max_attempts: int = Field(5, ge=1, description="Wrong codes before a code is locked")
    window_minutes: int = Field(60, ge=1, description="The window the two request limits count over")
    codes_per_number: int = Field(3, ge=1, description="Codes one number may be sent within the window")
    codes_per_document: int = Field(5, ge=1, description="Codes asked with one document within the window")
    access_minutes: int = Field(30, ge=1, description="How long a proved lookup stays open")


class LawfulAccess(_Frozen):
    """The jurisdiction's clocks for lawful access to registration records (issue 16, lawful/)."""

    emergency_backing_hours: int = Field(
        48, ge=1, description="Hours an emergency release may stand before a warrant must be attached")
    approval_valid_hours: int = Field(
        72, ge=1, description="Hours an operator's approval of a task stays good for the second person's release")
    result_valid_hours: int = Field(
        72, ge=1, description="Hours a released result may be downloaded (once) before it is destroyed")


class Retention(_Frozen):
    """How long personal data is kept once it no longer serves a registration (issue 16, realname/retention)."""

    personal_data_days: int = Field(
        730, ge=0, description="Days after a holder's last registration ended before their personal data is erased")


class Policy(_Frozen):
    name: str = Field(min_length=1, description="Short name, e.g. hong-kong")
    version: str = Field(description="YEAR.N, e.g. 2026.1")
    jurisdiction: str = Field(min_length=1, description="ISO 3166 code of the jurisdiction, e.g. HK")
    language: Literal["zh-Hant", "zh-Hans"] = Field(description="Page language besides English")
    minor_age: int = Field(ge=0, description="Below this age a registration needs an adult's confirmation")
    documents: Documents
    capture_methods: list[CaptureMethod] = Field(min_length=1, description="Ways document data may be read")
    quotas: list[Quota] = Field(default_factory=list, description="Numbers one identity may hold")
    organisation_requires_handler: bool = Field(description="An organisation's handler is registered too")
    organisation_requires_authorisation_letter: bool
    agent_allowed: bool = Field(description="Someone may register on another person's behalf")
    agent_requires_authorisation_letter: bool = Field(
        False, description="An agent must bring the holder's letter authorising them (sealed as given)")
    termination_working_days: int = Field(ge=0, description="Working days to end a number on request")
    lifecycle: Lifecycle
    real_name_target_percent: float = Field(ge=0, le=100, description="Aimed-at registered share of numbers")
    one_identity_lookup: bool = Field(description="A person may see all numbers under their identity")
    lookup: Lookup = Field(default_factory=Lookup, description="The one-identity lookup's limits")
    lawful_access: LawfulAccess = Field(default_factory=LawfulAccess, description="Lawful access's clocks")
    retention: Retention = Field(default_factory=Retention, description="Retention of personal data")
    consent_purposes: list[str] = Field(
        default_factory=lambda: ["value-added-marketing"],
        description="Uses beyond the service a holder may consent to (codes; realname/consent)")

    @field_validator("version")
    @classmethod
    def _version_shape(cls, version: str) -> str:
        if not _VERSION.match(version):
            raise PydanticCustomError("version_shape", "version must look like 2026.1, not '{version}'",
                                      {"version": version})
        return version

    @field_validator("quotas")
    @classmethod
    def _one_quota_per_kind_and_service(cls, quotas: list[Quota]) -> list[Quota]:
        seen: set[tuple[str, str]] = set()
        for index, quota in enumerate(quotas):
            key = (quota.holder_kind, quota.service)
            if key in seen:
                raise PydanticCustomError(
                    "duplicate_quota", "a second quota for {holder_kind} {service} (one is enough)",
                    {"index": index, "holder_kind": quota.holder_kind, "service": quota.service},
                )
            seen.add(key)
        return quotas

    def quota_for(self, *, holder_kind: str, service: str, line: str) -> Quota | None:
        """Return the quota limiting this holder kind on this service and line, the specific one before "any".

        A quota whose ``lines`` leave the line out does not apply (seed 003: 5 postpaid numbers "不含固话", fixed
        lines not counted); an "any" quota that counts the line may then apply instead.
        """
        applying = [q for q in self.quotas
                    if q.holder_kind == holder_kind and q.counts(service=service, line=line)]
        applying.sort(key=lambda q: q.service == "any")
        return applying[0] if applying else None

    def counter_for(self, *, holder_kind: str, service: str, line: str) -> tuple[str, int | None]:
        """Return the counter key a number of this kind takes and its limit (None: counted without a limit).

        A service no quota mentions is counted under its own name, so a quota added later for it starts from
        the truth; a line that the service's quotas leave out is counted apart as ``service:line``.
        """
        quota = self.quota_for(holder_kind=holder_kind, service=service, line=line)
        if quota is not None:
            return quota.counter, quota.limit
        mentioned = any(q.holder_kind == holder_kind and q.service in (service, "any") for q in self.quotas)
        return (f"{service}:{line}" if mentioned else service), None

    def manual_entry_allowed(self, *, doc_type: str) -> bool:
        """Tell whether a document of this type may be typed in by hand."""
        return "manual" in self.capture_methods and doc_type not in self.documents.manual_entry_forbidden

    def accepts(self, *, holder_kind: HolderKind, doc_type: str) -> bool:
        """Tell whether this kind of holder may register with this document type."""
        accepted = self.documents.person if holder_kind == "person" else self.documents.organisation
        return doc_type in accepted

    def is_minor(self, *, dob: dt.date, on: dt.date) -> bool:
        """Tell whether someone born on ``dob`` is under the policy's minor age on the day ``on``.

        A person reaches an age at the start of the birthday; someone born on 29 February reaches it on
        1 March in a common year (the common-law reading of "anniversary"). A birth date after ``on`` counts
        as a minor: it never makes an adult.
        """
        not_yet = (on.month, on.day) < (dob.month, dob.day)
        return on.year - dob.year - not_yet < self.minor_age
