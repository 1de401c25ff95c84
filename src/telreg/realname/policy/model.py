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
CaptureMethod = Literal["card_reader", "mrz_scan", "online_verification", "manual"]
StepName = Literal["reminder", "outgoing_barred", "suspended", "deactivated"]

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


class Quota(_Frozen):
    holder_kind: HolderKind
    service: Service = Field(description="prepaid | postpaid | any (all services together)")
    limit: int = Field(ge=0, description="Most numbers one identity may hold within the scope")
    scope: Literal["operator"] = Field(description="Counted per operator")


class Step(_Frozen):
    name: StepName
    after_days: int = Field(ge=0, description="Days after the registration deadline")
    notify: bool = Field(description="Send the holder a message when the step is taken")


class Lifecycle(_Frozen):
    steps: list[Step] = Field(min_length=1, description="Escalation of an unregistered number, in order")
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
    termination_working_days: int = Field(ge=0, description="Working days to end a number on request")
    lifecycle: Lifecycle
    real_name_target_percent: float = Field(ge=0, le=100, description="Aimed-at registered share of numbers")
    one_identity_lookup: bool = Field(description="A person may see all numbers under their identity")
    lookup: Lookup = Field(default_factory=Lookup, description="The one-identity lookup's limits")

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

    def quota_for(self, *, holder_kind: HolderKind, service: str) -> Quota | None:
        """Return the quota that limits this holder kind on this service, the specific one before "any"."""
        by_key = {(q.holder_kind, q.service): q for q in self.quotas}
        return by_key.get((holder_kind, service)) or by_key.get((holder_kind, "any"))

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
