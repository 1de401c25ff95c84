"""Turn the shop page's form fields into the registration request the API takes (the same JSON), and back.

Fields are flat, one prefix per party: ``holder_``, ``guardian_``, ``agent_``, ``handler_``, each with
``name``, ``date_of_birth``, ``address``, ``doc_type``, ``doc_number``, ``capture``, ``doc_proof`` (a card
reader's proof of what it read). An empty field is left
out, so the request's own validation says "Field required" instead of "not a date". A party whose fields are
all empty is not there at all (no guardian, no agent).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from starlette.datastructures import UploadFile

from telreg.core.errors import InvalidInput
from telreg.core.files import size_text
from telreg.core.i18n import N_
from telreg.realname.policy import Policy
from telreg.realname.schemas import LETTER_MAX_CHARS, RegistrationRequest, parse_request

__all__ = ["PARTY_FIELDS", "is_minor_holder", "registration_request"]

PARTY_FIELDS = ("name", "date_of_birth", "address", "doc_type", "doc_number", "capture", "doc_proof")
_LETTER_MAX_BYTES = LETTER_MAX_CHARS // 4 * 3  # what fits in the letter field once in base64


def registration_request(form: dict[str, Any]) -> RegistrationRequest:
    """Build and validate the request; raise InvalidInput listing each problem with its place."""
    kind = form.get("holder_kind") or "person"
    holder = _party(form, "holder", kind=kind) or {"kind": kind}
    if kind == "organisation":
        holder.pop("date_of_birth", None)
        handler = _party(form, "handler")
        if handler is not None:
            holder["handler"] = handler
        letter = _letter(form, "handler")
        if letter is not None:
            holder["authorisation_letter"] = letter
    body: dict[str, Any] = {key: form[key] for key in ("operator", "number", "service", "line")
                            if form.get(key)}
    body["holder"] = holder
    for role in ("guardian", "agent"):
        party = _party(form, role)
        if party is not None:
            body[role] = party
    agent_letter = _letter(form, "agent") if "agent" in body else None
    if agent_letter is not None:
        body["agent_authorisation_letter"] = agent_letter
    return parse_request(RegistrationRequest, body, source=N_("the form"))


def is_minor_holder(form: dict[str, Any], *, policy: Policy, on: dt.date) -> bool:
    """Tell whether the date of birth typed so far makes a person holder a minor under the policy."""
    if (form.get("holder_kind") or "person") != "person":
        return False
    try:
        born = dt.date.fromisoformat(form.get("holder_date_of_birth") or "")
    except ValueError:
        return False
    return policy.is_minor(dob=born, on=on)


def _party(form: dict[str, Any], prefix: str, *, kind: str = "person") -> dict[str, Any] | None:
    values = {name: form.get(f"{prefix}_{name}") or "" for name in PARTY_FIELDS}
    # Selects (document type, capture) always carry a value: only typed fields say the party is there.
    if not any(values[name] for name in ("name", "date_of_birth", "address", "doc_number")):
        return None
    party: dict[str, Any] = {"kind": kind}
    for name in ("name", "date_of_birth", "address"):
        if values[name]:
            party[name] = values[name]
    document = {"type": values["doc_type"], "number": values["doc_number"], "capture": values["capture"],
                "proof": values["doc_proof"]}
    party["document"] = {k: v for k, v in document.items() if v}
    return party


def _letter(form: dict[str, Any], role: str) -> str | None:
    """The letter a party brings (the handler's from the organisation, the agent's from the holder): a scan
    in base64, or else the reference typed."""
    upload = form.get(f"{role}_letter_file")
    if isinstance(upload, UploadFile):
        data = upload.file.read(_LETTER_MAX_BYTES + 1)
        if len(data) > _LETTER_MAX_BYTES:
            raise InvalidInput(N_("The letter's scan is larger than %(limit)s, the most it may be."),
                               limit=size_text(_LETTER_MAX_BYTES), field=f"{role}_letter_file")
        if data:
            return base64.b64encode(data).decode("ascii")
    return form.get(f"{role}_letter") or None
