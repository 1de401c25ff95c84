"""``GET /metrics``: the Prometheus text format, for the operator's monitoring and nobody else.

Outside production the endpoint is open unless ``metrics_token`` is set. In production it needs that token
as a bearer token (401 without it, or with a wrong one), and with no token configured it does not exist (404,
the answer to any unknown address), so a forgotten setting never publishes queue sizes to the internet.
"""

from __future__ import annotations

import secrets
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from telreg.core.access import OPERATIONS, declares
from telreg.core.metrics import LatencyMiddleware, Metrics
from telreg.deps import RuntimeDep

__all__ = ["install", "router"]


@declares(OPERATIONS)
def _allowed(request: Request, runtime: RuntimeDep) -> None:
    token = runtime.settings.metrics_token
    if token is None:
        if runtime.settings.is_production:
            raise StarletteHTTPException(status_code=404)
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
        # Through the app's one handler like any routing error; the header tells Prometheus what to send.
        raise StarletteHTTPException(
            status_code=401, detail="/metrics needs the bearer token configured in TELREG_METRICS_TOKEN.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )


router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(_allowed)])
def metrics(request: Request) -> Response:
    """Serve every series of this app's registry in the Prometheus text format."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> Metrics:
    """Measure every request of ``app`` and serve ``/metrics``; call before the app starts."""
    app.state.metrics = Metrics(app.state.runtime)
    app.add_middleware(LatencyMiddleware, histogram=app.state.metrics.latency)
    app.include_router(router)
    return app.state.metrics
