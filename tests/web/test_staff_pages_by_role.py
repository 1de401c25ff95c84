"""Staff pages by role, over HTTP on the demo data: each role lands on its own page and its menu offers only
what it may use; a user without a page role is told so; and the main pages of every role (the public, a
sender, a DNC officer, a shop clerk, the regulator, an administrator) show names and words, never raw internal
values, and no English on a Chinese page. SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update

from telreg.core import captcha
from telreg.core.db import unit_of_work
from telreg.core.models import User
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer
from tests.web.demo_world import NAMES, PASSWORDS, demo_world
from tests.web.page_text import english_runs, raw_values, visible_text

LANGS = ("en", "zh-Hant", "zh-Hans")
CAPTCHA = "K7PQ2"
OFFICER_LINKS = ["/staff", "/staff/paper", "/staff/senders", "/staff/mail"]
CLERK_LINKS = ["/staff/realname/register", "/staff/realname/queues", "/staff/realname/ports",
               "/staff/realname/consents"]
GOVERNANCE_LINKS = ["/staff/realname/retention", "/staff/incidents", "/staff/approvals"]
# Enforcement (issue 17): the regulator's, and an administrator's too (enforcement/deps.py).
ENFORCEMENT_LINKS = ["/staff/enforcement/reports", "/staff/enforcement/cases", "/staff/enforcement/statistics"]
REGULATOR_LINKS = ["/staff/realname/compliance", "/staff/realname/queues", "/staff/realname/ports",
                   "/staff/lawful/oversight", "/staff/lawful/transparency", *GOVERNANCE_LINKS, *ENFORCEMENT_LINKS]
CA_LINKS = ["/staff/ecert/applications", "/staff/ecert/certificates", "/staff/ecert/subscriptions"]
COMPLIANCE_LINKS = ["/staff/realname/consents", "/staff/lawful/queue", *GOVERNANCE_LINKS]
DETECTIVE_LINKS = ["/staff/lawful/requests"]
INSPECTOR_LINKS = ["/staff/lawful/endorsements", "/staff/lawful/requests"]
LANDING = {"officer": "/staff", "admin": "/staff", "clerk": "/staff/realname/register",
           "regulator": "/staff/realname/compliance", "ca.officer": "/staff/ecert/applications",
           "compliance": "/staff/lawful/queue", "detective": "/staff/lawful/requests",
           "inspector": "/staff/lawful/endorsements"}
# An administrator is offered every page but lawful access's and the consents' (they keep their duties apart).
MENU = {"officer": OFFICER_LINKS, "clerk": CLERK_LINKS, "regulator": REGULATOR_LINKS, "ca.officer": CA_LINKS,
        "compliance": COMPLIANCE_LINKS, "detective": DETECTIVE_LINKS, "inspector": INSPECTOR_LINKS,
        "admin": [*OFFICER_LINKS, "/staff/realname/compliance", *CLERK_LINKS[:3], *CA_LINKS, *GOVERNANCE_LINKS,
                  *ENFORCEMENT_LINKS]}


def _sign_in(client: Any, username: str, password: str, next_url: str | None = None) -> Any:
    token = form_token(client.get("/staff/login").text)
    data = {"username": username, "password": password, "csrf_token": token, **({"next": next_url} if next_url
                                                                                 else {})}
    return client.post("/staff/login", data=data, follow_redirects=False)


def _menu(html: str) -> list[str]:
    """The staff links of the page's menu (the public and language links left out)."""
    nav = re.search(r"<nav\b.*?</nav>", html, re.S)
    assert nav, "the page has no menu"
    return [href for href in re.findall(r'href="([^"]+)"', nav.group(0))
            if href.startswith("/staff") and "lang=" not in href]


@pytest.mark.parametrize("username", ["officer", "clerk", "regulator", "ca.officer", "compliance", "detective",
                                      "inspector", "admin"])
