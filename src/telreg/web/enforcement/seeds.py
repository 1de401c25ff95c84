"""The seed-number page: /staff/enforcement/seeds — the pool's counts by state, kind and operator, the form that
imports numbers (a refusal lists every bad line, in the page's language), and the recent hits with their cases.

Who: a regulator (an administrator passes). Never shown to senders: no page of theirs names a seed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.seeds import hits, pool
from telreg.runtime import Runtime
from telreg.web.enforcement.officer_common import PAGE, Form, actor, explain
from telreg.web.render import redirect, render

__all__ = ["router"]

SEEDS = f"{PAGE}/seeds"
router = APIRouter(prefix=SEEDS)


def _page(request: Request, session: Session, runtime: Runtime, *, imported: int | None = None,
          extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "enforcement/seeds_pool.html", {
        "counts": pool.pool_counts(session), "hits": hits.recent_hits(session, limit=20), "imported": imported,
        **(extra or {})}, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def seeds_page(request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
               imported: int | None = None) -> HTMLResponse:
    """The seed pool's counts, the import form and the recent hits."""
    return _page(request, session, runtime, imported=imported)


@router.post("", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def import_seeds(request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
                 form: Form) -> Response:
    """Import a CSV file of seed numbers (number,operator): all of it, or none of it with the bad lines."""
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInput(N_("Choose a CSV file of seed numbers (number,operator)."), field="file")
        content = upload.file.read(pool.MAX_IMPORT_BYTES + 1)
        added = pool.import_seeds(session, clock=runtime.clock, content=content, actor=actor(user),
                                  source=upload.filename or "upload")
    except DomainError as exc:
        session.rollback()
        return _page(request, session, runtime, extra=explain(request, exc), status_code=exc.status_code)
    return redirect(f"{SEEDS}?imported={len(added)}")
