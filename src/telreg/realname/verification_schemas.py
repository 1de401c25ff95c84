"""Request and response models of the verification register and the online checks."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DocumentCheckIn", "DocumentCheckOut", "FlagOut", "FlagRowIn", "FlagRowsIn", "LoadOut"]

MAX_ROWS = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FlagRowIn(_Strict):
    """One flag, as a line of the CSV file. Checked with the whole load: problems come back by row number."""

    doc_type: str = Field(max_length=32, description="Document type code, e.g. hkid, cn-resident-id")
    number: str = Field(max_length=200, description="The document number as printed")
    result: str = Field(max_length=16, description="forged | lost | impostor")
    reason: str = Field("", max_length=1000, description="Where the report came from (500 characters kept)")
    owner_name: str | None = Field(None, max_length=1000,
                                   description="Impostor only: whose document it really is (stored sealed)")


class FlagRowsIn(_Strict):
    rows: list[FlagRowIn] = Field(min_length=1, max_length=MAX_ROWS)


class LoadOut(BaseModel):
    added: int
    replaced: int
    unchanged: int
    flag_ids: list[int]
    replaced_flags: list[dict[str, int]]
    unchanged_lines: list[dict[str, int]]


class FlagOut(BaseModel):
    id: int
    doc_type: str
    document: str = Field(description="Masked, e.g. A123***(*)")
    result: str
    reason: str
    owner_name: str | None = Field(description="Masked")
    in_force: bool
    loaded_at: str
    loaded_by: str
    withdrawn_at: str | None
    withdrawn_by: str | None


class _DocumentIn(_Strict):
    type: str = Field(min_length=1, max_length=32, description="Type code, e.g. cn-resident-id")
    number: str = Field(min_length=1, max_length=200, description="As printed")


class DocumentCheckIn(_Strict):
    document: _DocumentIn
    name: str = Field(min_length=1, max_length=200, description="Name as on the document")
    date_of_birth: dt.date | None = Field(None, description="Must agree with the document's if it has one")


class DocumentCheckOut(BaseModel):
    doc_type: str
    document: str = Field(description="Masked")
    adapter: str = Field(description="The verifier asked (register, none, …)")
    result: str = Field(description="verified | not verified online | forged | lost | impostor")
    refused: bool = Field(description="A registration with this document would be refused")
    code: str | None = Field(description="That refusal's code: document_forged, document_lost, "
                                         "identity_impostor")
    capture: str
    proof: str | None = Field(description="Send as document.proof with capture online_verification "
                                          "(verified documents only)")
    proof_expires_at: str | None
