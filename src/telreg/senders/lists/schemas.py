"""Request and response models of the lists API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telreg.core.schema_types import Instant


class InstructionCreate(BaseModel):
    number: str = Field(description="The recipient's number, in any form the registers accept (8 digits)")
    instruction: Literal["consent", "unsubscribe"]
    at: Instant = Field(description="When the recipient gave it (ISO; Hong Kong time when no offset)")
    how: str = Field(description="How it was given, e.g. web-form, reply-stop, call, written", max_length=40)
    reference: str | None = Field(default=None, max_length=200)
    client: str = Field(default="", max_length=64, description="Client company's reference; '' for your own list")


class InstructionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_ref: str
    # "register" would shadow BaseModel.register, so the field carries the name as its alias.
    register_: str = Field(alias="register")
    number: str
    instruction: str
    given_at: Instant
    how: str
    reference: str | None
    recorded_at: Instant
    recorded_by: str
    already_recorded: bool = Field(default=False, description="True when this instruction had been recorded "
                                   "before and nothing was added")


class ImportOut(BaseModel):
    register_: str = Field(alias="register")
    client_ref: str
    recorded: int
    consents: int
    unsubscribes: int
    already_recorded: int = Field(description="Lines of the file recorded before (by an earlier import or "
                                  "line); not added again")
    import_id: int | None = Field(default=None, description="The import's record: it was applied in batches and is "
                                  "complete (a failed or interrupted import says how far it got)")
