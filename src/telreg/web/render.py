"""Rendering of server-side pages (placeholder until the pages land)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from telreg.core.errors import DomainError


def render_error(request: Request, exc: DomainError, *, headers: dict[str, str] | None = None) -> Response:
    return HTMLResponse(f"<p>{exc.message}</p>", status_code=exc.status_code, headers=headers)
