"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), and every file they load.

FastAPI's own pages fetch Swagger UI and ReDoc from a CDN, so on a network without a way out (a regulator's
internal network, a demonstration laptop offline) they stay blank. Their scripts, stylesheet and icon come
from the installed ``fastapi-offline`` package instead (Swagger UI: Apache-2.0, ReDoc: MIT, the package: MIT),
answered under ``/docs/assets/`` from a fixed list of names; the pages are FastAPI's, pointed at those files,
without ReDoc's Google Fonts. A Content-Security-Policy lets the browser load nothing from another site (ReDoc
would otherwise fetch its maker's logo; the page shows the link without it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from telreg.core.access import Public
from telreg.core.errors import NotFound
from telreg.core.i18n import N_

__all__ = ["ASSETS_DIR", "ASSETS_PATH", "router"]

ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_PATH = "/docs/assets"
_ASSETS = {  # the only names answered, with their types
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}

# These two pages' own policy, relaxed from the site's (web/security_headers.py) only as far as the tools need:
# Swagger UI's inline start-up script by its hash (no other inline script runs), both tools' generated styles,
# blob: ReDoc's search worker.
_POLICY = ("default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False, dependencies=[Public])


def _asset(request: Request, name: str) -> str:
    return f"{request.scope.get('root_path', '')}{ASSETS_PATH}/{name}"


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


def _local_only(page: HTMLResponse) -> HTMLResponse:
    hashes = [base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
              for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())]
    page.headers["Content-Security-Policy"] = _POLICY.format(
        scripts=" ".join(f"'sha256-{h}'" for h in hashes))
    return page


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: try the API in the browser (the padlock takes a sender's API key)."""
    return _local_only(get_swagger_ui_html(
        openapi_url=_openapi_url(request), title=f"{request.app.title} API", oauth2_redirect_url=None,
        swagger_js_url=_asset(request, "swagger-ui-bundle.js"),
        swagger_css_url=_asset(request, "swagger-ui.css"), swagger_favicon_url=_asset(request, "favicon.png"),
        # No validator badge: Swagger UI would fetch it from validator.swagger.io.
        swagger_ui_parameters={**(request.app.swagger_ui_parameters or {}), "validatorUrl": None},
    ))


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc: the API reference to read."""
    return _local_only(get_redoc_html(
        openapi_url=_openapi_url(request), title=f"{request.app.title} API",
        redoc_js_url=_asset(request, "redoc.standalone.js"), redoc_favicon_url=_asset(request, "favicon.png"),
        with_google_fonts=False,
    ))


@router.get(ASSETS_PATH + "/{name}")
def asset(name: str) -> FileResponse:
    """One of the documentation pages' files (a fixed list), from the installed package."""
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise NotFound(N_("There is no documentation file named %(name)s."), name=name)
    return FileResponse(ASSETS_DIR / name, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=86400"})
