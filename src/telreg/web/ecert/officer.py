"""The CA officers' pages, /staff/ecert/… (role ca-officer; an administrator passes): one router made of the
applications, certificates and subscriptions pages. The role check is each route's ``CaOfficer`` dependency
(telreg.ecert.deps), so another staff role meets the 403 page and a visitor the sign-in form."""

from __future__ import annotations

from fastapi import APIRouter

from telreg.web.ecert.applications import router as applications_router
from telreg.web.ecert.certificates import router as certificates_router
from telreg.web.ecert.subscriptions import router as subscriptions_router

__all__ = ["router"]

router = APIRouter()
router.include_router(applications_router)
router.include_router(certificates_router)
router.include_router(subscriptions_router)
