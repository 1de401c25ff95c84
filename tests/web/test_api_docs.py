"""/docs and /redoc work offline: every file they load is served by telreg itself, none from a CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest

# Every URL a page names: attributes (src, href) and the strings its script passes (url: '…', spec-url).
_URLS = re.compile(r"""(?:src|href|url|spec-url)\s*[=:]\s*["']([^"']+)["']""")


@pytest.mark.parametrize(("page", "loads"), [
    ("/docs", {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/assets/favicon.png",
               "/openapi.json"}),
    ("/redoc", {"/docs/assets/redoc.standalone.js", "/docs/assets/favicon.png", "/openapi.json"}),
])
def test_the_documentation_pages_load_only_local_files(client: Any, page: str, loads: set[str]) -> None:
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    urls = set(_URLS.findall(html))
    assert loads <= urls, urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts
    policy = response.headers["content-security-policy"]  # and the browser may load nothing from elsewhere
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy and "https:" not in policy
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url


def test_the_assets_are_a_fixed_list_with_their_types(client: Any) -> None:
    types = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
             "redoc.standalone.js": "text/javascript", "favicon.png": "image/png"}
    for name, media_type in types.items():
        response = client.get(f"/docs/assets/{name}")
        assert response.headers["content-type"].startswith(media_type), name
        assert "max-age" in response.headers["cache-control"]
    assert client.get("/docs/assets/..%2Fcore.py").status_code == 404
    assert client.get("/docs/assets/swagger-ui-bundle.js.LICENSE.txt").status_code == 404
    # The documented API itself is unchanged, and the documentation pages are not operations in it.
    spec = client.get("/openapi.json").json()
    assert not {"/docs", "/redoc"} & set(spec["paths"])


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_documentation_renders_in_a_browser_cut_off_from_the_internet(page: Any,
                                                                          live_server: str) -> None:
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(live_server):
            route.continue_()
        else:  # what a CDN or font service would have served
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.goto("/docs")
    # Swagger UI parses the whole spec (some hundreds of operations) before it draws the first tag: seconds
    # on a quiet machine, more than the suite's default 10 s when the CI's two cores are shared with the
    # other test workers (seen once). The wait is for the render, not a check of its speed.
    rendered = 60_000
    page.locator(".opblock-tag", has_text="senders: downloads and online check").first.wait_for(timeout=rendered)
    page.get_by_role("button", name=re.compile("Authorize")).first.wait_for()  # the security schemes
    page.goto("/redoc")
    page.get_by_text("senders: downloads and online check").first.wait_for(timeout=rendered)
    assert outside == []  # nothing left for another site (the policy stopped ReDoc's logo in the browser)
    assert all("Content Security Policy" in text and "cdn.redoc.ly" in text for text in refused), refused
