"""Request and response models of the one-identity lookup API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from telreg.core.schema_types import Instant

__all__ = ["CodeProof", "CodeRequest", "CodeRequestedOut", "FlagCloseIn", "FlagIn", "FlagOut", "LookupOpened",
           "StaffFlagOut"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentGiven(_Strict):
    type: str = Field(min_length=1, max_length=32, description="A personal document type of the policy")
    number: str = Field(min_length=1, max_length=200, description="The document number as printed")


class CodeRequest(_Strict):
    document: DocumentGiven
    number: str = Field(min_length=1, max_length=32, description="One of your numbers: the code goes there")
    lang: Literal["en", "zh-Hant", "zh-Hans"] = Field("en", description="Language of the SMS")


class CodeRequestedOut(BaseModel):
    challenge: str = Field(description="Give it back with the code")
    expires_at: Instant
    message: str


class CodeProof(_Strict):
    challenge: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=20)


class LookupOpened(BaseModel):
    csrf_token: str = Field(description="Send it as X-CSRF-Token with flags")
    expires_at: Instant
    summary: dict[str, Any]


class FlagIn(_Strict):
    position: int | None = Field(None, ge=1, description="Position in your operator's list (1 = first)")
    number: str | None = Field(None, max_length=32, description="Or the full number, with any operator")


class FlagOut(BaseModel):
    id: int
    number: str = Field(description="Masked")
    status: str
    at: Instant
    created: bool = Field(description="False when the number was flagged already and still open")


class FlagCloseIn(_Strict):
    note: str = Field(min_length=1, max_length=1000)


class StaffFlagOut(BaseModel):
    id: int
    number: str
    at: Instant
    status: Literal["open", "closed"]
    holder: dict[str, Any]
    still_held: bool
    note: str | None
    closed_at: Instant | None
    closed_by: str | None
