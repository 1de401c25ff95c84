"""The security headers of every response: pages, API answers, static files, error pages, even a 500.

* ``Content-Security-Policy`` (``POLICY``): scripts, styles and images from this site only, no inline script
  or style attribute, no plugins, no ``<base>``, forms post here, nobody frames us. A response that brings its
  own policy keeps it (the API documentation pages, web/api_docs.py, which list their inline scripts' hashes);
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``;
* ``Referrer-Policy: same-origin``: an address with a number or a token in it never leaks to another site;
* ``X-Content-Type-Options: nosniff``: an uploaded or exported file is never run as a script or a page;
* ``Cache-Control: no-store`` on every answer the app builds (pages and API answers carry people's numbers,
  names and tokens, and the back button or a shared proxy must not keep them). Static files and the
  documentation's assets are not personal and keep their own caching; so does any response that sets its own.

``install`` wraps the whole middleware stack, outside Starlette's ServerErrorMiddleware, so the headers are on
the 500 document too.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["POLICY", "SecurityHeadersMiddleware", "install"]

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_ALWAYS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
_SHARED_FILES = ("/static/", "/docs/assets/")  # the same bytes for everyone


class SecurityHeadersMiddleware:
    """A pure ASGI middleware: adds the headers to the response's start message, streams untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        personal = not scope.get("path", "").startswith(_SHARED_FILES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = POLICY
                for name, value in _ALWAYS.items():
                    headers[name] = value
                if personal and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Put the headers on every response of APP, its 500 answers included (call once, in create_app)."""
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build())

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
