"""The regulator officer's enforcement pages, under /staff/enforcement:

    reports           officer_reports.py   the queue, a phone/paper report, one report and its assessment
    cases, documents  officer_cases.py     the cases, one case and its steps, the documents' files
    fines             officer_fines.py     the effective-dated fine scale and its revisions

Who: a regulator (an administrator passes): enforcement/deps.py.
"""

from __future__ import annotations

from fastapi import APIRouter

from telreg.web.enforcement import officer_cases, officer_fines, officer_reports

__all__ = ["router"]

router = APIRouter()
router.include_router(officer_reports.router)
router.include_router(officer_cases.router)
router.include_router(officer_fines.router)
