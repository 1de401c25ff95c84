"""The browser fixtures of the web tests (headless Chromium on the live server), for the consent page's
browser journeys kept beside the other consent tests."""

from tests.web.conftest import browser, page  # noqa: F401 - fixtures, found by pytest under these names
