"""The lawful-access pages' router, /staff/lawful/…: the agency officers', the supervisors' and the operator
compliance officers' pages. Each route's role check is its lawful/deps.py dependency, so another staff role
(an administrator included) meets the 403 page and a visitor the sign-in form."""

from __future__ import annotations

from fastapi import APIRouter

from telreg.web.lawful.endorsements import router as endorsements_router
from telreg.web.lawful.queue import router as queue_router
from telreg.web.lawful.requests import router as requests_router

__all__ = ["router"]

router = APIRouter()
router.include_router(requests_router)
router.include_router(endorsements_router)
router.include_router(queue_router)
