"""The web pages router: every context's pages, each package under web/ with its templates beside it.

    web/dnc/       the public status page, the do-not-call officer's dashboard, number history, paper forms
    web/senders/   the senders' portal (apply, sign in, use, lists, washing) and the officers' sender pages
    web/realname/  the shop registration, compliance queues and dashboard, porting, the public lookup
    web/ecert/     the CA officers' counter pages and the public certificate-status page
    web/staff/     staff sign-in, shared by every staff role; mail delivery (the outbox) for officers
    web/dev/       the development inbox (mails, SMS, calls, faxes of the demo); 404 in production
    web/api_docs   the API's documentation pages, /docs and /redoc, with their files (no CDN)
"""

from fastapi import APIRouter

from telreg.web.dnc.officer import router as dnc_officer_router
from telreg.web.dnc.paper import router as paper_router
from telreg.web.dnc.public import router as public_router
from telreg.web.realname.consent import router as realname_consent_router
from telreg.web.realname.dashboard import router as realname_dashboard_router
from telreg.web.realname.retention import router as realname_retention_router
from telreg.web.realname.lookup import router as realname_lookup_router
from telreg.web.realname.porting import router as realname_porting_router
from telreg.web.realname.queues import router as realname_queue_router
from telreg.web.realname.shop import router as realname_shop_router
from telreg.web.senders.lists import router as sender_lists_router
from telreg.web.senders.officer import router as sender_officer_router
from telreg.web.senders.portal import router as sender_router
from telreg.web.senders.signin import router as sender_signin_router
from telreg.web.senders.use import router as sender_use_router
from telreg.web.senders.wash import router as sender_wash_router
from telreg.web.staff.mail import router as staff_mail_router
from telreg.web.staff.approvals import router as staff_approvals_router  # issue 16, the two-person rule
from telreg.web.staff.pages import router as staff_router
from telreg.web.staff.two_factor import router as staff_two_factor_router
from telreg.web.dev.inbox import router as dev_inbox_router
from telreg.web.ecert.officer import router as ecert_officer_router
from telreg.web.incidents.pages import router as incidents_router  # issue 16 §5
from telreg.web.ecert.public import router as ecert_public_router
from telreg.web.lawful.pages import router as lawful_router
from telreg.web.lawful_oversight.pages import router as lawful_oversight_router
from telreg.web.enforcement.public import router as enforcement_public_router  # issue 17
from telreg.web.enforcement.officer import router as enforcement_officer_router
from telreg.web.enforcement.seeds import router as enforcement_seeds_router
from telreg.web.enforcement.statistics import router as enforcement_statistics_router
from telreg.web.api_docs import router as api_docs_router

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(public_router)
router.include_router(api_docs_router)
router.include_router(staff_router)
router.include_router(staff_two_factor_router)
router.include_router(staff_mail_router)
router.include_router(staff_approvals_router)
router.include_router(dev_inbox_router)  # refuses every request in production (404)
router.include_router(dnc_officer_router)
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
router.include_router(realname_consent_router)  # issue 16 §3
router.include_router(realname_retention_router)
router.include_router(ecert_public_router)
router.include_router(ecert_officer_router)
router.include_router(incidents_router)
router.include_router(lawful_router)
router.include_router(lawful_oversight_router)
router.include_router(enforcement_public_router)
router.include_router(enforcement_officer_router)
router.include_router(enforcement_seeds_router)
router.include_router(enforcement_statistics_router)
