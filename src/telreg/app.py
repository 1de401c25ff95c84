"""create_app(): routers, middleware, the one exception handler, and the runtime on app.state."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from telreg.config import Settings
from telreg.core.access import document_access, public, public_openapi
from telreg.core.errors import DomainError
from telreg.core.i18n import N_, Msgid, format_message, language_from_header
from telreg.ecert.profiles import get_profiles
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime, build_runtime

log = logging.getLogger("telreg.app")
STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or build_runtime()
    get_policy(runtime.settings)  # a broken real-name policy stops start-up, naming the file and line
    get_profiles(runtime.settings)  # so do broken certificate profiles (telreg.ecert.profiles)
    app = FastAPI(title="telreg", version="0.1.0",
                  description="Do-not-call registers, real-name registration, e-Cert",
                  docs_url=None, redoc_url=None,  # /docs and /redoc are served offline: web/api_docs.py
                  lifespan=_lifespan,
                  # No OpenTelemetry here (metrics are core/metrics.py's): off, FastAPI does not ask the OTel
                  # providers on every request whether it is on (three environment look-ups a request).
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    app.state.runtime = runtime
    from telreg.dnc.listing_index import install as install_listing_index  # built at start-up (issue 18 §2)

    install_listing_index(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=_secret_key(runtime.settings),
        same_site="strict",
        https_only=runtime.settings.is_production,
        session_cookie="telreg_session",
    )
    public_openapi(app)  # every route declares its access (telreg.core.access): these two are public
    app.mount("/static", public(StaticFiles(directory=STATIC_DIR)), name="static")
    from telreg.core.metrics_api import install as install_metrics  # imported here, like the routers

    install_metrics(app)  # /metrics, and the latency of every request
    from telreg.core.uploads import BodyLimit  # public upload bodies capped before they are read (issue 14)

    app.add_middleware(BodyLimit, limit=lambda: runtime.settings.upload_max_request_bytes)
    _install_error_handlers(app)
    from telreg.web.input_guard import install as install_input_guard

    install_input_guard(app)  # every route: ids in range, no control characters (before the routers)
    from telreg.web.security_headers import install as install_security_headers

    install_security_headers(app)  # CSP, X-Frame-Options, nosniff, no-store: on every response, a 500 too
    _include_routers(app)
    from telreg.web.hot_routes import install as install_hot_routes

    install_hot_routes(app)  # the status look-up's and the online check's plain routes matched first
    document_access(app)  # 401/403/400 in the OpenAPI document, from the declarations
    from telreg.web.openapi_errors import install as install_openapi_errors

    install_openapi_errors(app)  # the documented 422 is the body the validation handler really answers
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    if getattr(app.state, "freeze_after_start", False):
        # A server process (telreg serve): what start-up built — routes, catalogs, the listing index — lives as
        # long as the process. Frozen out of the collector's sight, a full collection walks only what requests
        # made (over start-up's ~300,000 objects one took up to a second under load: a p99 spike). Not in
        # tests, which build many apps in one process: frozen objects are never freed.
        gc.collect()
        gc.freeze()
    yield
    from telreg.senders.check_records import stop_recorder  # online checks' group commit: drain the queue

    await asyncio.to_thread(stop_recorder, app.state.runtime)


def _include_routers(app: FastAPI) -> None:
    # Imported here so that importing telreg.app stays cheap for the CLI.
    from telreg.core.api import router as core_router
    from telreg.core.auth_api import router as auth_router
    from telreg.core.two_factor_api import router as two_factor_router
    from telreg.core.dev_api import router as dev_router
    from telreg.dnc.api import router as dnc_router
    from telreg.realname.api import router as realname_router
    from telreg.realname.consent_api import router as realname_consent_router  # issue 16 §3
    from telreg.realname.lookup_api import router as realname_lookup_router
    from telreg.realname.lookup_api import staff_router as realname_flags_router
    from telreg.realname.porting_api import router as realname_porting_router
    from telreg.realname.reports_api import router as realname_reports_router
    from telreg.realname.retention_api import router as realname_retention_router
    from telreg.realname.verification_api import router as realname_verification_router
    from telreg.senders.api import router as senders_router
    from telreg.senders.lists.api import router as senders_lists_router
    from telreg.senders.signin_api import captcha_router as senders_captcha_router
    from telreg.senders.signin_api import router as senders_signin_router
    from telreg.senders.usage_api import router as senders_usage_router
    from telreg.senders.washing.api import router as senders_washing_router
    from telreg.core.audit_api import router as audit_router
    from telreg.ecert.signing import router as checkpoint_signature_router
    from telreg.ecert.api import router as ecert_lifecycle_router
    from telreg.ecert.subscription_api import router as ecert_subscription_router
    from telreg.ecert.status_api import router as ecert_status_router
    from telreg.ecert.client_auth_api import router as ecert_client_auth_router
    from telreg.incidents.api import router as incidents_router  # issue 16 §5
    from telreg.lawful.oversight_api import router as lawful_oversight_router
    from telreg.lawful.api import router as lawful_router  # issue 16 §1-2, HI-1 and the decisions
    from telreg.core.dual_control_api import router as approvals_router  # issue 16, the two-person rule
    from telreg.enforcement.reports_api import router as enforcement_reports_router  # issue 17
    from telreg.enforcement.cases_api import router as enforcement_cases_router
    from telreg.enforcement.seeds_api import router as enforcement_seeds_router
    from telreg.enforcement.statistics_api import router as enforcement_statistics_router
    from telreg.web.pages import router as pages_router

    app.include_router(ecert_status_router)  # first: OCSP is the hot path, matched before ~250 routes
    from telreg.dnc.status_api import router as dnc_status_router

    # The status look-up's and the online check's plain routes are matched ahead of every router
    # (web/hot_routes.py); their routers come early for the documented operations they also hold.
    app.include_router(dnc_status_router)
    app.include_router(senders_usage_router)
    # Then real-name registration (issue 18 §4): operators' staff register numbers all day. It serves only
    # /api/v1/realname/…, which none of the routers it goes ahead of serves: only how soon it is matched changes.
    app.include_router(realname_router)
    app.include_router(core_router)
    app.include_router(auth_router)
    app.include_router(two_factor_router)
    if not app.state.runtime.settings.is_production:  # development only (dev_api refuses production too)
        app.include_router(dev_router)
    app.include_router(dnc_router)
    # The IVR webhook is not here: it has a listener of its own (telreg.dnc.ivr_api.create_ivr_app).
    app.include_router(senders_router)
    app.include_router(senders_signin_router)
    app.include_router(senders_captcha_router)
    app.include_router(senders_lists_router)
    app.include_router(senders_washing_router)
    app.include_router(realname_lookup_router)
    app.include_router(realname_flags_router)
    app.include_router(realname_porting_router)
    app.include_router(realname_reports_router)
    app.include_router(realname_retention_router)
    app.include_router(realname_verification_router)
    app.include_router(realname_consent_router)
    app.include_router(audit_router)
    app.include_router(checkpoint_signature_router)  # GET /audit/checkpoint.p7s (issue 15)
    app.include_router(ecert_lifecycle_router)
    app.include_router(ecert_subscription_router)
    app.include_router(ecert_client_auth_router)
    app.include_router(incidents_router)
    app.include_router(lawful_oversight_router)
    app.include_router(lawful_router)
    app.include_router(approvals_router)
    app.include_router(enforcement_reports_router)
    app.include_router(enforcement_cases_router)
    app.include_router(enforcement_seeds_router)
    app.include_router(enforcement_statistics_router)
    app.include_router(pages_router)


def _install_error_handlers(app: FastAPI, *, challenge: Callable[[Request], str] | None = None) -> None:
    """The one error rendering. CHALLENGE gives a 401's WWW-Authenticate (default: a sender's bearer key; the IVR
    listener names its signature scheme instead)."""
    if challenge is None:
        from telreg.core.security import bearer_challenge as challenge

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        headers = {}
        retry_after = exc.extra.get("retry_after")
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if exc.status_code == 401:  # RFC 9110: a 401 names the scheme that is accepted
            headers["WWW-Authenticate"] = challenge(request)
        if not request.url.path.startswith("/api/"):
            from telreg.web.render import render_error

            return render_error(request, exc, headers=headers)
        lang = _language(request)
        headers["Content-Language"] = lang
        return JSONResponse({**exc.to_dict(), "detail": exc.message_in(lang)}, status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _routing_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own 404/405 (no such route, wrong method) go through the same handler as DomainErrors, so
        # a browser gets the error page and an API client the {"error", "detail"} document.
        if exc.status_code == 405:  # Starlette's Allow names the first route at the address, not all of them
            headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
            exc = StarletteHTTPException(405, exc.detail, headers={**headers, "Allow": _allowed_methods(request)})
        response = await _domain_error(request, _as_domain_error(request, exc))
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
            for err in exc.errors()
        ]
        # Pydantic words each problem in English; only the sentence around them is in the reader's language.
        summary = "; ".join(f"{p['field'] or 'request'}: {p['message']}" for p in problems)
        lang = _language(request)
        detail = format_message(lang, N_("The request is not valid: %(summary)s"), {"summary": summary})
        return JSONResponse(
            {"error": "invalid_input", "detail": detail, "problems": problems},
            status_code=422, headers={"Content-Language": lang},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Never a stack trace to the user; the log keeps it for us.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        lang = _language(request)
        detail = format_message(lang, N_("Something went wrong on our side; nothing was changed."))
        return JSONResponse({"error": "internal_error", "detail": detail}, status_code=500,
                            headers={"Content-Language": lang})

    from sqlalchemy.exc import DBAPIError

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        # A lock held past its timeout is "busy, try again" (503 + Retry-After), not a 500 (core/db_busy.py).
        from telreg.core.db_busy import as_database_busy

        busy = as_database_busy(exc, retry_after=request.app.state.runtime.settings.database_busy_retry_after_seconds)
        if busy is None:
            return await _unexpected(request, exc)
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
        return await _domain_error(request, busy)


def _language(request: Request) -> str:
    """The language to answer in: an API client's Accept-Language, a page's chosen language."""
    if request.url.path.startswith("/api/"):
        return language_from_header(request.headers.get("accept-language", ""))
    from telreg.web.i18n import choose_language  # the pages' choice (?lang=, the session, then the header)

    return choose_language(request)


class _RoutingError(DomainError):
    """A framework-level HTTP error (unknown address, wrong method) dressed as a DomainError."""

    def __init__(self, status_code: int, code: str, message: str, **extra: str) -> None:
        super().__init__(message, **extra)
        self.status_code = status_code
        self.code = code

    def to_dict(self) -> dict[str, Any]:
        # The sentence's values are the request's own address and method: the body stays {"error", "detail"}.
        return {"error": self.code, "detail": self.message}


def _allowed_methods(request: Request) -> str:
    """Every method that some route at the request's address accepts."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Match

    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.matches({**request.scope, "method": "\x00"})[0] is not Match.NONE:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def _as_domain_error(request: Request, exc: StarletteHTTPException) -> DomainError:
    path = request.url.path
    if exc.status_code == 404:
        return _RoutingError(404, "page_not_found", N_("There is nothing at %(path)s."), path=path)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("allow", (exc.headers or {}).get("Allow", ""))
        if allowed:
            message = N_("%(path)s does not accept %(method)s; it accepts %(allowed)s.")
            return _RoutingError(405, "method_not_allowed", message, path=path, method=request.method,
                                 allowed=allowed)
        message = N_("%(path)s does not accept %(method)s; it accepts other methods.")
        return _RoutingError(405, "method_not_allowed", message, path=path, method=request.method)
    # Another HTTPException: its detail is shown as it is, translated when it was marked (N_).
    detail = exc.detail if isinstance(exc.detail, Msgid) else str(exc.detail)
    return _RoutingError(exc.status_code, "http_error", detail)


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    if settings.is_production:
        raise RuntimeError("TELREG_SECRET_KEY must be set in production")
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
