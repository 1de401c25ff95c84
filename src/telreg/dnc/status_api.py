"""``GET /api/v1/dnc/status/{number}``: the public status look-up, answered from this process's listing index.

The look-up is the registers' hot path (the public and senders' scripts ask it all day), so it is served like OCSP
(ecert/status_api.py): a plain Starlette route, which web/hot_routes.py puts at the head of the app's routes. Measured
in process, FastAPI's matching of the routes before it and its per-request dependency solving (the app-wide input
guard and the access marker) were ~half of an answer's CPU time; the answer itself — the index's look-ups, the
protection date from the cached calendar, the document serialised once — is a few microseconds. No database
session is opened and no thread is hopped to.

What the FastAPI operation gave is kept:

* the input guard (web/input_guard.check_inputs) runs whenever the request carries something beyond a number's
  plain spelling (a query string, or a character outside digits, spaces, ``+`` and ``-``), so a control character
  gets the same 422 ``invalid_input`` as on every route;
* any method but GET is a 405 through the app's one handler, which names the methods the address accepts (those of
  the documented operation below: GET);
* the latency histogram labels it with the route template (core/metrics.py reads ``scope["route"]``);
* the OpenAPI document still describes it: the FastAPI operation ``status`` below declares the same address and
  answers the same way; the plain route, matched first, serves every request.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from telreg.core.access import Public, public
from telreg.dnc import service
from telreg.dnc.listing_index import listing_index
from telreg.dnc.schemas import NumberStatus
from telreg.web.input_guard import check_inputs

__all__ = ["router"]

PATH = "/api/v1/dnc/status/{number}"
_PLAIN = re.compile(r"[0-9+ -]{1,32}")  # a number as people write it; anything else meets the input guard first

router = APIRouter(tags=["do-not-call"])


def _answer(request: Request, number: str) -> Response:
    document = service.current_status(listing_index(request.app.state.runtime), number=number)
    return Response(json.dumps(document, separators=(",", ":")).encode(), media_type="application/json")


@public
async def _status(request: Request) -> Response:
    if request.method != "GET":
        raise StarletteHTTPException(status_code=405)  # the app's handler adds Allow from the operation: GET
    request.scope["route"] = _documented  # the metrics label: the template, never the number asked
    number = request.path_params["number"]
    if request.scope["query_string"] or not _PLAIN.fullmatch(number):
        await check_inputs(request)
    return _answer(request, number)


# No methods: every method matches here, so a PUT is refused by _status (405) rather than by a second route
# whose methods (GET and Starlette's automatic HEAD) would be named in Allow.
router.add_route(PATH, _status, methods=[], include_in_schema=False)


@router.get(PATH, response_model=NumberStatus, response_model_exclude_none=True, dependencies=[Public])
async def status(number: str, request: Request) -> Any:
    """Tell whether a number is listed on each register, since when, and from when it is protected."""
    return _answer(request, number)  # documents the address; _status above answers it


_documented = router.routes[-1]
