"""Lawful access's pages over HTTP (TestClient), on SQLite and PostgreSQL: each role's pages read in English,
Traditional and Simplified Chinese (200, no English left on a Chinese page, no internal codes); an administrator
and other staff meet the 403 page, a visitor the sign-in form; the new-request form files through the HI-1 path
and, refused, says why in the page's language and keeps what was typed; the compliance officers' refusals
(no reason, the approver releasing) are shown in the page's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.lawful import service
from telreg.lawful.hi1 import dictionaries as d
from telreg.runtime import Runtime
from tests.lawful.edges import COURT, PDF, request_message
from tests.lawful.helpers import PASSWORD, lawful_world, make_staff, register_number
from tests.web.conftest import form_token
from tests.web.page_text import english_runs, raw_values, visible_text
from tests.web.test_forms_keep_input import value

LANGS = ("en", "zh-Hant", "zh-Hans")
NUMBER = "91234567"
# Written as the officers typed them, shown as written in every language.
NAMES = (COURT, "Superintendent, Regional Crime Unit", "A kidnapping in progress: the victim's phone is the only lead.",
         "le.officer", "le.supervisor", "op1.compliance1", "op1.compliance2", "ofca.regulator")


@dataclass(frozen=True)
class World:
    people: dict[str, str]
    warrant: str  # authorisation: a warrant request, its task approved by compliance1
    warrant_task: str
    emergency: str  # an emergency request awaiting the supervisor
    waiting_task: str  # a second warrant request's task, awaiting approval


def world(runtime: Runtime) -> World:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    warrant = request_message(runtime, reference="HCMW-1-2026")
    waiting = request_message(runtime, reference="HCMW-2-2026")
    emergency = request_message(runtime, legal_type=d.EMERGENCY, reference="EM-1-2026")
    with unit_of_work(runtime.session_factory) as session:
        officer = get_user(session, people["officer"])
        for filed in (warrant, waiting, emergency):
            answer = service.handle_message(session, runtime=runtime, user=officer, message=filed.message)
            assert [r.error for r in answer.responses] == [None] * len(filed.message.actions)
        service.approve(session, runtime=runtime, user=get_user(session, people["compliance1"]),
                        task_object_id=warrant.task_ids[0], reason="Warrant in order")
    return World(people, warrant.authorisation_id, warrant.task_ids[0], emergency.authorisation_id,
                 waiting.task_ids[0])


def sign_in(client: Any, username: str) -> None:
    client.cookies.clear()
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text


def _with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def _problems(page: str, lang: str, *, service_error: bool = False) -> list[str]:
    if service_error:  # the service's own sentence is checked for its language apart
        page = re.sub(r'<p class="problem" data-code="[^"]*">.*?</p>', "", page, flags=re.S)
    text = visible_text(page)
    found = raw_values(text)
    if lang != "en":
        found += english_runs(text, names=NAMES)
    return found


def _pages(w: World) -> dict[str, list[str]]:
    return {
        "officer": ["/staff/lawful/requests", f"/staff/lawful/requests?status={d.ACTIVE}", "/staff/lawful/requests/new",
                    f"/staff/lawful/requests/{w.warrant}", f"/staff/lawful/requests/{w.emergency}",
                    f"/staff/lawful/requests/{w.emergency}/warrant"],
        "supervisor": ["/staff/lawful/endorsements", "/staff/lawful/requests"],
        "compliance1": ["/staff/lawful/queue", f"/staff/lawful/queue?status={d.AWAITING_APPROVAL}",
                        f"/staff/lawful/queue/{w.waiting_task}", f"/staff/lawful/queue/{w.warrant_task}"],
        "compliance2": [f"/staff/lawful/queue/{w.warrant_task}"],
    }


def test_every_page_of_every_role_reads_in_every_language(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    problems: dict[str, list[str]] = {}
    for role, paths in _pages(w).items():
        sign_in(client, w.people[role])
        for lang in LANGS:
            for path in paths:
                page = client.get(_with_lang(path, lang))
                assert page.status_code == 200, (role, path, lang, page.status_code, page.text[:300])
                assert f'lang="{lang}"' in page.text
                if found := _problems(page.text, lang):
                    problems[f"{role} {lang} {path}"] = found
    assert problems == {}


def test_what_each_page_shows(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, w.people["officer"])
    mine = client.get(f"/staff/lawful/requests/{w.warrant}?lang=en").text
    assert NUMBER in mine and "warrant.pdf" in mine  # the filing agency sees its target in full
    assert 'href="/staff/lawful/requests/new"' in client.get("/staff/lawful/requests").text
    sign_in(client, w.people["supervisor"])
    waiting = client.get("/staff/lawful/endorsements?lang=en").text
    assert f'data-request="{w.emergency}"' in waiting and f'data-request="{w.warrant}"' not in waiting
    sign_in(client, w.people["compliance1"])
    task = client.get(f"/staff/lawful/queue/{w.waiting_task}?lang=en").text
    assert NUMBER not in task  # the operator sees the target masked, and a preview without personal data
    assert 'id="approve-form"' in task and 'id="release-form"' not in task
    assert COURT in visible_text(task) and 'id="record-count">1<' in task
    approved = client.get(f"/staff/lawful/queue/{w.warrant_task}?lang=en").text
    assert 'id="release-form"' not in approved and 'id="second-person"' in approved  # not to the approver
    sign_in(client, w.people["compliance2"])
    assert 'id="release-form"' in client.get(f"/staff/lawful/queue/{w.warrant_task}?lang=en").text


@pytest.mark.parametrize("lang", LANGS)
def test_an_administrator_and_other_staff_get_the_403_page(client: Any, runtime: Runtime, lang: str) -> None:
    w = world(runtime)
    make_staff(runtime, "admin", "admin")
    refused = {"admin": [p for paths in _pages(w).values() for p in paths],
               w.people["regulator"]: ["/staff/lawful/requests", "/staff/lawful/queue", "/staff/lawful/endorsements"],
               w.people["officer"]: ["/staff/lawful/queue", "/staff/lawful/endorsements"],
               w.people["compliance1"]: ["/staff/lawful/requests", "/staff/lawful/requests/new"]}
    for username, paths in refused.items():
        sign_in(client, username)
        for path in paths:
            page = client.get(_with_lang(path, lang))
            assert page.status_code == 403, (username, path, page.status_code)
            if lang != "en":
                assert _problems(page.text, lang) == [], (username, path)


def test_a_visitor_is_sent_to_sign_in(client: Any, runtime: Runtime) -> None:
    for path in ("/staff/lawful/requests", "/staff/lawful/requests/new", "/staff/lawful/endorsements",
                 "/staff/lawful/queue", "/staff/lawful/queue/abc"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/staff/login?next=")


def _new_request(client: Any, lang: str, *, with_file: bool = True, **fields: Any) -> Any:
    page = client.get(f"/staff/lawful/requests/new?lang={lang}")
    data = {"csrf_token": form_token(page.text), "legal_type": d.WARRANT, "reference": "HCMW-9-2026",
            "issuing_authority": COURT, "timespan_from": "2026-02-01", "timespan_to": "2026-03-02",
            "format_1": d.INTERNATIONAL_E164, "target_1": "9123 4567", "request_type_1": d.REGISTRATION_HISTORY,
            **fields}
    files = {"warrant": ("warrant.pdf", PDF, "application/pdf")} if with_file else None
    return client.post("/staff/lawful/requests/new", data=data, files=files, follow_redirects=False)


def test_the_form_files_a_request_through_the_hi1_path(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    sign_in(client, people["officer"])
    filed = _new_request(client, "en")
    assert filed.status_code == 303, filed.text
    detail = client.get(filed.headers["location"])
    assert "HCMW-9-2026" in detail.text and 'class="flash"' in detail.text
    assert f'data-status="{d.AWAITING_APPROVAL}"' in detail.text and NUMBER in detail.text
    sign_in(client, people["compliance1"])
    assert "HCMW-9-2026" in client.get("/staff/lawful/queue").text  # routed to the operator holding the number


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_request_says_why_in_the_pages_language_and_keeps_the_input(client: Any, runtime: Runtime,
                                                                             lang: str) -> None:
    people = lawful_world(runtime)
    sign_in(client, people["officer"])
    page = _new_request(client, lang, with_file=False)  # a warrant request without the warrant: no legal basis
    assert page.status_code in (403, 422), page.text[:300]
    message = re.search(r'<p class="problem" data-code="[^"]*">(.*?)</p>', page.text, re.S)
    assert message, page.text[:500]
    assert message.group(1).strip().isascii() == (lang == "en"), message.group(1)
    assert value(page.text, "reference") == "HCMW-9-2026"
    assert value(page.text, "issuing_authority") == COURT
    assert value(page.text, "target_1") == "9123 4567"
    assert value(page.text, "request_type_1") == d.REGISTRATION_HISTORY
    assert _problems(page.text, lang, service_error=True) == []
    sign_in(client, people["compliance1"])
    assert "HCMW-9-2026" not in client.get("/staff/lawful/queue").text


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_date_that_is_not_a_date_is_refused_in_the_pages_language(client: Any, runtime: Runtime,
                                                                    lang: str) -> None:
    people = lawful_world(runtime)
    sign_in(client, people["officer"])
    page = _new_request(client, lang, timespan_from="2026-02-31")
    assert page.status_code == 422
    message = re.search(r'<p class="problem" data-code="[^"]*">(.*?)</p>', page.text, re.S)
    assert message and "2026-02-31" in message.group(1) and english_runs(message.group(1)) == []


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_compliance_refusals_are_in_the_pages_language(client: Any, runtime: Runtime, lang: str) -> None:
    w = world(runtime)
    sign_in(client, w.people["compliance1"])
    task = client.get(f"/staff/lawful/queue/{w.waiting_task}?lang={lang}")
    token = form_token(task.text)
    no_reason = client.post(f"/staff/lawful/queue/{w.waiting_task}/approve", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 422, no_reason.text[:300]
    released_by_approver = client.post(f"/staff/lawful/queue/{w.warrant_task}/release", data={"csrf_token": token})
    assert released_by_approver.status_code == 403
    for page in (no_reason, released_by_approver):
        message = re.search(r'<p class="problem" data-code="[^"]*">(.*?)</p>', page.text, re.S)
        assert message, page.text[:300]
        assert not message.group(1).isascii() and english_runs(message.group(1)) == [], message.group(1)
        assert _problems(page.text, lang, service_error=True) == []


def _confirm(client: Any, answer: Any) -> Any:
    """Send the confirmation step's form (web/confirm.py) as it stands."""
    assert answer.status_code == 200 and 'id="confirm-form"' in answer.text, answer.text[:300]
    form = re.search(r'<form method="post" action="([^"]+)" class="row" id="confirm-form">(.*?)</form>',
                     answer.text, re.S)
    assert form
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return client.post(form.group(1), data=fields, follow_redirects=False)


