"""No route holds two pooled connections: a route that reads through ReadSession while its sign-in check reads
through DbSession takes two, and 15 such requests at once can hold the whole pool (5 + 10 overflow) while each waits
for its second connection — a 30-second stall, then errors (found by bench/realname.py at 32 clients)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute

from telreg.deps import get_read_session, get_session


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _calls(dependant: Any, found: set[Any]) -> set[Any]:
    for sub in dependant.dependencies:
        found.add(sub.call)
        _calls(sub, found)
    return found


def test_no_route_depends_on_both_sessions(client: Any) -> None:
    api_routes = [r for r in _routes(client.app.routes) if isinstance(r, APIRoute)]
    assert len(api_routes) > 100  # the walk really found the routers
    both = sorted(f"{sorted(r.methods)} {r.path}" for r in api_routes
                  if {get_session, get_read_session} <= _calls(r.dependant, set()))
    assert both == []
