"""HTTP API of the do-not-call registers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from telreg.deps import DbSession, RuntimeDep
from telreg.dnc import service

router = APIRouter(prefix="/api/v1/dnc", tags=["do-not-call"])


@router.get("/status/{number}", response_model=None)
def status(number: str, session: DbSession, runtime: RuntimeDep) -> dict[str, Any]:
    """Tell whether a number is listed on each register, since when, and from when it is protected."""
    return service.number_status(session, settings=runtime.settings, number=number)


__all__ = ["router", "JSONResponse"]
