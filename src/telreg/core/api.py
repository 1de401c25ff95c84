"""Platform-wide endpoints: health."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from telreg.core.access import Public
from telreg.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["platform"])


@router.get("/health", dependencies=[Public])
def health(session: DbSession) -> dict[str, str]:
    """Report that the service runs and its database answers."""
    session.execute(text("SELECT 1"))
    return {"status": "ok"}
