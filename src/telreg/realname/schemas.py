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
from pydantic_core import PydanticCustomError

from telreg.core.errors import InvalidInput
from telreg.core.i18n import NP_, N_, Message, Msgid

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
            raise PydanticCustomError("letter_without_agent",
                                      "agent_authorisation_letter was given without an agent")
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
    """Validate DATA as MODEL, or raise InvalidInput listing every problem with its place in the JSON.

    Each problem's ``field`` (the JSON path) and ``message`` (pydantic's sentence) read as always in English;
    both are Messages, so a page shows them in its language (the field named in words, the problem said in a
    sentence of the catalogs).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [{"field": _field(error["loc"]), "message": _problem(error)} for error in exc.errors()]
        listing = Message.join([Message(N_("%(field)s: %(problem)s"), field=p["field"], problem=p["message"])
                                for p in problems], _SEMICOLON)
        raise InvalidInput(N_("The request in %(source)s is not valid: %(listing)s."), problems=problems,
                           source=source, listing=listing) from None


# TRANSLATORS: between the problems of a list ("holder: …; number: …").
_SEMICOLON = N_("; ")
# What a problem of each pydantic type says in the catalogs (pydantic's own English stays the English).
_PROBLEMS: dict[str, Msgid] = {
    "missing": N_("This is required."),
    "string_too_short": N_("This is required."),
    "string_too_long": N_("This is longer than the %(max_length)s characters allowed."),
    "literal_error": N_("This is not one of the choices offered."),
    "union_tag_invalid": N_("This is not one of the choices offered."),
    "union_tag_not_found": N_("Say whether the holder is a person or an organisation."),
    "date_parsing": N_("This is not a date: write it as YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("This is not a date: write it as YYYY-MM-DD."),
    "date_from_datetime_inexact": N_("This is not a date: write it as YYYY-MM-DD."),
    "date_type": N_("This is not a date: write it as YYYY-MM-DD."),
    "extra_forbidden": N_("This is not a field of the request."),
    "string_type": N_("This must be text."),
    "model_type": N_("This must be a set of fields (a JSON object)."),
    "model_attributes_type": N_("This must be a set of fields (a JSON object)."),
    "letter_without_agent": N_("An agent's authorisation letter was given, but no agent."),
}
# The JSON path's parts as a page names them ("holder.person.document.number" -> 機主 › 證件 › 號碼).
_FIELDS: dict[str, Msgid] = {
    "holder": NP_("realname_party", "holder"),
    "guardian": NP_("realname_party", "guardian"),
    "agent": NP_("realname_party", "agent"),
    "handler": NP_("realname_party", "handler"),
    "person": N_("Person"),
    "organisation": N_("Organisation"),
    "kind": NP_("realname_field", "kind"),
    "name": NP_("realname_field", "name"),
    "date_of_birth": NP_("realname_field", "date of birth"),
    "address": NP_("realname_field", "address"),
    "document": NP_("realname_field", "document"),
    "type": NP_("realname_field", "type"),
    "number": NP_("realname_field", "number"),
    "capture": NP_("realname_field", "capture"),
    "proof": NP_("realname_field", "proof"),
    "operator": NP_("realname_field", "operator"),
    "service": NP_("realname_field", "service"),
    "line": NP_("realname_field", "line"),
    "authorisation_letter": NP_("realname_field", "authorisation letter"),
    "agent_authorisation_letter": NP_("realname_field", "agent's authorisation letter"),
}
# TRANSLATORS: between the parts of a field's place in a request ("holder › document › number").
_PATH = N_(" › ")


def _field(loc: tuple[int | str, ...]) -> Message:
    english = ".".join(str(part) for part in loc) or "(top level)"
    if not loc:
        return Message.term(english, NP_("realname_field", "the request as a whole"))
    return Message.term(english, Message.join([_FIELDS.get(str(part), str(part)) for part in loc], _PATH))


def _problem(error: Any) -> Message:
    template = _PROBLEMS.get(error["type"], N_("This value is not valid."))
    values = {key: value for key, value in (error.get("ctx") or {}).items() if isinstance(value, int | str)}
    return Message.term(error["msg"], template, **values)