def test_each_role_lands_on_its_own_page_and_sees_only_its_links(client: Any, runtime: Runtime,
                                                                 username: str) -> None:
    demo_world(runtime)
    signed = _sign_in(client, username, PASSWORDS[username])
    assert signed.status_code == 303 and signed.headers["location"] == LANDING[username]
    landing = client.get(LANDING[username])
    assert landing.status_code == 200
    assert _menu(landing.text) == MENU[username]
    for link in MENU[username]:  # every link offered opens (no 403 behind a link)
        assert client.get(link).status_code == 200, link


def test_the_staff_link_of_other_roles_leads_to_their_own_page(client: Any, runtime: Runtime) -> None:
    demo_world(runtime)
    _sign_in(client, "clerk", PASSWORDS["clerk"])
    staff = client.get("/staff", follow_redirects=False)  # where "Staff" and old bookmarks lead
    assert staff.status_code == 303 and staff.headers["location"] == "/staff/home"
    home = client.get("/staff/home", follow_redirects=False)
    assert home.headers["location"] == "/staff/realname/register"
    assert client.get("/staff/login", follow_redirects=True).url.path == "/staff/realname/register"


def test_several_roles_land_on_the_first_in_order_and_see_all_their_links(client: Any,
                                                                          runtime: Runtime) -> None:
    make_officer(runtime, username="ms.ho", roles=("regulator", "operator-staff"), operator="harbour")
    signed = _sign_in(client, "ms.ho", OFFICER_PASSWORD)
    assert signed.headers["location"] == "/staff/realname/register"  # operator-staff comes before regulator
    assert _menu(client.get("/staff/realname/queues").text) == ["/staff/realname/compliance", *CLERK_LINKS,
                                                                 *REGULATOR_LINKS[3:]]


@pytest.mark.parametrize(("lang", "heading"), [("en", "No staff pages for this account"),
                                               ("zh-Hant", "此帳戶沒有職員頁面"), ("zh-Hans", "此帐户没有职员页面")])
def test_a_user_without_a_page_role_is_told_so(client: Any, runtime: Runtime, lang: str,
                                                heading: str) -> None:
    make_officer(runtime, username="mr.chow")
    # A role with no pages (or one that no longer exists).
    with unit_of_work(runtime.session_factory) as session:
        session.execute(update(User).where(User.username == "mr.chow").values(roles=["auditor"]))
    client.get(f"/?lang={lang}")
    signed = _sign_in(client, "mr.chow", OFFICER_PASSWORD)
    assert signed.headers["location"] == "/staff/home"
    page = client.get("/staff/home")
    assert page.status_code == 200 and f"<h1>{heading}</h1>" in page.text
    assert _menu(page.text) == []
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/home"
    if lang != "en":
        assert english_runs(visible_text(page.text), names=["mr.chow"]) == []


@pytest.mark.parametrize(("username", "asked", "goes_to"), [
    ("clerk", "/staff/paper", "/staff/realname/register"),  # another role's page: its own start page instead
    ("clerk", "/staff/realname/queues?state=suspended", "/staff/realname/queues?state=suspended"),
    ("regulator", "/staff/realname/register", "/staff/realname/compliance"),
    ("officer", "/staff/numbers?number=28123456", "/staff/numbers?number=28123456"),
    ("admin", "/staff/realname/register", "/staff/realname/register"),
    ("ca.officer", "/staff/paper", "/staff/ecert/applications"),
    ("ca.officer", "/staff/ecert/certificates?serial=ab", "/staff/ecert/certificates?serial=ab"),
])
def test_sign_in_goes_on_to_the_page_asked_for_when_it_is_for_the_role(client: Any, runtime: Runtime,
                                                                       username: str, asked: str,
                                                                       goes_to: str) -> None:
    demo_world(runtime)
    assert _sign_in(client, username, PASSWORDS[username], asked).headers["location"] == goes_to


# ---- no raw values, no English on Chinese pages ----------------------------------------------------------

