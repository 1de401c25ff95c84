"""The web pages router: the public status page, staff sign-in, the officer pages and the sender portal."""

from fastapi import APIRouter

from telreg.web.paper_pages import router as paper_router
from telreg.web.realname_dashboard_pages import router as realname_dashboard_router
from telreg.web.sender_lists_pages import router as sender_lists_router
from telreg.web.public_pages import router as public_router
from telreg.web.realname_lookup_pages import router as realname_lookup_router
from telreg.web.realname_porting_pages import router as realname_porting_router
from telreg.web.realname_queue_pages import router as realname_queue_router
from telreg.web.realname_shop_pages import router as realname_shop_router
from telreg.web.sender_officer_pages import router as sender_officer_router
from telreg.web.sender_pages import router as sender_router
from telreg.web.sender_signin_pages import router as sender_signin_router
from telreg.web.sender_use_pages import router as sender_use_router
from telreg.web.sender_wash_pages import router as sender_wash_router
from telreg.web.staff_pages import router as staff_router

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(public_router)
router.include_router(staff_router)
router.include_router(paper_router)
router.include_router(sender_router)
router.include_router(sender_signin_router)
router.include_router(sender_use_router)
router.include_router(sender_lists_router)
router.include_router(sender_wash_router)
router.include_router(sender_officer_router)
router.include_router(realname_lookup_router)
router.include_router(realname_shop_router)
router.include_router(realname_porting_router)
router.include_router(realname_queue_router)
router.include_router(realname_dashboard_router)
