"""Request and response models of real-name registration: the JSON the API and `--request FILE` take.

    {"operator": "op1", "number": "51234567", "service": "prepaid", "line": "mobile",
     "holder": {"kind": "person", "name": "CHAN Tai Man", "date_of_birth": "1990-01-01",
                "address": "…", "document": {"type": "hkid", "number": "A123456(3)", "capture": "manual"}},
     "guardian": {person}, "agent": {person}, "agent_authorisation_letter": "…"}

An organisation holder is ``{"kind": "organisation", "name", "document", "handler": {person},
"authorisation_letter": "…"}``. Unknown keys are refused, so a misspelt "gaurdian" is not silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from telreg.core.errors import InvalidInput

__all__ = [
    "DocumentIn", "Holder", "OperatorCreate", "OperatorOut", "OrganisationIn", "PersonIn",
    "RegistrationRequest", "TerminationRequest", "TransferRequest", "parse_request",
]

CaptureMethod = Literal["card_reader", "mrz_scan", "online_verification", "manual"]
LETTER_MAX_CHARS = 8_000_000  # a scanned letter of ~6 MB in base64
M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentIn(_Strict):
    type: str = Field(min_length=1, max_length=32, description="Type code, e.g. hkid, cn-resident-id")
    number: str = Field(min_length=1, max_length=200, description="As printed; passport-mrz: the MRZ lines")
    capture: CaptureMethod = Field("manual", description="How the document's data was read")
    proof: str | None = Field(
        None, max_length=1000,
        description="The capture proof the card reader or the online verification issued for this document "
                    "(capture_proof.py); needed for the types the policy keeps from manual entry",
    )


class PersonIn(_Strict):
    kind: Literal["person"] = "person"
    name: str = Field(min_length=1, max_length=200, description="Name(s) as on the document")
    date_of_birth: dt.date
    address: str | None = Field(None, max_length=500, description="Address on the document (mainland cards)")
    document: DocumentIn


class OrganisationIn(_Strict):
    kind: Literal["organisation"]
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(None, max_length=500)
    document: DocumentIn
    handler: PersonIn | None = Field(None, description="The person acting for the organisation")
    authorisation_letter: str | None = Field(
        None, max_length=LETTER_MAX_CHARS,
        description="The letter authorising the handler: a reference, or its content in base64 "
                    "(sealed as given)",
    )


Holder = Annotated[PersonIn | OrganisationIn, Field(discriminator="kind")]
_AGENT_LETTER = ("The holder's letter authorising the agent (代办委托书): a reference, or its content in base64 "
                 "(sealed as given)")


class _Agent(_Strict):
    """The agent fields a registration and a transfer share, and their one rule."""

    agent: PersonIn | None = Field(None, description="Someone registering on the holder's behalf")
    agent_authorisation_letter: str | None = Field(None, max_length=LETTER_MAX_CHARS,
                                                   description=_AGENT_LETTER)

    @model_validator(mode="after")
    def _letter_needs_agent(self) -> _Agent:
        # A letter with nobody to authorise is a mistake in the request, not something to store.
        if self.agent_authorisation_letter is not None and self.agent is None:
            raise ValueError("agent_authorisation_letter was given without an agent")
        return self


class RegistrationRequest(_Agent):
    operator: str = Field(min_length=1, max_length=64)
    number: str = Field(min_length=1, max_length=32)
    service: Literal["prepaid", "postpaid"]
    line: Literal["mobile", "fixed", "data-only"] = "mobile"
    holder: Holder
    guardian: PersonIn | None = Field(None, description="The adult confirming a minor's registration")


class TransferRequest(_Agent):
    """Re-register a number under a new holder; the number keeps its service and line."""

    operator: str = Field(min_length=1, max_length=64)
    number: str = Field(min_length=1, max_length=32)
    holder: Holder
    guardian: PersonIn | None = None


class TerminationRequest(_Strict):
    operator: str = Field(min_length=1, max_length=64)


class OperatorCreate(_Strict):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)


class OperatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


def parse_request(model: type[M], data: Any, *, source: str) -> M:
    """Validate DATA as MODEL, or raise InvalidInput listing every problem with its place in the JSON."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]) or "(top level)", "message": error["msg"]}
            for error in exc.errors()
        ]
        listing = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise InvalidInput(f"The request in {source} is not valid: {listing}.", problems=problems) from None
