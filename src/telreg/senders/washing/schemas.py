"""Response models of the washing service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["WashOut"]


class WashOut(BaseModel):
    """A wash: its upload, its state, and once done the publication used and the counts per decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    # "register" would shadow BaseModel.register, so the field carries the name as its alias.
    register_: str = Field(alias="register")
    client_ref: str
    client_reference: str | None
    column: str | None
    send_date: dt.date
    state: str
    input_name: str
    input_size: int
    input_sha256: str
    publication_date: dt.date | None
    publication_sha256: str | None
    counts: dict[str, Any] | None
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    expires_at: dt.datetime
    files: list[str] = []

    @classmethod
    def of(cls, wash: Any, *, base: str) -> WashOut:
        out = cls.model_validate(wash)
        if wash.state == "done":
            from telreg.senders.washing.files import OUTPUTS

            out.files = [f"{base}/{wash.id}/files/{name}" for name in OUTPUTS]
        return out