def test_an_emergency_backed_through_the_attach_warrant_page_is_not_revoked(client: Any,
                                                                            runtime: Runtime) -> None:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    filed = request_message(runtime, legal_type=d.EMERGENCY, reference="EM-5-2026")
    with unit_of_work(runtime.session_factory) as session:
        service.handle_message(session, runtime=runtime, user=get_user(session, people["officer"]),
                               message=filed.message)
        service.endorse(session, runtime=runtime, user=get_user(session, people["supervisor"]),
                        object_id=filed.authorisation_id)
        service.approve(session, runtime=runtime, user=get_user(session, people["compliance1"]),
                        task_object_id=filed.task_ids[0], reason="Life at risk")
    sign_in(client, people["officer"])
    detail = f"/staff/lawful/requests/{filed.authorisation_id}"
    assert 'id="backing-due"' in client.get(detail).text
    step = client.get(f"{detail}/warrant?lang=zh-Hant")
    assert step.status_code == 200 and "EM-5-2026" in step.text
    # No file chosen: said in the page's language, nothing attached.
    empty = client.post(f"{detail}/warrant", data={"csrf_token": form_token(step.text)})
    assert empty.status_code == 422 and "請選擇手令的 PDF 檔案" in empty.text
    # Not a PDF: the service's refusal, on the same page.
    wrong = client.post(f"{detail}/warrant", data={"csrf_token": form_token(step.text)},
                        files={"warrant": ("warrant.pdf", b"GIF89a not a pdf", "application/pdf")})
    assert wrong.status_code == 422 and 'id="lawful-error"' in wrong.text
    attached = client.post(f"{detail}/warrant", data={"csrf_token": form_token(step.text)},
                           files={"warrant": ("warrant.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert attached.status_code == 303, attached.text[:300]
    page = client.get(f"{detail}?lang=en").text
    assert 'id="emergency-outcome"' in page and "warrant.pdf" in page
    runtime.clock.advance(hours=49)
    with unit_of_work(runtime.session_factory) as session:
        service.sweep(session, runtime=runtime)
    page = client.get(f"{detail}?lang=en").text
    assert f'data-status="{d.DISCLOSED}"' in page and 'data-result="available"' in page  # not revoked


def test_a_request_is_cancelled_after_the_confirmation_step(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, w.people["officer"])
    detail = f"/staff/lawful/requests/{w.warrant}"
    token = form_token(client.get(detail).text)
    asked = client.post(f"{detail}/cancel", data={"csrf_token": token})
    assert "HCMW-1-2026" in asked.text
    assert f'data-status="{d.ACTIVE}"' in client.get(detail).text  # asking changed nothing
    done = _confirm(client, asked)
    assert done.status_code == 303, done.text[:300]
    page = client.get(detail).text
    assert f'id="authorisation" data-status="{d.CANCELLED}"' in page and 'id="cancel"' not in page
    sign_in(client, w.people["compliance1"])
    (status,) = re.findall(rf'id="task-{w.warrant_task}" data-task="[^"]+" data-status="([^"]+)"',
                           client.get("/staff/lawful/queue").text)
    assert status == d.CANCELLED


def test_a_supervisor_refuses_after_the_confirmation_step_and_a_task_is_rejected(client: Any,
                                                                                 runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, w.people["supervisor"])
    token = form_token(client.get("/staff/lawful/endorsements").text)
    no_reason = client.post(f"/staff/lawful/endorsements/{w.emergency}/refuse", data={"csrf_token": token})
    assert no_reason.status_code == 422 and 'aria-invalid="true"' in no_reason.text
    asked = client.post(f"/staff/lawful/endorsements/{w.emergency}/refuse",
                        data={"csrf_token": token, "reason": "Not urgent: get a warrant"})
    assert _confirm(client, asked).status_code == 303
    assert f'data-request="{w.emergency}"' not in client.get("/staff/lawful/endorsements").text

    sign_in(client, w.people["compliance1"])
    token = form_token(client.get(f"/staff/lawful/queue/{w.waiting_task}").text)
    asked = client.post(f"/staff/lawful/queue/{w.waiting_task}/reject",
                        data={"csrf_token": token, "reason": "The warrant names another person"})
    assert _confirm(client, asked).status_code == 303
    page = client.get(f"/staff/lawful/queue/{w.waiting_task}?lang=en").text
    assert f'data-status="{d.REJECTED}"' in page and "The warrant names another person" in page
    sign_in(client, w.people["officer"])
    mine = client.get("/staff/lawful/requests?lang=en").text
    assert "HCMW-2-2026-1: No records" in visible_text(mine)  # a refusal reads as "no records" to the agency
