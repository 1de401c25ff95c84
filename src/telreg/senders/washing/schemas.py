"""Response models of the washing service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from telreg.core.schema_types import Instant

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
    # A failed wash: why, in the request's language; and the same as a stable code and its values.
    error: str | None
    error_code: str | None = None
    error_params: dict[str, Any] | None = None
    created_at: Instant
    started_at: Instant | None
    finished_at: Instant | None
    expires_at: Instant
    files: list[str] = []

    @classmethod
    def of(cls, wash: Any, *, base: str, lang: str = "en") -> WashOut:
        from telreg.senders.washing.service import failure_text

        out = cls.model_validate(wash)
        out.error = failure_text(wash, lang)
        if wash.state == "done":
            from telreg.senders.washing.files import OUTPUTS

            out.files = [f"{base}/{wash.id}/files/{name}" for name in OUTPUTS]
        return out
