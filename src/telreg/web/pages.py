"""The web pages router: the public status page, staff sign-in and the officer pages, each in a module."""

from fastapi import APIRouter

from telreg.web.paper_pages import router as paper_router
from telreg.web.public_pages import router as public_router
from telreg.web.staff_pages import router as staff_router

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(public_router)
router.include_router(staff_router)
router.include_router(paper_router)
