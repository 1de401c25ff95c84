"""The hot paths' plain routes, matched before every other route of the app.

The public status look-up (dnc/status_api.py) and the senders' online check (senders/usage_api.py) are answered by
plain Starlette routes that their modules add to their routers ahead of the documented FastAPI operations (those
modules say what the plain routes keep of the operations). Included that way they were still matched late:
FastAPI (0.165) keeps each included router as one entry of the app's routes and matches a request against it by
walking that router's routes, then once more when the router handles it, so every router included before a hot
route cost each of its requests. Measured in process, a status look-up spent about a quarter of its CPU matching.

``install`` puts the same endpoints, under the same addresses, at the head of the app's own routes. The copies in
the routers stay (never reached by the app, and still what the mutual-TLS listener's app does not include: it takes
the documented operations only). Call it once, after the routers are included.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Route

__all__ = ["install"]


def install(app: FastAPI) -> None:
    from telreg.dnc.status_api import PATH as STATUS_PATH
    from telreg.dnc.status_api import _status
    from telreg.senders.usage_api import CHECK_PATH, _check_plain

    # methods=[]: every method matches, so the endpoints themselves answer another method as their operations do
    # (a 405 naming the operation's methods).
    hot = [Route(STATUS_PATH, _status, methods=[], include_in_schema=False),
           Route(CHECK_PATH, _check_plain, methods=[], include_in_schema=False)]
    app.router.routes[0:0] = hot
