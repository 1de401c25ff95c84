"""Who may call a route, declared where the check is made.

Every route says what access it needs through its dependencies, so the declaration cannot be forgotten and
cannot drift from the check:

* the dependencies that check a caller carry an :class:`Access` (``@declares(Access.staff("regulator",
  "admin"))`` on ``_regulator``, ``@declares(SENDER)`` on the sender's session check, ...);
* a route that needs no credentials says so with the :data:`Public` marker (``dependencies=[Public]``, or
  ``APIRouter(dependencies=[Public])`` for a wholly public router); a mounted application or a plain Starlette
  route is marked with :func:`public`;
* a check made inside the handler (a proved lookup code, a sender page's redirect to its log-in) is declared
  with a marker too (:func:`marker`), next to the code that checks.

:func:`declared_access` walks a route's dependency tree and returns the declarations found; a declared
dependency stands for its whole subtree (``_regulator`` depends on the signed-in check, which declares
"any staff": the route's access is the narrower one). tests/core/test_route_access.py fails for a route with
none or with two, then calls every route as each kind of caller and checks the answers against them.

    Access
      kind: public | staff | sender-session | sender | lookup-proof | signed-request | operations | development
      roles: for staff, the roles any one of which lets the caller in (admin is listed where it passes)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import Depends
from fastapi.params import Depends as DependsParam

__all__ = [
    "ACCESS_ATTRIBUTE",
    "DEVELOPMENT",
    "LOOKUP_PROOF",
    "OPERATIONS",
    "PUBLIC",
    "SENDER",
    "SENDER_SESSION",
    "SIGNED_REQUEST",
    "STAFF",
    "Access",
    "Kind",
    "Public",
    "declared_access",
    "declares",
    "document_access",
    "marker",
    "public",
    "public_openapi",
]

ACCESS_ATTRIBUTE = "__telreg_access__"
F = TypeVar("F")


class Kind(StrEnum):
    public = "public"  # anyone, no credentials (forms still carry the session's CSRF token)
    staff = "staff"  # a signed-in staff account; Access.roles narrows it
    sender_session = "sender-session"  # a signed-in sender's browser session (pages: a redirect to the log-in)
    sender = "sender"  # a sender's browser session or one of the account's API keys
    lookup_proof = "lookup-proof"  # a proved one-identity lookup code held by the session
    signed_request = "signed-request"  # a request signed with a shared secret (a provider's webhook)
    operations = "operations"  # the monitoring token (open outside production while none is set)
    development = "development"  # development servers only; in production the address does not exist (404)


@dataclass(frozen=True)
class Access:
    """What a caller needs to use a route."""

    kind: Kind
    roles: frozenset[str] = field(default_factory=frozenset)  # staff: any one of these; empty: any staff

    @classmethod
    def staff(cls, *roles: str) -> Access:
        return cls(Kind.staff, frozenset(roles))

    def __str__(self) -> str:
        return f"{self.kind} {{{', '.join(sorted(self.roles))}}}" if self.roles else str(self.kind)


PUBLIC = Access(Kind.public)
STAFF = Access(Kind.staff)
SENDER_SESSION = Access(Kind.sender_session)
SENDER = Access(Kind.sender)
LOOKUP_PROOF = Access(Kind.lookup_proof)
OPERATIONS = Access(Kind.operations)
SIGNED_REQUEST = Access(Kind.signed_request)
DEVELOPMENT = Access(Kind.development)


def declares(access: Access) -> Callable[[F], F]:
    """Decorate a dependency that checks the caller with the access it grants."""

    def mark(dependency: F) -> F:
        setattr(dependency, ACCESS_ATTRIBUTE, access)
        return dependency

    return mark


def marker(access: Access) -> DependsParam:
    """A dependency that checks nothing and declares ``access``: for a check made in the handler."""

    def declared() -> None:
        return None

    declared.__name__ = declared.__qualname__ = f"declared_{str(access.kind).replace('-', '_')}"
    return Depends(declares(access)(declared))


Public = marker(PUBLIC)
"""``dependencies=[Public]``: the route (or router) needs no credentials, on purpose."""


def public(app: F) -> F:
    """Mark a mounted application or a plain endpoint as public (e.g. ``app.mount("/static", public(...))``)."""
    return declares(PUBLIC)(app)


def public_openapi(app: Any) -> None:
    """Mark FastAPI's own route serving the OpenAPI document as public (it is added by FastAPI itself)."""
    for route in app.router.routes:
        if getattr(route, "path", None) == app.openapi_url and hasattr(route, "endpoint"):
            public(route.endpoint)


_ERROR_BODY = {"application/json": {"schema": {
    "type": "object", "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}}}
_REFUSALS: dict[str, str] = {
    "401": "not_authenticated (or api_key_rejected, lookup_access_ended): the credentials this route "
           "declares are missing or no longer valid",
    "403": "permission_denied (the role is not enough), password_change_required, or csrf_rejected (a "
           "signed-in session did not send its X-CSRF-Token)",
}
_MALFORMED = "http_error: the body could not be read (not JSON, or not the declared encoding)"
_NOT_FOUND = "not found: nothing has the identifier given in the address"


def document_access(app: Any) -> None:
    """Add each route's refusals to the OpenAPI document, from its declaration: 401 and 403 where it needs
    credentials; and, whatever the access, 400 where it reads a body and 404 where its address names a
    resource. Call once, after the routers are included."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            _document_refusals(app, document)
            app.openapi_schema = document
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi


def _document_refusals(app: Any, document: dict[str, Any]) -> None:
    from fastapi.routing import iter_route_contexts

    paths = document.get("paths", {})
    for context in iter_route_contexts(app.routes):
        declared = declared_access(context)
        path = re.sub(r"\{([^}:]+):[^}]*\}", r"{\1}", str(context.path))  # {address:path} is {address} there
        for method in context.methods or ():
            operation = paths.get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            refusals = dict(_REFUSALS) if declared and declared[0].kind is not Kind.public else {}
            if "requestBody" in operation:
                refusals["400"] = _MALFORMED
            if "{" in path:
                refusals["404"] = _NOT_FOUND
            for status, description in refusals.items():
                responses.setdefault(status, {"description": description, "content": _ERROR_BODY})


def declared_access(route: Any) -> tuple[Access, ...]:
    """The declarations that govern ``route`` (an APIRoute, a RouteContext, a Mount or a plain Route).

    A declared dependency's own dependencies are not looked into: it stands for them. The same declaration
    found twice (a dependency listed on the route and taken as a parameter) counts once.
    """
    dependant = _dependant(route)
    if dependant is not None:
        return tuple(dict.fromkeys(_walk(dependant)))
    for target in (getattr(route, "endpoint", None), getattr(route, "app", None)):
        access = getattr(target, ACCESS_ATTRIBUTE, None) if target is not None else None
        if isinstance(access, Access):
            return (access,)
    return ()


def _dependant(route: Any) -> Any:
    try:
        return route.dependant
    except AttributeError:
        return None


def _walk(dependant: Any) -> Iterable[Access]:
    for sub in dependant.dependencies:
        access = getattr(sub.call, ACCESS_ATTRIBUTE, None)
        if isinstance(access, Access):
            yield access
        else:
            yield from _walk(sub)