def _public_pages(client: Any, world: Any) -> list[str]:
    return ["/", "/status?number=28123456", "/senders", "/senders/login", "/ecert", "/ecert?serial=1a2b3c"]


def _sender_pages(client: Any, world: Any) -> list[str]:
    page = client.get("/senders/login")
    token = re.search(r'name="captcha_token" value="([^"]+)"', page.text)
    assert token
    signed = client.post("/senders/login", data={
        "username": "demo-sender", "password": PASSWORDS["demo-sender"], "captcha_token": token.group(1),
        "captcha_answer": CAPTCHA, "csrf_token": form_token(page.text)}, follow_redirects=False)
    assert signed.status_code == 303
    return ["/senders/profile", "/senders/downloads", "/senders/check", "/senders/lists?register=sms",
            "/senders/lists?register=sms&number=61234567", "/senders/washes", "/senders/api-keys"]


def _staff_pages(username: str, pages: list[str]) -> Any:
    def sign_in(client: Any, world: Any) -> list[str]:
        assert _sign_in(client, username, PASSWORDS[username]).status_code == 303
        return [page.format(world=world) for page in pages]
    return sign_in


ROLE_PAGES = {
    "public": _public_pages,
    "sender": _sender_pages,
    "dnc-officer": _staff_pages("officer", [
        "/staff", "/staff/paper", "/staff/senders", "/staff/senders?state=active",
        "/staff/senders/{world.sender_id}", "/staff/senders/fees", "/staff/numbers?number=28123456",
        "/staff/numbers?number=21234567"]),
    "operator-staff": _staff_pages("clerk", CLERK_LINKS),
    "regulator": _staff_pages("regulator", [*REGULATOR_LINKS, "/staff/realname/queues?operator=peak"]),
    "ca-officer": _staff_pages("ca.officer", [*CA_LINKS, "/staff/ecert/certificates?state=good"]),
    "operator-compliance": _staff_pages("compliance", COMPLIANCE_LINKS),
    "le-officer": _staff_pages("detective", [*DETECTIVE_LINKS, "/staff/lawful/requests/new"]),
    "le-supervisor": _staff_pages("inspector", INSPECTOR_LINKS),
    "admin": _staff_pages("admin", ["/staff"]),
}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_the_main_pages_of_every_role_show_words_not_codes(client: Any, runtime: Runtime, role: str) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: CAPTCHA
    world = demo_world(runtime)
    pages = ROLE_PAGES[role](client, world)
    problems: dict[str, list[str]] = {}
    for lang in LANGS:
        for path in pages:
            response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
            assert response.status_code == 200, (path, lang, response.status_code)
            text = visible_text(response.text)
            found = raw_values(text) + (english_runs(text, names=NAMES) if lang != "en" else [])
            if found:
                problems[f"{lang} {path}"] = found
    assert problems == {}


@pytest.mark.parametrize(("lang", "by", "recorded", "registered"), [
    ("en", "Officer officer", "Registers: Fax, SMS; Paper application 1",
     "Written application; Proof: a phone bill; Paper application 1"),
    ("zh-Hant", "職員 officer", "登記冊:傳真、短訊; 書面申請 1", "書面申請; 證明:電話費單; 書面申請 1"),
])
def test_a_numbers_history_says_who_and_how_in_words(client: Any, runtime: Runtime, lang: str, by: str,
                                                    recorded: str, registered: str) -> None:
    demo_world(runtime)  # 28123456 was listed on the fax and SMS registers by approving paper application 1
    _sign_in(client, "officer", PASSWORDS["officer"])
    page = client.get(f"/staff/numbers?number=28123456&lang={lang}").text

    def who_and_what(event: str) -> list[str]:
        row = re.search(rf'<tr data-event="{event}">(.*?)</tr>', page, re.S)
        assert row, f"the history has no {event} event"
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        return [re.sub(r"\s+;", ";", visible_text(cell)) for cell in cells[3:]]

    assert who_and_what("paper-application-recorded") == [by, recorded]
    assert who_and_what("registered") == [by, registered]
