"""HTTP API of the seed-number pool and seed hits (regulator officers only; never shown to senders).

- ``POST /api/v1/enforcement/seeds`` (multipart ``file``: CSV ``number,operator``): import into the pool, all or
  nothing; a refusal names every bad line (422 ``enforcement_seed_refused`` with ``lines`` and ``problems``).
- ``GET /api/v1/enforcement/seeds``: the pool's counts by state, kind and operator (no number named).
- ``POST /api/v1/enforcement/seeds/assignments/{assignment_id}/retire`` ``{"on"}``: take a seed out of the
  account's publications from that day on (a message at it still traces to the account).
- ``POST /api/v1/enforcement/seed-hits`` ``{number, arrived_at, sender_identification, message_text}``: a message
  at a seed number from an operator's feed; recorded as an ``operator-feed`` report, traced, case opened.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel, Field

from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.seeds import assign, hits, pool

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/enforcement", tags=["enforcement: seed numbers"])


class SeedHitIn(BaseModel):
    number: str = Field(description="The seed number the message arrived at")
    arrived_at: str = Field(description="When it arrived: ISO 8601 (Hong Kong time unless an offset is given)")
    sender_identification: str = Field(description="The sender's number or name as shown")
    message_text: str = Field("", description="The message text")
    register_name: str | None = Field(None, alias="register",
                                      description="fax | sms | prerecorded (default: the seed's register)")

    model_config = {"populate_by_name": True}


class RetireIn(BaseModel):
    on: dt.date | None = Field(None, description="The first publication day without the seed (default: today)")


@router.get("/seeds")
def pool_state(session: DbSession, officer: EnforcementOfficer) -> Any:
    """The seed pool's counts: by state (free, assigned, retired), by kind and by operator."""
    return pool.pool_counts(session)


@router.post("/seeds", status_code=201, dependencies=OFFICER_CHANGE,
             responses={422: {"description": "enforcement_seed_refused: the bad lines, nothing imported"}})
def import_seeds(session: DbSession, runtime: RuntimeDep, officer: EnforcementOfficer,
                 file: Annotated[UploadFile, File(description="CSV number,operator")]) -> Any:
    """Import seed numbers (CSV ``number,operator``) into the pool: all or nothing."""
    content = file.file.read(pool.MAX_IMPORT_BYTES + 1)
    added = pool.import_seeds(session, clock=runtime.clock, content=content, actor=officer.username,
                              source=file.filename or "upload")
    return {"added": len(added), "pool": pool.pool_counts(session)}


@router.post("/seeds/assignments/{assignment_id}/retire", dependencies=OFFICER_CHANGE)
def retire(assignment_id: int, body: RetireIn, session: DbSession, runtime: RuntimeDep,
           officer: EnforcementOfficer) -> Any:
    """Retire a seed assignment: the seed leaves the account's files from that publication day on."""
    found = assign.retire(session, clock=runtime.clock, assignment_id=assignment_id, on=body.on,
                          actor=officer.username)
    return {"assignment_id": found.id, "account_id": found.account_id, "register": found.register,
            "retired_on": found.retired_on.isoformat() if found.retired_on else None}


@router.post("/seed-hits", status_code=201, dependencies=OFFICER_CHANGE)
def seed_hit(body: SeedHitIn, session: DbSession, runtime: RuntimeDep, officer: EnforcementOfficer) -> Any:
    """A message at a seed number (operator feed): recorded as a report, traced to the account, case opened."""
    return hits.record_seed_hit(session, runtime=runtime, officer_username=officer.username, number=body.number,
                                arrived_at=body.arrived_at, sender_identification=body.sender_identification,
                                message_text=body.message_text, register=body.register_name)
